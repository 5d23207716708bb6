/* Unit tests of the paired verdict (lib/stats/paired.c, lib/analysis/paired_runs.c): known answers, drift that only pairing sees, A/A honesty, the tests of zeros. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "testutil.h"
#include "core/bench.h"
#include "analysis/compare.h"
#include "analysis/paired_runs.h"
#include "stats/paired.h"

#define assert_near(a, b, eps) do {						\
	double a_ = (a), b_ = (b);						\
	if (!(fabs(a_ - b_) <= (eps)))						\
		fail_msg("%s = %.17g, want %.17g", #a, a_, b_);			\
} while (0)

/* One metric judged alone (BH over one test is the test itself). */
static enum verdict judge_paired(const double *b, const double *c, size_t n, int better,
				 struct vresult *r)
{
	struct vresult *rs[1] = { r };

	verdict_measure_paired(b, c, n, NULL, r);
	verdict_correct(rs, 1);
	verdict_decide(r, better);
	return r->v;
}

/*
 * d_i = log(cur_i / base_i) = 0.1, 0.2, 0, 0.3, 0.15: mean 0.15, sd sqrt(0.05 / 4) =
 * 0.1118, se 0.05, t 3 on 4 df. In R: 2 * pt(-3, 4) = 0.03994197 (also the closed form
 * for 4 df, 2 * (1/2 - 3/4 (x - x^3/3)) with x = 3 / sqrt(13)); qt(.975, 4) = 2.776445,
 * qt(.8, 4) = 0.9409646, so the interval is exp(0.15 -+ 2.776445 * 0.05) = [1.011240,
 * 1.334854] and the mde exp((2.776445 + 0.9409646) * 0.05) - 1 = 0.2042663.
 */
static void test_known_answer(void **state)
{
	static const double base[] = { 100, 250, 80, 1000, 42 }, d[] = { 0.1, 0.2, 0, 0.3, 0.15 };
	double cur[5];
	struct vresult r = { 0 };

	(void)state;
	for (int i = 0; i < 5; i++)
		cur[i] = base[i] * exp(d[i]);
	verdict_measure_paired(base, cur, 5, NULL, &r);
	assert_false(r.linear);
	assert_string_equal(r.noise, "blocks");
	assert_near(r.ratio, exp(0.15), 1e-12);
	assert_near(r.p, 0.03994196807171879, 1e-9);
	assert_near(r.lo, 1.0112404491423308, 1e-9);
	assert_near(r.hi, 1.3348544440848529, 1e-9);
	assert_near(r.mde, 0.20426627867194247, 1e-9);
	assert_near(r.df, 4, 0);
	assert_near(r.sd, sqrt(0.0125 / 2), 1e-12);
	/* geometric means of each side */
	assert_near(r.base, exp((log(100) + log(250) + log(80) + log(1000) + log(42)) / 5), 1e-9);
	assert_near(r.cur, r.base * exp(0.15), 1e-9);
	assert_int_equal(r.nb, 5);
	assert_int_equal(r.runs_c, 5);
	/* the same blocks in another order: the same answer */
	{
		static const int perm[] = { 3, 0, 4, 2, 1 };
		double b2[5], c2[5];
		struct vresult r2;

		for (int i = 0; i < 5; i++) {
			b2[i] = base[perm[i]];
			c2[i] = cur[perm[i]];
		}
		verdict_measure_paired(b2, c2, 5, NULL, &r2);
		assert_near(r2.p, r.p, 1e-12);
	}
}

/*
 * The machine drifts 56% over eight blocks and each block has its own luck of +-10%,
 * alike for both sides; the new value is 5% slower in every block (+-0.4%). Unpaired,
 * the drift is noise and hides the 5%; paired it cancels and the 5% is plain.
 */
