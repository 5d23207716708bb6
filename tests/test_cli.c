/* The command line: bad input gets one clear line on stderr and exit 2, and changes nothing. */
#include <stdarg.h>
#include <string.h>
#include "testutil.h"
#include "cmd/registry.h"

static void expect_usage(const char *args, const char *needle)
{
	char *out = NULL;
	int rc = tu_run(&out, "./build/mmbench %s", args);

	if (rc != 2 || !strstr(out, needle))
		fail_msg("mmbench %s: exit %d, output: %s", args, rc, out);
	/* one line */
	assert_non_null(strchr(out, '\n'));
	assert_null(strchr(strchr(out, '\n') + 1, '\n'));
	free(out);
}

static void test_bad_input(void **state)
{
	char *before = tu_knob_snapshot_idle(), *after;

	(void)state;
	expect_usage("frobnicate", "unknown command");
	expect_usage("run --bench no-such-bench", "unknown bench 'no-such-bench'");
	expect_usage("run --profile huge", "--profile");
	expect_usage("run --reps 0", "--reps");
	expect_usage("run --reps x", "--reps");
	expect_usage("run --label 'a b'", "--label");
	expect_usage("run --set thp.nonsense=1", "unknown knob");
	expect_usage("run --set thp.enabled", "--set");
	expect_usage("run --opt nosuchopt=1", "no selected bench has that option");
	expect_usage("run --bench uffd-wp --opt size=12Q", "size");
	expect_usage("run --bench uffd-wp --opt uffd-wp.size=0", "below the minimum");
	expect_usage("run --whatever", "unknown option");
	expect_usage("sysinfo extra", "sysinfo takes no arguments");
	expect_usage("run --reps", "--reps needs a value");
	expect_usage("run --profile=huge", "--profile");
	expect_usage("run --check-only=yes", "takes no value");
	expect_usage("run stray", "unknown argument 'stray'");
	expect_usage("list --knobs=1", "takes no value");
	expect_usage("sweep --metric", "--metric needs a value");
	expect_usage("compare --format=pdf a b", "--format is text, md or html, not 'pdf'");
	after = tu_knob_snapshot_idle();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_help_and_list(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(tu_run(&out, "./build/mmbench --help"), 0);
	assert_non_null(strstr(out, "compare BASE NEW [MORE..]"));
	assert_non_null(strstr(out, "--runs N"));
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench list --bench uffd-wp --profile smoke"), 0);
	assert_non_null(strstr(out, "uffd-wp"));
	assert_non_null(strstr(out, "case mode="));
	free(out);
}

/* Every option takes its value as --opt=value or --opt value (getopt_long), before or after operands. */
static void test_option_forms(void **state)
{
	static const char *const ok[] = {
		"run --check-only --profile=smoke --bench=uffd-wp --opt=size=2M",
		"run --check-only --profile smoke --bench uffd-wp --opt size=2M",
		"run --profile=smoke --check-only -v --reps=2 --runs=3 --seed=7 --label=x.y",
		"list --profile=smoke --bench=uffd-wp",
	};
	char *out = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int rc = tu_run(&out, "./build/mmbench %s", ok[i]);

		if (rc)
			fail_msg("mmbench %s: exit %d: %s", ok[i], rc, out);
		free(out);
	}
	/* a value that is wrong either way is wrong the same way */
	expect_usage("run --check-only --bench=uffd-wp --opt=size=12Q", "size");
	expect_usage("run --check-only --bench uffd-wp --opt size=12Q", "size");
}

/* Output of a command that must exit 0 (printf-style; malloc'd). */
static char *run_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run_ok(const char *fmt, ...)
{
	char cmd[1024], *out = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = tu_run(&out, "%s", cmd);
	if (rc)
		fail_msg("%s: exit %d: %s", cmd, rc, out);
	return out;
}

/*
 * run --dry-run --assume: the plan of another machine (threads per node from its
 * topology, the cases its memory would skip); bad values one line and exit 2.
 */
static void test_dry_run_assume(void **state)
{
	char *out = NULL;

	(void)state;
	expect_usage("run --assume nodes=2", "needs --dry-run");
	expect_usage("run --dry-run --assume nodes=3,cpus=8", "do not split evenly");
	expect_usage("run --dry-run --assume cpus=0", "not a positive number");
	expect_usage("run --dry-run --assume mem=4Q", "not a size");
	expect_usage("run --dry-run --assume sockets=2", "no 'sockets'");
	expect_usage("run --dry-run --assume nodes=128,cpus=128", "at most 64 nodes");
	expect_usage("run --dry-run --assume nodes=2,cpus=2,mem=128M", "at least 128 MiB");
	out = run_ok("./build/mmbench run --dry-run --bench vma-lock --opt "
				"placement=compact,scatter --assume nodes=4,cpus=8,mem=8G");
	assert_non_null(strstr(out, "4 nodes, 8 CPUs, 8192 MiB (assumed"));
	/* scatter puts 2 of 8 threads on each node's 2 CPUs; compact fills node 0 first */
	assert_non_null(strstr(out, "placement=scatter threads=8: threads/CPUs per node 2/2 2/2 2/2 2/2\n"));
	/* pow2 up to its 8 CPUs: 1, 2, 4, 8 threads of 5 modes in 2 placements, 0.74 s a repetition */
	assert_non_null(strstr(out, "vma-lock: plan: 40 cases x 5 reps, about 148 s (model: "));
	free(out);
	/* full uffd-wp maps 10 GiB: on a 4 GiB machine every case would skip */
	out = run_ok("./build/mmbench run --dry-run --profile full --bench uffd-wp "
				"--assume nodes=1,cpus=4,mem=4G");
	assert_non_null(strstr(out, "plan: 0 cases x 10 reps"));
	assert_non_null(strstr(out, "needs 10240 MiB, MemAvailable is 4096 MiB"));
	free(out);
}

