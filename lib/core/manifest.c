/* The system manifest: everything about the machine and kernel a number depends on. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "sys/virt.h"
#include "sys/kconfig.h"
#include "sys/atomic.h"
#include "knobs/knobs.h"
#include "core/manifest.h"
#include "sys/memutil.h"
#include "sys/privs.h"
#include "core/version.h"
#include "sys/procfs.h"
#include "sys/topology.h"


#define MANIFEST_SCHEMA	"mmbench-manifest/1"
#define THP_DIR		"/sys/kernel/mm/transparent_hugepage"

/* The options the benches' results depend on; a trailing '*' takes every option with that prefix. */
static const char *const config_options[] = {
	"CONFIG_TRANSPARENT_HUGEPAGE", "CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS",
	"CONFIG_TRANSPARENT_HUGEPAGE_MADVISE", "CONFIG_READ_ONLY_THP_FOR_FS", "CONFIG_THP_SWAP",
	"CONFIG_NUMA", "CONFIG_NUMA_BALANCING", "CONFIG_NUMA_BALANCING_DEFAULT_ENABLED",
	"CONFIG_MIGRATION", "CONFIG_COMPACTION", "CONFIG_PER_VMA_LOCK", "CONFIG_PER_VMA_LOCK_STATS",
	"CONFIG_USERFAULTFD", "CONFIG_HAVE_ARCH_USERFAULTFD_WP", "CONFIG_PTE_MARKER_UFFD_WP",
	"CONFIG_MEMCG", "CONFIG_LRU_GEN", "CONFIG_LRU_GEN_ENABLED", "CONFIG_SHMEM", "CONFIG_HUGETLBFS",
	"CONFIG_PREEMPT*", "CONFIG_HZ", "CONFIG_HZ_PERIODIC", "CONFIG_NO_HZ_FULL",
	"CONFIG_DEBUG_VM*", "CONFIG_KASAN", "CONFIG_KFENCE", "CONFIG_LOCKDEP", "CONFIG_PROVE_LOCKING",
	"CONFIG_DEBUG_PAGEALLOC", "CONFIG_PAGE_TABLE_CHECK", "CONFIG_PGTABLE_LEVELS",
	"CONFIG_PAGE_SIZE_4KB", "CONFIG_X86_5LEVEL", "CONFIG_MITIGATION_PAGE_TABLE_ISOLATION",
	"CONFIG_PAGE_TABLE_ISOLATION", "CONFIG_FTRACE", "CONFIG_LOCK_STAT",
	NULL,
};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *iso8601(double t)
{
	char buf[64];
	time_t secs = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&secs, &tm))
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* A file's text under the sysroot, or "<prefix>: <why>". */
static json_t *sys_text(const char *path, const char *prefix)
{
	char full[PATH_MAX], buf[4096];
	int err = read_text(sysroot_path(full, sizeof(full), path), buf, sizeof(buf));

	if (err)
		return json_sprintf("%s: %s: %s", prefix, path, strerror(-err));
	return json_string(buf);
}

static json_t *config_object(void)
{
	json_t *o = json_object();
	const char *text = kconfig_text();

	for (const char *const *opt = config_options; *opt; opt++) {
		size_t len = strlen(*opt);

		if ((*opt)[len - 1] != '*') {
			json_object_set_new(o, *opt, str_or_null(kconfig_get(*opt)));
			continue;
		}
		/* Prefix: every CONFIG_PREEMPT... line, set or "is not set" alike. */
		for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			const char *name = p, *eq;
			char opt_name[128];

			if (!strncmp(p, "# ", 2))
				name = p + 2;
			if (strncmp(name, *opt, len - 1))
				continue;
			eq = name + strcspn(name, "= \n");
			if (eq - name >= (long)sizeof(opt_name))
				continue;
			snprintf(opt_name, sizeof(opt_name), "%.*s", (int)(eq - name), name);
			json_object_set_new(o, opt_name, str_or_null(kconfig_get(opt_name)));
		}
	}
	return o;
}

static json_t *kernel_object(void)
{
	json_t *k = json_object();
	struct utsname u;
	char digest[65];

	uname(&u);
	json_object_set_new(k, "release", json_string(u.release));
	json_object_set_new(k, "version", json_string(u.version));
	json_object_set_new(k, "machine", json_string(u.machine));
	json_object_set_new(k, "cmdline", sys_text("/proc/cmdline", "unreadable"));
	/* the boot: runs of one boot share its luck, so a kernel's replicate is the boot */
	json_object_set_new(k, "boot_id", sys_text("/proc/sys/kernel/random/boot_id", "unreadable"));
	json_object_set_new(k, "config_source", json_string(kconfig_source()));
	json_object_set_new(k, "config", kconfig_text() ? config_object() : json_null());
	json_object_set_new(k, "config_digest", kconfig_digest(digest) ? json_null() :
			    json_sprintf("sha256:%s", digest));
	return k;
}