static void test_drift_only_paired_sees(void **state)
{
	static const double eps[] = { 0.004, -0.003, 0.001, -0.004, 0.002, 0, -0.001, 0.003 };
	double base[8], cur[8];
	const double *xb[8], *xc[8];
	size_t nb[8], nc[8];
	struct vside sb, sc;
	struct vresult u, p = { 0 }, *rs[1] = { &u };

	(void)state;
	for (int i = 0; i < 8; i++) {
		double level = 100 * (1 + 0.08 * i) * (i % 2 ? 1.1 : 0.9);

		base[i] = level;
		cur[i] = level * 1.05 * (1 + eps[i]);
	}
	/* as sweep judged before: every repetition a run of its own, unpaired */
	vside_of_samples(&sb, base, 8, xb, nb);
	vside_of_samples(&sc, cur, 8, xc, nc);
	verdict_measure(&sb, &sc, NULL, &u);
	verdict_correct(rs, 1);
	verdict_decide(&u, BETTER_LOWER);
	assert_int_equal(u.v, VERDICT_INCONCLUSIVE);
	assert_true(u.mde > 0.10);

	assert_int_equal(judge_paired(base, cur, 8, BETTER_LOWER, &p), VERDICT_WORSE);
	assert_near(p.ratio, 1.05, 0.005);
	assert_true(p.mde < 0.02);
	assert_true(p.lo > 1.03 && p.hi < 1.07);
	assert_true(p.p < 1e-6);
}

enum { REPORTS = 100, METRICS = 20, BLOCKS = 6 };

/* One block's level (drift and luck shared by both sides) and each side's own noise. */
static void simulate(gsl_rng *rng, double shift, double *base, double *cur)
{
	for (int i = 0; i < BLOCKS; i++) {
		double level = 50 * exp(gsl_ran_gaussian(rng, 0.2));

		base[i] = level * exp(gsl_ran_gaussian(rng, 0.02));
		cur[i] = level * shift * exp(gsl_ran_gaussian(rng, 0.02));
	}
}

/*
 * A/A: reports of 20 metrics, 6 blocks each, 20% drift between blocks and 2% noise
 * within. p is uniform (5% of tests below 0.05), and with one BH per report at most
 * about alpha of the reports flag anything (expected 5 of 100).
 */
static void test_aa_not_flagged(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	static struct vresult res[METRICS];
	struct vresult *rs[METRICS];
	int low_p = 0, flagged_reports = 0;

	(void)state;
	gsl_rng_set(rng, 20261207);
	for (int rep = 0; rep < REPORTS; rep++) {
		int flagged = 0;

		for (int m = 0; m < METRICS; m++) {
			double base[BLOCKS], cur[BLOCKS];

			simulate(rng, 1, base, cur);
			verdict_measure_paired(base, cur, BLOCKS, NULL, &res[m]);
			low_p += res[m].p <= 0.05;
			rs[m] = &res[m];
		}
		verdict_correct(rs, METRICS);
		for (int m = 0; m < METRICS; m++) {
			verdict_decide(&res[m], BETTER_LOWER);
			flagged += res[m].v == VERDICT_BETTER || res[m].v == VERDICT_WORSE;
		}
		flagged_reports += flagged > 0;
	}
	gsl_rng_free(rng);
	/* 2000 tests: 100 expected, sd 9.7 */
	assert_in_range(low_p, 70, 130);
	assert_in_range(flagged_reports, 0, 10);
}

/* The same design with +10% on the new side: found in (nearly) every metric, never the wrong way. */
static void test_shift_found(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	static struct vresult res[METRICS];
	struct vresult *rs[METRICS];
	int worse = 0, better = 0;

	(void)state;
	gsl_rng_set(rng, 7);
	for (int rep = 0; rep < 20; rep++) {
		for (int m = 0; m < METRICS; m++) {
			double base[BLOCKS], cur[BLOCKS];

			simulate(rng, 1.10, base, cur);
			verdict_measure_paired(base, cur, BLOCKS, NULL, &res[m]);
			rs[m] = &res[m];
		}
		verdict_correct(rs, METRICS);
		for (int m = 0; m < METRICS; m++) {
			verdict_decide(&res[m], BETTER_LOWER);
			worse += res[m].v == VERDICT_WORSE;
			better += res[m].v == VERDICT_BETTER;
		}
	}
	gsl_rng_free(rng);
	/* the differences' sd is 2.8%, se 1.2%: t about 8 on 5 df */
	assert_true(worse >= 0.95 * 20 * METRICS);
	assert_int_equal(better, 0);
}

