/* Line charts: families come from key params, skipped families draw nothing, many lines split by a param. */
#include <limits.h>
#include <string.h>
#include "testutil.h"
#include "core/bench.h"
#include "core/options.h"
#include "report/plots.h"
#include "results/results_write.h"
#include "results/results_read.h"

static const struct bench scale = { .name = "scale", .summary = "s", .unit_of_work = "u" };

/* 5 modes x 2 kinds (the default kind left out of keys) x 3 thread counts, and a skipped family. */
static void write_run(const char *dir)
{
	static const char *const modes[] = { "a", "b", "c", "d", "e" };
	struct bench_ctx ctx = { .bench = &scale, .reps = 3 };
	struct case_list l = { 0 };

	for (int m = 0; m < 5; m++)
		for (int k = 0; k < 2; k++)
			for (int t = 1; t <= 4; t *= 2) {
				struct bench_case *c = case_new(&l);

				case_param_str(c, "mode", modes[m]);
				if (k)
					case_param_str(c, "kind", "read");
				case_param_num(c, "threads", t);
				case_freeze_key(c);
				/* run-time information must not split a family */
				case_param_str(c, "fs", t == 1 ? "ext4" : "tmpfs");
				for (int r = 0; r < 3; r++)
					case_metric(c, "rate", "ops/s", BETTER_HIGHER, 1000.0 * t + r);
				c->status = CASE_OK;
			}
	for (int t = 1; t <= 2; t++) {
		struct bench_case *c = case_new(&l);

		case_param_str(c, "mode", "f");
		case_param_num(c, "threads", t);
		case_freeze_key(c);
		case_skip(c, "one socket");
	}
	assert_int_equal(results_write(dir, &ctx, &l, "ok", NULL), 0);
	case_list_free(&l);
	assert_int_equal(tu_run(NULL, "cp tests/data/run-base/manifest.json %s/", dir), 0);
}

static void test_line_charts(void **state)
{
	char dir[PATH_MAX];
	struct rl_run run, *runs[1] = { &run };
	const char *labels[1] = { "run" };
	struct plot_list pl = { 0 };
	int by_threads = 0, read = 0, def = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run", tu_tmpdir());
	assert_int_equal(tu_run(NULL, "mkdir -p %s", dir), 0);
	write_run(dir);
	assert_int_equal(rl_load(dir, &run), 0);
	assert_int_equal(plots_write(dir, runs, labels, 1, &pl), 0);
	for (size_t i = 0; i < pl.nr; i++) {
		if (!strstr(pl.p[i].name, "--by-threads"))
			continue;
		by_threads++;
		/* ten lines do not fit one chart: one chart per kind, a line per mode */
		read += !!strstr(pl.p[i].name, "kind_read");
		def += !!strstr(pl.p[i].name, "kind_default");
		assert_null(strstr(pl.p[i].name, "mode_f"));
	}
	assert_int_equal(by_threads, 2);
	assert_int_equal(read, 1);
	assert_int_equal(def, 1);
	/* five lines in each, each a mode with its three thread counts */
	assert_int_equal(tu_run(NULL, "grep -q '^nlines = 5$' %s/plots/scale--rate--by-threads--kind_read.vars",
				dir), 0);
	assert_int_equal(tu_run(NULL, "test $(grep -c '^[124] ' %s/plots/scale--rate--by-threads--kind_read.dat) -eq 15",
				dir), 0);
	plot_list_free(&pl);
	rl_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_charts),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