static json_t *cpu_object(void)
{
	static const char *const flags[] = {
		"vmx", "svm", "pdpe1gb", "pse", "hypervisor", "la57", "pcid", "invpcid", NULL
	};
	char path[PATH_MAX], line[8192];
	json_t *c = json_object(), *fl = json_object();
	FILE *f = fopen(sysroot_path(path, sizeof(path), "/proc/cpuinfo"), "re");
	bool have_flags = false;

	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *key = line, *val, *end;

		if (!colon)
			continue;
		end = colon;
		while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		val = colon + 1 + strspn(colon + 1, " ");
		val[strcspn(val, "\n")] = '\0';
		if (!strcmp(key, "model name") && !json_object_get(c, "model"))
			json_object_set_new(c, "model", json_string(val));
		else if (!strcmp(key, "vendor_id") && !json_object_get(c, "vendor"))
			json_object_set_new(c, "vendor", json_string(val));
		else if (!strcmp(key, "flags") && !have_flags) {
			char words[8192];

			have_flags = true;
			snprintf(words, sizeof(words), " %s ", val);
			for (const char *const *fw = flags; *fw; fw++) {
				char w[32];

				snprintf(w, sizeof(w), " %s ", *fw);
				json_object_set_new(fl, *fw, json_boolean(strstr(words, w)));
			}
		}
	}
	if (f)
		fclose(f);
	json_object_set_new(c, "flags", fl);
	json_object_set_new(c, "online", json_integer(online_cpus()));
	return c;
}

static json_t *topology_object(void)
{
	json_t *t = json_object(), *mem = json_array();

	if (topo_init()) {
		json_decref(mem);
		json_object_set_new(t, "error", json_string("hwloc could not load the topology"));
		return t;
	}
	json_object_set_new(t, "sockets", json_integer(topo_sockets()));
	json_object_set_new(t, "numa_nodes", json_integer(topo_numa_nodes()));
	json_object_set_new(t, "cores", json_integer(topo_cores()));
	json_object_set_new(t, "pus", json_integer(topo_pus()));
	for (int node = 0, seen = 0; seen < (int)topo_numa_nodes() && node < 4096; node++) {
		int cpus[1];
		unsigned long long bytes = topo_node_memory(node);

		if (!bytes && !topo_node_cpus(node, cpus, 1))
			continue;
		json_array_append_new(mem, json_pack("{s:i, s:I}", "node", node, "bytes", (json_int_t)bytes));
		seen++;
	}
	json_object_set_new(t, "memory_per_node", mem);
	return t;
}

/* "active"/"inactive" from smt/active, else why not. */
static json_t *smt_state(void)
{
	char path[PATH_MAX], buf[32];
	int err = read_text(sysroot_path(path, sizeof(path), "/sys/devices/system/cpu/smt/active"),
			    buf, sizeof(buf));

	if (err)
		return json_sprintf("unknown: %s", strerror(-err));
	return json_string(!strcmp(buf, "1") ? "active" : "inactive");
}

static json_t *cpufreq_governor(void)
{
	char path[PATH_MAX], buf[64];

	if (read_text(sysroot_path(path, sizeof(path),
				   "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"), buf, sizeof(buf)))
		return json_string("unavailable: no cpufreq");
	return json_string(buf);
}

static json_t *aslr(void)
{
	char path[PATH_MAX];
	uint64_t v;
	int err = read_u64(sysroot_path(path, sizeof(path), "/proc/sys/kernel/randomize_va_space"), &v);

	return err ? json_sprintf("unreadable: %s", strerror(-err)) : json_integer(v);
}

static json_t *memory_object(void)
{
	long long total = meminfo_kb("MemTotal"), avail = meminfo_kb("MemAvailable");

	return json_pack("{s:o, s:o, s:s}",
			 "MemTotal", total < 0 ? json_null() : json_integer(total),
			 "MemAvailable", avail < 0 ? json_null() : json_integer(avail),
			 "unit", "kB");
}

static json_t *knobs_object(void)
{
	json_t *k = json_object();
	const char *const *names = knob_names();

	for (; names && *names; names++) {
		char buf[512];
		int err = knob_read_raw(*names, buf, sizeof(buf));

		json_object_set_new(k, *names, err ? json_sprintf("unreadable: %s", strerror(-err)) :
				    json_string(buf));
	}
	return k;
}

/*
 * Who ran it: a user run measures less (no knob set, no kernel-side perf counts), so
 * compare warns when two runs differ here.
 */