/*
 * Zeros: a paired t on the differences where they vary. d = 1, 2, 3, 0: mean 1.5, sd
 * sqrt(5/3), se 0.6455, t 2.3238 on 3 df; for 3 df the two-sided p is 1 - (2/pi)(u/(1+u^2)
 * + atan u) with u = t/sqrt 3: 0.10272807885839885. The mmap_lock_per_kfault of 6.1
 * against 6.12 in two boot pairs: d = -1003, -998, t 400.2 on 1 df, p 1 - (2/pi) atan t.
 */
static void test_linear_t(void **state)
{
	struct vresult r = { 0 };

	(void)state;
	{
		static const double b[] = { 0, 0, 0, 5 }, c[] = { 1, 2, 3, 5 };

		verdict_measure_paired(b, c, 4, NULL, &r);
		assert_true(r.linear);
		assert_near(r.p, 0.10272807885839885, 1e-9);
		assert_near(r.df, 3, 0);
		assert_true(isinf(r.ratio));	/* the base's centre (median 0): "from 0" */
		assert_true(isnan(r.mde) && isnan(r.lo));
		assert_non_null(strstr(r.why, "paired t test on the differences over 4 blocks"));
	}
	{
		static const double b[] = { 1003, 998 }, c[] = { 0, 0 };

		assert_int_equal(judge_paired(b, c, 2, BETTER_LOWER, &r), VERDICT_BETTER);
		assert_near(r.p, 0.0015907507431450751, 1e-9);
		assert_near(r.ratio, 0, 0);	/* "to 0" */
	}
	{
		/* swaps that cancel: mean difference 0 */
		static const double b[] = { 0, 1, 0, 2, 0, 1 }, c[] = { 1, 0, 0, 2, 1, 0 };

		verdict_measure_paired(b, c, 6, NULL, &r);
		assert_near(r.p, 1, 1e-12);
	}
	{
		/* every block alike: same, as verdict_measure() says of identical sides */
		static const double z[] = { 0, 0, 3 };

		assert_int_equal(judge_paired(z, z, 3, BETTER_LOWER, &r), VERDICT_SAME);
		assert_near(r.ratio, 1, 0);
	}
}

/* No spread in the differences: the exact sign-flip p, 2 of 2^n patterns. */
static void test_signflip_equal(void **state)
{
	static const double b[] = { 0, 0, 0, 0, 0, 0 }, c[] = { 1, 1, 1, 1, 1, 1 };
	static const double lb[] = { 10, 20, 40, 5, 7, 9 }, lc[] = { 20, 40, 80, 10, 14, 18 };
	struct vresult r = { 0 };

	(void)state;
	assert_int_equal(judge_paired(b, c, 5, BETTER_LOWER, &r), VERDICT_INCONCLUSIVE);
	assert_near(r.p, 0.0625, 1e-15);
	assert_non_null(strstr(r.why, "too few to reach 5%"));
	assert_int_equal(judge_paired(b, c, 6, BETTER_LOWER, &r), VERDICT_WORSE);
	assert_near(r.p, 0.03125, 1e-15);
	assert_null(strstr(r.why, "too few"));
	/* positive values, every block x2: the same test on the log ratios */
	assert_int_equal(judge_paired(lb, lc, 3, BETTER_LOWER, &r), VERDICT_INCONCLUSIVE);
	assert_near(r.p, 0.25, 1e-15);
	assert_near(r.ratio, 2, 1e-12);
	assert_int_equal(judge_paired(lb, lc, 6, BETTER_HIGHER, &r), VERDICT_BETTER);
	assert_near(r.p, 0.03125, 1e-15);
}