/* sweep --dry-run: the values, every case once per value with its repetitions, the whole sweep's estimate. */
static void test_sweep_dry_run(void **state)
{
	char *before = tu_knob_snapshot_idle(), *after, *out = NULL;

	(void)state;
	out = run_ok("./build/mmbench sweep thp.enabled=always,never --bench vma-lock "
				"--profile smoke --reps 3 --dry-run");
	assert_non_null(strstr(out, "plan: thp.enabled over "));
	assert_non_null(strstr(out, "always, never"));
	assert_non_null(strstr(out, " x 3 reps"));
	assert_non_null(strstr(out, "mmbench sweep: plan: about "));
	free(out);
	/* another machine: its value of the knob is not this one's, so only those given */
	out = run_ok("./build/mmbench sweep thp.enabled=always,never --bench vma-lock "
				"--dry-run --assume nodes=2,cpus=4,mem=4G");
	/* 1, 2, 4 threads of 5 modes at 2 values */
	assert_non_null(strstr(out, "vma-lock: plan: 30 cases x 5 reps, about 111 s"));
	assert_non_null(strstr(out, "thp.enabled over 2 values: always, never;"));
	free(out);
	expect_usage("sweep thp.enabled=always,never --assume nodes=2", "needs --dry-run");
	after = tu_knob_snapshot_idle();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/*
 * vm and ab --dry-run: no boot; the guest's plan for the topology the vm options ask, what a
 * boot adds, and for ab the boots and their total. Needs a kernel image, not root.
 */
static void test_vm_ab_dry_run(void **state)
{
	char img[256], *out = NULL;

	(void)state;
	if (tu_glob_last("/boot/vmlinuz-6.*-cloud-amd64", img, sizeof(img)))
		tu_skip("no /boot/vmlinuz-6.*-cloud-amd64 (make deps installs linux-image-cloud-amd64)");
	out = run_ok("MMBENCH_RESULTS=%s ./run.sh vm --dry-run --kernel %s --numa 4 --cpus 8 "
				"--mem 8G --accel tcg -- --profile smoke --bench numa-scan", tu_tmpdir(), img);
	assert_non_null(strstr(out, "4 nodes, 8 CPUs, 8192 MiB (assumed"));
	assert_non_null(strstr(out, "numa-scan: plan: 6 cases x 1 reps, about 24 s"));
	/* no vm history under an empty root: the model, 9 s + 8 / 5 */
	assert_non_null(strstr(out, "vm: plan: a boot adds about 10 s (model: "));
	assert_non_null(strstr(out, "about 34 s a boot (tcg, 8 CPUs, 4 nodes, 8192M)"));
	free(out);
	out = run_ok("MMBENCH_RESULTS=%s ./run.sh ab --dry-run --kernel %s --kernel %s --boots 2 "
				"--numa 2 --accel tcg -- --profile smoke --bench numa-scan", tu_tmpdir(), img, img);
	assert_non_null(strstr(out, "about 33 s a boot (tcg, 2 CPUs, 2 nodes, 4096M)"));
	assert_non_null(strstr(out, "ab: plan: 4 boots (A B B A ..), about 33 s each: about 132 s"));
	free(out);
	/* what a boot would refuse, the dry run refuses */
	assert_int_equal(tu_run(&out, "./run.sh vm --dry-run --kernel %s --numa 3 --cpus 8", img), 2);
	free(out);
	/* nothing was archived: ab makes ROOT/ab/<id> before its first boot */
	out = run_ok("test ! -e %s/ab", tu_tmpdir());
	free(out);
}

/* list --sizes: a line per bench of the registry, its largest case's memory from its options. */
static void test_list_sizes(void **state)
{
	char *out = NULL, line[64];
	int lines = 0;

	(void)state;
	assert_int_equal(tu_run(&out, "./build/mmbench list --sizes --profile smoke"), 0);
	for (int i = 0; i < nr_benches; i++) {
		snprintf(line, sizeof(line), "%s\t", benches[i]->name);
		assert_non_null(strstr(out, line));
	}
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, nr_benches);
	/* uffd-wp's smoke region is 64M; --opt changes it, rounded up to the PMD size */
	assert_non_null(strstr(out, "uffd-wp\t64\n"));
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench list --sizes --bench uffd-wp --opt size=5M"), 0);
	assert_string_equal(out, "uffd-wp\t6\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_help_and_list),
		cmocka_unit_test(test_option_forms),
		cmocka_unit_test(test_list_sizes),
		cmocka_unit_test(test_dry_run_assume),
		cmocka_unit_test(test_sweep_dry_run),
		cmocka_unit_test(test_vm_ab_dry_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