static json_t *privileges_object(void)
{
	static const int caps[] = { PRIV_CAP_SYS_ADMIN, PRIV_CAP_PERFMON, PRIV_CAP_SYS_NICE };
	json_t *o = json_object(), *c = json_object();
	struct privs p;

	privs_read(&p);
	json_object_set_new(o, "uid", json_integer(p.uid));
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		json_object_set_new(c, privs_cap_name(caps[i]), p.caps_known ?
				    json_boolean(privs_has(&p, caps[i])) : json_string("unknown"));
	json_object_set_new(o, "capabilities", c);
	json_object_set_new(o, "cap_eff", p.caps_known ?
			    json_sprintf("%016llx", (unsigned long long)p.cap_eff) : json_null());
	json_object_set_new(o, "perf_event_paranoid", p.paranoid_known ?
			    json_integer(p.perf_event_paranoid) : json_null());
	json_object_set_new(o, "unprivileged_userfaultfd", p.uffd_known ?
			    json_integer(p.unprivileged_userfaultfd) : json_null());
	return o;
}

static int size_cmp(const void *a, const void *b)
{
	long x = atol(*(const char *const *)a), y = atol(*(const char *const *)b);

	return (x > y) - (x < y);
}

/* Anonymous mTHP sizes: hugepages-<size>kB directories that have an `enabled` file. */
static json_t *thp_sizes(void)
{
	char dir[PATH_MAX], file[PATH_MAX + 300], *sizes[64];
	json_t *a = json_array();
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(sysroot_path(dir, sizeof(dir), THP_DIR));

	while (d && (de = readdir(d)) && n < 64) {
		if (strncmp(de->d_name, "hugepages-", 10))
			continue;
		snprintf(file, sizeof(file), "%s/%s/enabled", dir, de->d_name);
		if (!access(file, F_OK) && (sizes[n] = strdup(de->d_name + 10)))
			n++;
	}
	if (d)
		closedir(d);
	qsort(sizes, n, sizeof(sizes[0]), size_cmp);
	for (int i = 0; i < n; i++) {
		json_array_append_new(a, json_string(sizes[i]));
		free(sizes[i]);
	}
	return a;
}

static json_t *pmd_size(void)
{
	size_t v;

	return mem_pmd_size(&v) ? json_null() : json_integer(v);
}

/* Which machine: reproduce and compare say when it is another. */
static json_t *hostname(void)
{
	char name[256] = "";

	if (gethostname(name, sizeof(name) - 1) || !name[0])
		return json_null();
	return json_string(name);
}

json_t *manifest_build(const struct run_meta *meta)
{
	json_t *m = json_object(), *vm = NULL, *accel;
	const char *vm_env = getenv("MMBENCH_VM");

	json_object_set_new(m, "schema", json_string(MANIFEST_SCHEMA));
	json_object_set_new(m, "run_id", str_or_null(meta ? meta->run_id : NULL));
	json_object_set_new(m, "label", str_or_null(meta ? meta->label : NULL));
	json_object_set_new(m, "start_time", iso8601(meta ? meta->start_time : 0));
	json_object_set_new(m, "end_time", iso8601(meta ? meta->end_time : 0));
	json_object_set_new(m, "command_line", str_or_null(meta ? meta->cmdline : NULL));
	json_object_set_new(m, "profile", str_or_null(meta ? meta->profile : NULL));
	json_object_set_new(m, "mmbench_version", json_string(mmbench_version));
	json_object_set_new(m, "hostname", hostname());
	json_object_set_new(m, "kernel", kernel_object());
	json_object_set_new(m, "cpu", cpu_object());
	json_object_set_new(m, "topology", topology_object());
	json_object_set_new(m, "smt", smt_state());
	json_object_set_new(m, "cpufreq_governor", cpufreq_governor());
	json_object_set_new(m, "aslr", aslr());
	json_object_set_new(m, "memory", memory_object());
	json_object_set_new(m, "virtualization", json_string(virtualization()));
	json_object_set_new(m, "virtualization_detail", virtualization_detail());
	json_object_set_new(m, "knobs", knobs_object());
	json_object_set_new(m, "privileges", privileges_object());
	json_object_set_new(m, "page_size", json_integer(sysconf(_SC_PAGESIZE)));
	json_object_set_new(m, "thp_sizes", thp_sizes());
	json_object_set_new(m, "pmd_size", pmd_size());
	/* The qemu runner describes the guest it booted; its accel is the truth about emulation. */
	if (vm_env)
		vm = json_loads(vm_env, 0, NULL);
	if (json_is_object(vm)) {
		accel = json_object_get(vm, "accel");
		if (json_is_string(accel))
			json_object_set(m, "virtualization", accel);
		json_object_set_new(m, "vm", vm);
	} else {
		if (vm_env)
			json_object_set_new(m, "vm", json_sprintf("invalid MMBENCH_VM: not a JSON object"));
		json_decref(vm);
	}
	return m;
}

int manifest_write(const char *path, json_t *manifest)
{
	return atomic_write_json(path, manifest, JSON_INDENT(2) | JSON_ENSURE_ASCII);
}