static void test_few_blocks(void **state)
{
	static const double b[] = { 10, 10, 20 }, c[] = { 30, 20, 40 };
	struct vresult r = { 0 };

	(void)state;
	verdict_measure_paired(b, c, 0, NULL, &r);
	assert_int_equal(r.v, VERDICT_NA);
	assert_true(isnan(r.p));
	/* one block measures no noise: untested, never in BH, never a claim */
	assert_int_equal(judge_paired(b, c, 1, BETTER_LOWER, &r), VERDICT_INCONCLUSIVE);
	assert_string_equal(r.noise, "unmeasured");
	assert_true(isnan(r.p) && isnan(r.q) && isnan(r.lo) && isnan(r.mde));
	assert_near(r.ratio, 3, 1e-12);
	assert_int_equal(r.reps_b, 1);
	/* two blocks, both exactly x2: no spread, the sign-flip p of 2 blocks is 0.5 */
	assert_int_equal(judge_paired(b + 1, c + 1, 2, BETTER_LOWER, &r), VERDICT_INCONCLUSIVE);
	assert_near(r.p, 0.5, 1e-12);
	assert_near(r.ratio, 2, 1e-12);
	assert_non_null(strstr(r.why, "sign-flip"));
	/* one block with a zero: untested too */
	{
		static const double zb[] = { 0 }, zc[] = { 4 };

		assert_int_equal(judge_paired(zb, zc, 1, BETTER_LOWER, &r), VERDICT_INCONCLUSIVE);
		assert_true(isnan(r.p));
		assert_string_equal(r.noise, "unmeasured");
	}
	/* x3, x2, x2: a t on 2 df */
	verdict_measure_paired(b, c, 3, NULL, &r);
	assert_string_equal(r.noise, "blocks");
	assert_near(r.df, 2, 0);
	assert_int_equal(r.reps_c, 3);
	/* noisy blocks: the hint counts blocks, not replicates a side */
	{
		static const double nb[] = { 10, 10, 10, 10 }, nc[] = { 15, 7, 12, 9 };

		assert_int_equal(judge_paired(nb, nc, 4, BETTER_LOWER, &r), VERDICT_INCONCLUSIVE);
		assert_true(r.mde > 0.10);
		assert_non_null(strstr(r.why, " blocks would see 10%"));
		assert_null(strstr(r.why, "replicates a side"));
	}
}

/* Paired results keep their own noise: the report's prior leaves them as they are. */
static void test_not_moderated(void **state)
{
	static struct vresult res[12];
	struct vresult *rs[12], before;
	double b[4], c[4];

	(void)state;
	for (int m = 0; m < 12; m++) {
		for (int i = 0; i < 4; i++) {
			b[i] = 100 + 10 * i;
			c[i] = b[i] * (1 + 0.01 * ((i * 7 + m) % 5));
		}
		verdict_measure_paired(b, c, 4, NULL, &res[m]);
		rs[m] = &res[m];
	}
	before = res[3];
	verdict_moderate(rs, 12);
	assert_near(res[3].p, before.p, 0);
	assert_near(res[3].mde, before.mde, 0);
	assert_string_equal(res[3].noise, "blocks");
}

static struct rl_case one_case(struct rl_metric *m, double median)
{
	m->name = "t";
	m->samples = calloc(3, sizeof(double));
	assert_non_null(m->samples);
	m->samples[0] = median * 0.9;
	m->samples[1] = median;
	m->samples[2] = median * 1.2;
	m->n = 3;
	return (struct rl_case){ .key = "k", .status = "ok", .metrics = m, .nr_metrics = 1 };
}

