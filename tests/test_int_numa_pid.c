/* Integration test of numa-scan between Debian's 6.1 and 6.12 on a 2-node TCG guest: PID filtering's effect, and the write fault after a migration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define TIMEOUT_S	300	/* each guest's bound; a boot takes about 75 s here */
#define FOREIGN		"mode=foreign threads=2"
#define DISJOINT	"mode=disjoint threads=2"

enum { OLD, NEW, NR_KERNELS };

static const char *const globs[NR_KERNELS] = { "/boot/vmlinuz-6.1.*", "/boot/vmlinuz-6.12*" };
static char why_skip[256];
static struct tu_harness runs[NR_KERNELS];
static json_t *bench[NR_KERNELS];

/* One boot: foreign (the filtering's case) and disjoint (migration), 2 repetitions of the quick profile's 10 s. */
static void boot(int k, const char *image)
{
	char dir[4096], path[8300];

	tu_run_locked(&runs[k], "./run.sh vm --kernel %s --numa 2 --cpus 2 --mem 4G --accel tcg --timeout %d "
		      "--quiet --no-report --out %s/pid%d -- --profile quick --bench numa-scan "
		      "--opt mode=foreign,disjoint --reps 2", image, TIMEOUT_S, tu_tmpdir(), k);
	tu_last_line(runs[k].out, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/numa-scan.json", dir);
	if (!runs[k].rc && access(path, F_OK) == 0)
		bench[k] = tu_json(path);
}

static int group_setup(void **state)
{
	char image[NR_KERNELS][4096];

	*state = &runs[OLD];	/* for tu_harness_teardown(); the other is freed below */
	for (int k = 0; k < NR_KERNELS && !why_skip[0]; k++)
		if (tu_glob_last(globs[k], image[k], sizeof(image[k])))
			snprintf(why_skip, sizeof(why_skip), "no %s (make deps installs Debian's 6.1 and 6.12 cloud kernels)",
				 globs[k]);
	if (!why_skip[0] && tu_run(NULL, "command -v qemu-system-x86_64"))
		snprintf(why_skip, sizeof(why_skip), "no qemu-system-x86_64 (apt-get install qemu-system-x86)");
	for (int k = 0; k < NR_KERNELS && !why_skip[0]; k++)
		boot(k, image[k]);
	return 0;
}

static int group_teardown(void **state)
{
	json_decref(bench[OLD]);
	json_decref(bench[NEW]);
	tu_harness_free(&runs[NEW]);
	return tu_harness_teardown(state);
}

static json_t *need_case(int k, const char *key)
{
	json_t *c;

	if (why_skip[0])
		tu_skip("%s", why_skip);
	if (runs[k].rc || !bench[k])
		fail_msg("./run.sh vm of %s exited %d:\n%s", globs[k], runs[k].rc, runs[k].out ? runs[k].out : "");
	c = tu_case(bench[k], key);
	if (!c)
		fail_msg("%s: no case %s", globs[k], key);
	assert_string_equal(json_string_value(json_object_get(c, "status")), "ok");
	return c;
}

/* Median of @metric of case @key on 6.1 and on 6.12. */
static void both(const char *key, const char *metric, double v[NR_KERNELS])
{
	for (int k = 0; k < NR_KERNELS; k++)
		v[k] = tu_median(need_case(k, key), metric);
}

/*
 * foreign: 6.1 protects every foreign VMA at every scan, so each toucher's pass
 * faults on all its pages; 6.12 skips them (pid_inactive), scanning one now and then.
 */
static void test_pid_filtering(void **state)
{
	double f[NR_KERNELS], p[NR_KERNELS], skips_old, skips_new;

	(void)state;
	both(FOREIGN, "foreign_hint_faults", f);
	both(FOREIGN, "pte_updates", p);
	skips_old = tu_counter(need_case(OLD, FOREIGN), "skip_pid_inactive");
	skips_new = tu_counter(need_case(NEW, FOREIGN), "skip_pid_inactive");
	print_message("foreign: foreign_hint_faults %.0f -> %.0f, pte_updates %.0f -> %.0f, pid_inactive skips %.0f "
		      "(boots %.0f s and %.0f s)\n", f[OLD], f[NEW], p[OLD], p[NEW], skips_new,
		      runs[OLD].secs, runs[NEW].secs);
	/* 16 VMAs of 256 pages, every page protected by each of at least 2 passes in 10 s */
	assert_true(f[OLD] > 16 * 256);
	assert_true(f[NEW] < f[OLD] / 5);
	assert_true(p[NEW] < p[OLD] * 0.8);
	/* 6.1 has no sched_skip_vma_numa: the counter says so rather than reading 0 */
	assert_true(skips_old < 0);
	assert_true(skips_new > 0);
}

/*
 * disjoint, every page first touched on the other node: each migrates once. On 6.1 the
 * new PTE keeps the write bit; on 6.12 it is read-only and the write faults again, so
 * self_wp_faults is pages_migrated there and 0 on 6.1, and self_hint_faults is hint_faults.
 */
static void test_write_fault_after_migration(void **state)
{
	double m[NR_KERNELS], w[NR_KERNELS], sh[NR_KERNELS], h[NR_KERNELS];

	(void)state;
	both(DISJOINT, "pages_migrated", m);
	both(DISJOINT, "self_wp_faults", w);
	both(DISJOINT, "self_hint_faults", sh);
	both(DISJOINT, "hint_faults", h);
	print_message("disjoint: pages_migrated %.0f / %.0f, self_wp_faults %.0f / %.0f, self_hint_faults %.0f / %.0f, "
		      "hint_faults %.0f / %.0f (6.1 / 6.12)\n", m[OLD], m[NEW], w[OLD], w[NEW], sh[OLD], sh[NEW],
		      h[OLD], h[NEW]);
	assert_true(m[OLD] > 1000 && m[NEW] > 1000);
	assert_true(w[OLD] < m[OLD] / 100);
	assert_true(w[NEW] > m[NEW] * 0.9 && w[NEW] < m[NEW] * 1.1);
	/* the process's own hint faults against the system's: within 5% on a guest running nothing else */
	for (int k = 0; k < NR_KERNELS; k++)
		assert_true(sh[k] < h[k] * 1.05 && sh[k] > h[k] * 0.95);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid_filtering),
		cmocka_unit_test(test_write_fault_after_migration),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
