/* Unit tests of the manifest: sha256 vectors, the kernel config from a fake sysroot, the real machine's manifest. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "testutil.h"
#include "knobs/knobs.h"
#include "sys/kconfig.h"
#include "sys/virt.h"
#include "core/manifest.h"
#include "sys/procfs.h"
#include "sys/sha256.h"

static char root[PATH_MAX];

static void sh(const char *fmt, const char *arg)
{
	char cmd[PATH_MAX * 4];

	snprintf(cmd, sizeof(cmd), fmt, root, arg);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	tu_write_file(path, "%s", text);
}

/* FIPS 180-2 examples, plus the digest of a million 'a's. */
static void test_sha256_vectors(void **state)
{
	static const char *const abc56 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65], *million = malloc(1000000);

	(void)state;
	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex(abc56, strlen(abc56), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_non_null(million);
	memset(million, 'a', 1000000);
	sha256_hex(million, 1000000, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static const char config_text[] =
	"#\n# Automatically generated file; DO NOT EDIT.\n#\n"
	"CONFIG_TRANSPARENT_HUGEPAGE=y\n"
	"# CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS is not set\n"
	"CONFIG_NUMA_BALANCING=y\n"
	"CONFIG_HZ=250\n"
	"CONFIG_PREEMPT_NONE=y\n"
	"# CONFIG_PREEMPT is not set\n"
	"CONFIG_PREEMPT_DYNAMIC=y\n"
	"CONFIG_LOCALVERSION=\"-test\"\n";

static void fake_tree(void)
{
	put("/proc/cmdline", "console=ttyS0 quiet\n");
	put("/proc/meminfo", "MemTotal:       1000 kB\nMemAvailable:   600 kB\n");
	put("/proc/cpuinfo", "vendor_id\t: GenuineIntel\nmodel name\t: Test CPU @ 1GHz\n"
			     "flags\t\t: fpu vmx pse pdpe1gb\n\nvendor_id\t: Other\n");
	put("/proc/sys/kernel/randomize_va_space", "0\n");
	put("/sys/devices/system/cpu/smt/active", "1\n");
	put("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
	put("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "2097152\n");
	put("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	put("/sys/kernel/mm/transparent_hugepage/hugepages-8kB/shmem_enabled", "never\n");
	put("/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled", "always [inherit] madvise never\n");
	put("/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled", "always inherit madvise [never]\n");
	put("/sys/kernel/mm/transparent_hugepage/hugepages-16kB/enabled", "always inherit madvise [never]\n");
	put("/config.txt", config_text);
	sh("gzip -c '%s/config.txt' > '%s/proc/config.gz'", root);
}

/* Everything the manifest reads from /proc and /sys comes from the fake tree. */
static void test_fake_sysroot(void **state)
{
	char want[65];
	json_t *m, *k, *cfg;

	(void)state;
	fake_tree();
	setenv("MMBENCH_SYSROOT", root, 1);
	kconfig_reset();
	m = manifest_build(NULL);
	k = json_object_get(m, "kernel");
	assert_string_equal(json_string_value(json_object_get(k, "config_source")), "/proc/config.gz");
	assert_string_equal(json_string_value(json_object_get(k, "cmdline")), "console=ttyS0 quiet");
	cfg = json_object_get(k, "config");
	assert_string_equal(json_string_value(json_object_get(cfg, "CONFIG_TRANSPARENT_HUGEPAGE")), "y");
	assert_true(json_is_null(json_object_get(cfg, "CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS")));
	assert_true(json_is_null(json_object_get(cfg, "CONFIG_PER_VMA_LOCK")));
	assert_string_equal(json_string_value(json_object_get(cfg, "CONFIG_HZ")), "250");
	/* CONFIG_PREEMPT* expands to every such line, set or not. */
	assert_string_equal(json_string_value(json_object_get(cfg, "CONFIG_PREEMPT_DYNAMIC")), "y");
	assert_non_null(json_object_get(cfg, "CONFIG_PREEMPT"));
	assert_true(json_is_null(json_object_get(cfg, "CONFIG_PREEMPT")));
	assert_string_equal(kconfig_get("CONFIG_LOCALVERSION"), "-test");
	assert_null(kconfig_get("CONFIG_HZ_"));
	sha256_hex(config_text, strlen(config_text), want);
	assert_true(!strncmp(json_string_value(json_object_get(k, "config_digest")), "sha256:", 7));
	assert_string_equal(json_string_value(json_object_get(k, "config_digest")) + 7, want);

	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "cpu"), "model")),
			    "Test CPU @ 1GHz");
	assert_true(json_is_true(json_object_get(json_object_get(json_object_get(m, "cpu"), "flags"), "vmx")));
	assert_true(json_is_false(json_object_get(json_object_get(json_object_get(m, "cpu"), "flags"), "svm")));
	assert_string_equal(json_string_value(json_object_get(m, "smt")), "active");
	assert_string_equal(json_string_value(json_object_get(m, "cpufreq_governor")), "performance");
	assert_int_equal(json_integer_value(json_object_get(m, "aslr")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "memory"), "MemAvailable")), 600);
	assert_int_equal(json_integer_value(json_object_get(m, "pmd_size")), 2097152);
	/* 8kB has no `enabled`: not an anonymous size. Ordered by size, not by name. */
	assert_int_equal(json_array_size(json_object_get(m, "thp_sizes")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(m, "thp_sizes"), 0)), "16kB");
	assert_string_equal(json_string_value(json_array_get(json_object_get(m, "thp_sizes"), 2)), "2048kB");
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "knobs"), "thp.enabled")),
			    "always [madvise] never");
	json_decref(m);
}