/* compare --paired: run i against run i, each run its median; a run missing a side drops its block. */
static void test_compare_blocks(void **state)
{
	struct rl_metric mb[3], mc[3];
	struct rl_case cb[3], cc[3];
	const struct rl_case *pb[3], *pc[3];
	struct cmp *c = calloc(1, sizeof(*c));
	struct vresult r = { 0 };

	(void)state;
	for (int i = 0; i < 3; i++) {
		cb[i] = one_case(&mb[i], 100 * (i + 1));
		cc[i] = one_case(&mc[i], 110 * (i + 1));
		pb[i] = &cb[i];
		pc[i] = &cc[i];
	}
	pc[1] = NULL;
	paired_measure_cases(pb, pc, 3, "t", &r);
	assert_int_equal(r.nb, 2);
	assert_near(r.ratio, 1.1, 1e-12);
	assert_non_null(strstr(r.why, "1 block left out"));
	paired_measure_cases(pb, pc, 3, "nosuch", &r);
	assert_int_equal(r.nb, 0);
	/* a side that skipped the case: n/a, and the other side's centre is still stated */
	{
		const struct rl_case *none[3] = { NULL, NULL, NULL };

		paired_measure_cases(none, pc, 3, "t", &r);
		assert_int_equal(r.nb, 0);
		assert_true(isnan(r.base));
		assert_near(r.cur, sqrt(110.0 * 330), 1e-9);	/* runs 1 and 3: geometric mean */
	}

	assert_non_null(c);
	c->nr_sides = 2;
	c->sides[0].set.nr = 3;
	c->sides[1].set.nr = 3;
	assert_int_equal(paired_check_sides(c, 1), 0);
	c->sides[1].set.nr = 2;
	assert_int_equal(paired_check_sides(c, 1), -EINVAL);
	free(c);
	for (int i = 0; i < 3; i++) {
		free(mb[i].samples);
		free(mc[i].samples);
	}
}

/* @dir: a copy of tests/data/run-base with every sample of uffd-wp.json multiplied by @f. */
static void scaled_run(const char *dir, double f)
{
	char path[PATH_MAX + 16];
	json_t *root, *c, *m, *v;
	size_t i, j, k;

	assert_int_equal(tu_run(NULL, "rm -rf %s && mkdir -p %s && cp tests/data/run-base/* %s",
				dir, dir, dir), 0);
	snprintf(path, sizeof(path), "%s/uffd-wp.json", dir);
	root = json_load_file(path, 0, NULL);
	assert_non_null(root);
	json_array_foreach(json_object_get(root, "cases"), i, c)
		json_array_foreach(json_object_get(c, "metrics"), j, m)
			json_array_foreach(json_object_get(m, "samples"), k, v)
				json_array_set_new(json_object_get(m, "samples"), k,
						   json_real(json_number_value(v) * f));
	assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
	json_decref(root);
}

/* The verdict of uffd-wp's first case's total_us in a compare JSON. */
static const char *total_us_verdict(json_t *cmp, double *ratio)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(cmp, "rows"), i, row)
		if (!strcmp(json_string_value(json_object_get(row, "metric")), "total_us") &&
		    !strcmp(json_string_value(json_object_get(row, "bench")), "uffd-wp")) {
			*ratio = json_number_value(json_object_get(row, "ratio"));
			return json_string_value(json_object_get(row, "verdict"));
		}
	fail_msg("no uffd-wp total_us row");
	return NULL;
}

/*
 * mmbench compare --paired end to end: four blocks whose levels drift by 35% (what a
 * host does over an ab session), B 5% slower than A in each (+-0.3%). Unpaired the drift
 * hides it; paired it is worse, the report says how many blocks, and the JSON the level.
 */
static void test_compare_paired_cli(void **state)
{
	static const double level[] = { 1.0, 1.35, 0.85, 1.2 }, eps[] = { 0.003, -0.002, 0, -0.003 };
	char a[4][PATH_MAX], b[4][PATH_MAX], sa[4 * PATH_MAX], sb[4 * PATH_MAX], *out = NULL;
	char path[PATH_MAX + 16];
	json_t *j;
	double ratio;

	(void)state;
	sa[0] = sb[0] = 0;
	for (int i = 0; i < 4; i++) {
		snprintf(a[i], sizeof(a[i]), "%s/pa%d", tu_tmpdir(), i);
		snprintf(b[i], sizeof(b[i]), "%s/pb%d", tu_tmpdir(), i);
		scaled_run(a[i], level[i]);
		scaled_run(b[i], level[i] * 1.05 * (1 + eps[i]));
		snprintf(sa + strlen(sa), sizeof(sa) - strlen(sa), "%s%s", i ? "," : "", a[i]);
		snprintf(sb + strlen(sb), sizeof(sb) - strlen(sb), "%s%s", i ? "," : "", b[i]);
	}
	tu_run(NULL, "./build/mmbench compare %s %s --history none --json %s/unpaired.json",
	       sa, sb, tu_tmpdir());
	snprintf(path, sizeof(path), "%s/unpaired.json", tu_tmpdir());
	j = tu_json(path);
	assert_string_equal(total_us_verdict(j, &ratio), "inconclusive");
	json_decref(j);

	assert_int_equal(tu_run(&out, "./build/mmbench compare %s %s --paired --json %s/paired.json",
				sa, sb, tu_tmpdir()), 3);
	assert_non_null(strstr(out, "paired over 4 blocks"));
	free(out);
	snprintf(path, sizeof(path), "%s/paired.json", tu_tmpdir());
	j = tu_json(path);
	assert_string_equal(total_us_verdict(j, &ratio), "worse");
	assert_near(ratio, 1.05, 0.003);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "replicate"), "B")),
			    "block (paired)");
	json_decref(j);

	/* blocks need both sides: 4 runs against 3 is refused, as is --history with --paired */
	assert_int_equal(tu_run(NULL, "./build/mmbench compare %s %s,%s,%s --paired", sa, b[0],
				b[1], b[2]), 2);
	assert_int_equal(tu_run(NULL, "./build/mmbench compare %s %s --paired --history %s", sa,
				sb, tu_tmpdir()), 2);
}

/*
 * A block's value is a run's median: its log ratio varies by at least what the two runs'
 * repetitions allow. lat_p99_ns of vma-lock private-vma threads=1, 6.1 against 6.12 under
 * TCG, two ab blocks: the medians' ratios agree by chance (0.3847, 0.3843), which read as
 * no noise gave p 0.0003 on 1 df, while the repetitions spread by 2x.
 */
static void test_repetition_floor(void **state)
{
	static double s[4][3] = {
		{ 47140, 79875, 101505 }, { 35545, 30725, 29665 },	/* block 1: A, B */
		{ 113520, 60055, 96155 }, { 85855, 36950, 31595 },	/* block 2: A, B */
	};
	struct rl_metric m[4];
	struct rl_case cs[4];
	const struct rl_case *pb[2] = { &cs[0], &cs[2] }, *pc[2] = { &cs[1], &cs[3] };
	double b[2] = { 79875, 96155 }, c[2] = { 30725, 36950 }, fl[2];	/* the medians */
	struct vresult r = { 0 };

	(void)state;
	for (int i = 0; i < 4; i++) {
		m[i] = (struct rl_metric){ .name = "lat_p99_ns", .samples = s[i], .n = 3 };
		cs[i] = (struct rl_case){ .key = "k", .status = "ok", .metrics = &m[i],
					  .nr_metrics = 1 };
	}
	for (int i = 0; i < 2; i++)
		fl[i] = verdict_median_var(s[2 * i], 3) + verdict_median_var(s[2 * i + 1], 3);
	/* the medians alone: no floor, a t of about 1900 */
	assert_int_equal(judge_paired(b, c, 2, BETTER_LOWER, &r), VERDICT_BETTER);
	assert_true(r.p < 0.001);
	/* with the floor: the blocks' noise is what the repetitions allow at least */
	verdict_measure_paired(b, c, 2, fl, &r);
	assert_near(r.sd, sqrt((fl[0] + fl[1]) / 2 / 2), 1e-12);
	assert_true(r.p > 0.05);
	/* compare --paired takes the floor from the runs */
	paired_measure_cases(pb, pc, 2, "lat_p99_ns", &r);
	assert_near(r.ratio, sqrt(30725.0 / 79875 * 36950 / 96155), 1e-9);
	assert_true(r.p > 0.05);
	assert_true(r.mde > 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_drift_only_paired_sees),
		cmocka_unit_test(test_aa_not_flagged),
		cmocka_unit_test(test_shift_found),
		cmocka_unit_test(test_linear_t),
		cmocka_unit_test(test_signflip_equal),
		cmocka_unit_test(test_few_blocks),
		cmocka_unit_test(test_not_moderated),
		cmocka_unit_test(test_compare_blocks),
		cmocka_unit_test(test_repetition_floor),
		cmocka_unit_test_teardown(test_compare_paired_cli, tu_teardown),
	};

	return cmocka_run_group_tests_name("paired verdicts", tests, NULL, NULL);
}