/* /boot/config-<release> when there is no /proc/config.gz; "unknown: why" when neither. */
static void test_config_sources(void **state)
{
	char rel[PATH_MAX];
	json_t *m, *k;

	(void)state;
	fake_tree();
	setenv("MMBENCH_SYSROOT", root, 1);
	sh("rm -f '%s/proc/config.gz'%s", "");
	snprintf(rel, sizeof(rel), "/boot/config-%s", kernel_release());
	put(rel, "CONFIG_HZ=1000\n");
	kconfig_reset();
	assert_string_equal(kconfig_source(), rel);
	assert_string_equal(kconfig_get("CONFIG_HZ"), "1000");
	sh("rm -rf '%s/boot'%s", "");
	kconfig_reset();
	m = manifest_build(NULL);
	k = json_object_get(m, "kernel");
	assert_true(!strncmp(json_string_value(json_object_get(k, "config_source")), "unknown: ", 9));
	assert_true(json_is_null(json_object_get(k, "config")));
	assert_true(json_is_null(json_object_get(k, "config_digest")));
	assert_null(kconfig_get("CONFIG_HZ"));
	json_decref(m);
	unsetenv("MMBENCH_SYSROOT");
	kconfig_reset();
}

static void test_vm_env(void **state)
{
	json_t *m;

	(void)state;
	setenv("MMBENCH_VM", "{\"accel\": \"tcg\", \"numa\": 2, \"kernel\": \"vmlinuz-6.1\"}", 1);
	m = manifest_build(NULL);
	assert_string_equal(json_string_value(json_object_get(m, "virtualization")), "tcg");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "vm"), "numa")), 2);
	json_decref(m);
	setenv("MMBENCH_VM", "not json", 1);
	m = manifest_build(NULL);
	assert_string_equal(json_string_value(json_object_get(m, "virtualization")), virtualization());
	assert_true(json_is_string(json_object_get(m, "vm")));
	json_decref(m);
	unsetenv("MMBENCH_VM");
}

static void test_real_machine(void **state)
{
	struct run_meta meta = { "20231114-221320-x", "x", "mmbench run --bench uffd-wp", "smoke",
				 1700000000, 1700000100.5 };
	char path[PATH_MAX + 16];
	json_t *m, *back, *knobs;
	struct utsname u;
	const char *const *names;

	(void)state;
	unsetenv("MMBENCH_SYSROOT");
	kconfig_reset();
	m = manifest_build(&meta);
	assert_string_equal(json_string_value(json_object_get(m, "schema")), "mmbench-manifest/1");
	assert_string_equal(json_string_value(json_object_get(m, "start_time")), "2023-11-14T22:13:20Z");
	assert_string_equal(json_string_value(json_object_get(m, "end_time")), "2023-11-14T22:15:00Z");
	assert_string_equal(json_string_value(json_object_get(m, "profile")), "smoke");
	assert_true(strlen(json_string_value(json_object_get(m, "mmbench_version"))) > 0);
	uname(&u);
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, "kernel"), "release")), u.release);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "topology"), "pus")),
			 sysconf(_SC_NPROCESSORS_ONLN));
	assert_int_equal(json_integer_value(json_object_get(m, "page_size")), sysconf(_SC_PAGESIZE));
	knobs = json_object_get(m, "knobs");
	for (names = knob_names(); *names; names++) {
		const char *v = json_string_value(json_object_get(knobs, *names));

		assert_non_null(v);
		if (!strncmp(v, "unreadable", 10))
			assert_true(!strncmp(v, "unreadable: ", 12) && strlen(v) > 12);
	}
	snprintf(path, sizeof(path), "%s/manifest.json", root);
	assert_int_equal(manifest_write(path, m), 0);
	back = json_load_file(path, 0, NULL);
	assert_non_null(back);
	assert_true(json_equal(m, back));
	assert_int_equal(manifest_write("/nonexistent/dir/manifest.json", m), -ENOENT);
	json_decref(back);
	json_decref(m);
}

/* Building a manifest reads debugfs knobs; whatever it mounts for that is gone when the process ends. */
static void test_leaves_mounts(void **state)
{
	int before = tu_mounts("debugfs", NULL);
	pid_t pid;

	(void)state;
	pid = tu_fork_root();
	if (!pid) {
		json_decref(manifest_build(NULL));
		exit(0);
	}
	tu_wait_ok(pid);
	assert_int_equal(tu_mounts("debugfs", NULL), before);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s", tu_tmpdir());
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: before anything in this process has mounted debugfs itself. */
		cmocka_unit_test(test_leaves_mounts),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_fake_sysroot),
		cmocka_unit_test(test_config_sources),
		cmocka_unit_test(test_vm_env),
		cmocka_unit_test(test_real_machine),
	};

	return cmocka_run_group_tests_name("manifest", tests, setup, tu_teardown);
}
