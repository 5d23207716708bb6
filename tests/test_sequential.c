/* Unit tests of group-sequential testing (lib/stats/sequential.c, lib/analysis/seq_set.c): spending and boundaries against known numbers, and error rates over simulated A/A sequences. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "testutil.h"
#include "synrun.h"
#include "core/bench.h"
#include "analysis/seq_set.h"
#include "stats/sequential.h"

#define assert_near(a, b, eps) do {						\
	double a_ = (a), b_ = (b);						\
	if (!(fabs(a_ - b_) <= (eps)))						\
		fail_msg("%s = %.10g, want %.10g (+-%g)", #a, a_, b_, (double)(eps));	\
} while (0)

#define LOOKS		8
#define SEQUENCES	2000

static void test_spending_known(void **state)
{
	struct seq_plan p = seq_plan_default(0.05);

	(void)state;
	assert_near(seq_spent(&p, 1), 0.05, 1e-12);
	assert_near(seq_spent(&p, 2), 0.05, 1e-12);
	assert_near(seq_spent(&p, 0), 0, 0);
	/* O'Brien-Fleming type at half the information: 2 - 2 Phi(1.95996 / sqrt(.5)) */
	assert_near(seq_spent(&p, 0.5), 0.0056, 0.00005);
	assert_near(seq_spent(&p, 0.25), 8.8e-5, 0.2e-5);
	assert_near(seq_alpha_at(&p, 0.5, 1), 0.05 - 0.005575, 0.00005);
	/* spending never runs backwards */
	assert_near(seq_alpha_at(&p, 1, 0.5), 0, 0);
}

/*
 * Lan-DeMets O'Brien-Fleming boundaries of five equally spaced looks, two-sided 0.05
 * spent as 0.025 a tail (4 - 4 Phi(z(.9875) / sqrt(t)) in all; Jennison and Turnbull,
 * the ldbounds and gsDesign packages): 4.877 3.357 2.680 2.290 2.031.
 */
static void test_bounds_known(void **state)
{
	static const double want[] = { 4.8769, 3.3569, 2.6803, 2.2898, 2.0310 };
	double t[5], spent[5], z[5];
	struct seq_plan p = seq_plan_default(0.05);

	(void)state;
	for (int k = 0; k < 5; k++) {
		t[k] = (k + 1) / 5.0;
		spent[k] = 4 * gsl_cdf_ugaussian_Q(gsl_cdf_ugaussian_Qinv(0.0125) / sqrt(t[k]));
	}
	assert_int_equal(seq_bounds(t, spent, 5, z), 0);
	for (int k = 0; k < 5; k++)
		assert_near(z[k], want[k], 0.002);
	/* one look is a plain test */
	assert_near(seq_nominal(&p, (double[]){ 1 }, 1), 0.05, 1e-9);
	/* the exact level of a later look is above Bonferroni's increment, below alpha */
	for (int k = 0; k < 5; k++)
		t[k] = (k + 1) / 5.0;
	assert_true(seq_nominal(&p, t, 5) > seq_alpha_at(&p, 0.8, 1));
	assert_true(seq_nominal(&p, t, 5) < 0.05);
	/* a look past the plan spends nothing; looks out of order are refused */
	assert_near(seq_nominal(&p, (double[]){ 0.5, 1, 1.2 }, 3), 0, 0);
	assert_true(isnan(seq_nominal(&p, (double[]){ 0.5, 0.25 }, 2)));
	assert_int_equal(seq_bounds(t, spent, 0, z), -EINVAL);
}

/* The boundaries against a simulated Brownian motion: each look's first crossings are its spending. */
static void test_bounds_simulated(void **state)
{
	struct seq_plan p = seq_plan_default(0.05);
	double t[LOOKS], spent[LOOKS], z[LOOKS];
	size_t first[LOOKS] = { 0 }, paths = 200000, all = 0;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	(void)state;
	gsl_rng_set(rng, 22);
	for (int k = 0; k < LOOKS; k++) {
		t[k] = (k + 1.0) / LOOKS;
		spent[k] = seq_spent(&p, t[k]);
	}
	assert_int_equal(seq_bounds(t, spent, LOOKS, z), 0);
	for (size_t i = 0; i < paths; i++) {
		double s = 0;

		for (int k = 0; k < LOOKS; k++) {
			s += gsl_ran_gaussian(rng, sqrt(t[k] - (k ? t[k - 1] : 0)));
			if (fabs(s) / sqrt(t[k]) >= z[k]) {
				first[k]++;
				all++;
				break;
			}
		}
	}
	gsl_rng_free(rng);
	/* binomial sd of 0.05 over 2e5 paths: 0.0005 */
	assert_near((double)all / paths, 0.05, 0.002);
	assert_near((double)first[LOOKS - 1] / paths, spent[LOOKS - 1] - spent[LOOKS - 2], 0.0015);
	assert_near((double)first[3] / paths, spent[3] - spent[2], 0.001);
}

/* A pooled t test of @n log replicates a side as the engine reports one metric (lower is better). */
static void t_result(const double *b, const double *c, size_t n, struct vresult *r)
{
	double mb = 0, mc = 0, ss = 0, se, d, tq;

	for (size_t i = 0; i < n; i++) {
		mb += b[i] / n;
		mc += c[i] / n;
	}
	for (size_t i = 0; i < n; i++)
		ss += (b[i] - mb) * (b[i] - mb) + (c[i] - mc) * (c[i] - mc);
	*r = (struct vresult){ .df = 2.0 * (n - 1), .q = NAN };
	se = sqrt(ss / r->df * 2.0 / n);
	d = mc - mb;
	tq = gsl_cdf_tdist_Pinv(0.975, r->df);
	r->ratio = exp(d);
	r->lo = exp(d - tq * se);
	r->hi = exp(d + tq * se);
	r->p = 2 * gsl_cdf_tdist_Q(fabs(d) / se, r->df);
	r->v = r->p > VERDICT_ALPHA ? VERDICT_INCONCLUSIVE : d > 0 ? VERDICT_WORSE : VERDICT_BETTER;
}

/*
 * 2000 A/A sequences of up to 8 looks (2 to 9 replicates a side, normal noise of 3% in
 * the log): spending keeps false differences near 5%; a test at 0.05 at every look
 * does not (which shows this test can fail).
 */
static void test_aa_sequences(void **state)
{
	struct seq_plan p = seq_plan_default(0.05);
	double t[LOOKS], level[LOOKS], b[LOOKS + 1], c[LOOKS + 1];
	size_t seq_reject = 0, naive_reject = 0, same = 0;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	(void)state;
	gsl_rng_set(rng, 22);
	for (int k = 0; k < LOOKS; k++) {
		t[k] = (k + 2.0) / (LOOKS + 1);
		level[k] = seq_nominal(&p, t, k + 1);
		assert_true(level[k] > 0 && level[k] < 0.05);
		assert_true(!k || level[k] > level[k - 1]);
	}
	for (int s = 0; s < SEQUENCES; s++) {
		bool seq_done = false, naive = false;

		for (int i = 0; i <= LOOKS; i++) {
			b[i] = gsl_ran_gaussian(rng, 0.03);
			c[i] = gsl_ran_gaussian(rng, 0.03);
		}
		for (int k = 0; k < LOOKS; k++) {
			struct vresult r;
			enum seq_call call;

			t_result(b, c, k + 2, &r);
			naive |= r.p <= 0.05;
			if (seq_done)
				continue;
			call = seq_decide(&p, level[k], &r);
			seq_reject += call == SEQ_DIFFERS;
			same += call == SEQ_SAME;
			seq_done = call != SEQ_MORE;
		}
		naive_reject += naive;
	}
	gsl_rng_free(rng);
	print_message("A/A: sequential %zu, naive %zu, same %zu of %d\n", seq_reject,
		      naive_reject, same, SEQUENCES);
	assert_true(seq_reject < 0.065 * SEQUENCES);
	assert_true(naive_reject > 0.10 * SEQUENCES);
	/* at 3% noise and 9 replicates most A/A sequences end "same" within 5% */
	assert_true(same > SEQUENCES / 2);
}

static void test_decide(void **state)
{
	struct seq_plan p = seq_plan_default(0.05);
	struct vresult r = { .v = VERDICT_WORSE, .ratio = 1.2, .lo = 1.1, .hi = 1.3, .p = 0.001,
			     .q = 0.004, .df = 10 };
	double lo, hi;

	(void)state;
	assert_int_equal(seq_decide(&p, 0.01, &r), SEQ_DIFFERS);
	/* q, not p, is what the look's level holds */
	assert_int_equal(seq_decide(&p, 0.002, &r), SEQ_MORE);
	r.v = VERDICT_INCONCLUSIVE;
	assert_int_equal(seq_decide(&p, 0.05, &r), SEQ_MORE);
	/* within 5% at 95%, but not at the look's 99.9% */
	r = (struct vresult){ .v = VERDICT_SAME, .ratio = 1.0, .lo = 0.98, .hi = 1.0204, .p = 0.9,
			      .q = 0.9, .df = 4 };
	assert_int_equal(seq_decide(&p, 0.05, &r), SEQ_SAME);
	assert_int_equal(seq_decide(&p, 0.001, &r), SEQ_MORE);
	assert_int_equal(seq_interval(&r, 0.001, &lo, &hi), 0);
	/* t(.9995, 4) / t(.975, 4) = 8.610 / 2.776 */
	assert_near(log(hi) / log(1.0204), 8.6103 / 2.7764, 0.01);
	r.v = VERDICT_INFO;
	assert_int_equal(seq_decide(&p, 0.05, &r), SEQ_UNJUDGED);
	r.v = VERDICT_SAME;
	r.linear = true;
	assert_int_equal(seq_decide(&p, 0.05, &r), SEQ_UNJUDGED);
}

/* A result read at a look's level, and the engine's bisect rule applied to it unchanged. */
static void test_at_level(void **state)
{
	/* to good x1.01 [0.99, 1.03], to bad x0.5 [0.49, 0.51]: good at 0.05 */
	struct vresult g = { .v = VERDICT_SAME, .ratio = 1.01, .lo = 0.99, .hi = 1.0303, .p = 0.3,
			     .q = 0.3, .df = 4 },
		       b = { .v = VERDICT_BETTER, .ratio = 0.5, .lo = 0.49, .hi = 0.5102, .p = 0.004,
			     .q = 0.008, .df = 4 }, lg, lb;

	(void)state;
	seq_at_level(&g, 0.05, &lg);
	seq_at_level(&b, 0.05, &lb);
	assert_near(lg.lo, g.lo, 1e-9);
	assert_int_equal(verdict_belongs(&lg, &lb), VBELONG_GOOD);
	/* at 0.01 the difference from bad (q 0.008) still holds; at 0.005 it does not */
	seq_at_level(&b, 0.01, &lb);
	assert_int_equal(lb.v, VERDICT_BETTER);
	assert_true(lb.lo < b.lo && lb.hi > b.hi);
	seq_at_level(&b, 0.005, &lb);
	assert_int_equal(lb.v, VERDICT_INCONCLUSIVE);
	seq_at_level(&g, 0.005, &lg);
	assert_int_equal(verdict_belongs(&lg, &lb), VBELONG_NEITHER);
	/* the widened interval: log half-width scales as t(1 - level/2, df) / t(.975, df) */
	assert_near(log(lg.hi / lg.ratio) / log(g.hi / g.ratio),
		    gsl_cdf_tdist_Pinv(0.9975, 4) / gsl_cdf_tdist_Pinv(0.975, 4), 0.02);
}

/* The precision rule is the engine's mde: a measured A/A of k runs a side has the same mde. */
static void test_mde_matches_engine(void **state)
{
	struct seq_plan p = seq_plan_default(0.05);
	double xb[4], xc[4], sd = 0.03, a = sd * sqrt(3) / 2;
	const double *pb[4], *pc[4];
	size_t n[4] = { 1, 1, 1, 1 }, k;
	struct vside b = { .x = pb, .n = n, .nr_runs = 4 }, c = { .x = pc, .n = n, .nr_runs = 4 };
	struct vresult r;

	(void)state;
	/* log values -a -a a a: sample variance 4 a^2 / 3 = sd^2 on each side */
	for (int i = 0; i < 4; i++) {
		xb[i] = 100 * exp(i < 2 ? -a : a);
		xc[i] = 100 * exp(i % 2 ? -a : a);
		pb[i] = &xb[i];
		pc[i] = &xc[i];
	}
	verdict_measure(&b, &c, NULL, &r);
	assert_near(r.sd, sd, 1e-9);
	assert_near(seq_mde_for(&p, sd, 4), r.mde, 1e-9);
	/* at 3% between runs a 5% change needs 8 runs a side (7 see 5.02%) */
	k = seq_runs_for(&p, sd, 100);
	assert_true(seq_mde_for(&p, sd, k) <= 0.05 && seq_mde_for(&p, sd, k - 1) > 0.05);
	assert_int_equal(k, 8);
	assert_int_equal(seq_runs_for(&p, 0.5, 100), 101);
	assert_int_equal(seq_runs_for(&p, 0, 100), SEQ_MIN_RUNS);
}

/* ROOT/<set>/r<i>: @runs runs of 3 samples, run i's level @level * (1 + @step * (i - mid)). */
static void make_set(const char *root, const char *set, int runs, double level, double step)
{
	for (int i = 0; i < runs; i++) {
		double l = level * (1 + step * (i - (runs - 1) / 2.0)), x[3] = { l * 0.99, l, l * 1.01 };
		char id[16];

		snprintf(id, sizeof(id), "r%d", i);
		syn_run(root, set, "2026-01-01T00:00:00Z", id, x, 3, "mmbench/1");
	}
}

/* The precision rule of --runs auto on runs read back: k, sd and the mde decide. */
static int set_status(const char *root, const char *set, int runs, struct seq_set_status *st,
		      char **said)
{
	struct seq_plan p = seq_plan_default(0.05);
	struct rl_run rr[8], *ptr[8];
	size_t len = 0;
	FILE *f = open_memstream(said, &len);
	int err;

	assert_non_null(f);
	for (int i = 0; i < runs; i++) {
		char dir[4300];

		snprintf(dir, sizeof(dir), "%s/%s/r%d", root, set, i);
		assert_int_equal(rl_load_light(dir, &rr[i]), 0);
		ptr[i] = &rr[i];
	}
	err = seq_set_check(ptr, runs, &p, f, st);
	fclose(f);
	for (int i = 0; i < runs; i++)
		rl_free(&rr[i]);
	return err;
}

static void test_set_precision(void **state)
{
	size_t needed[SEQ_SET_MAX_RUNS + 1];
	struct seq_set_status st = { .needed = needed };
	char root[4200], *said = NULL, want[80];
	struct seq_plan p = seq_plan_default(0.05);
	double sd;

	(void)state;
	snprintf(root, sizeof(root), "%s/sets", tu_tmpdir());
	/*
	 * run medians 0.5% apart, samples +-1%: the floor of a median of 3 makes the sd 1.1%,
	 * and 3 runs see 3.3%; 2 runs are too few to claim anything
	 */
	make_set(root, "steady", 3, 100, 0.005);
	assert_int_equal(set_status(root, "steady", 3, &st, &said), 0);
	assert_int_equal(st.judged, 1);
	assert_int_equal(st.undecided, 0);
	assert_string_equal(said, "");
	/* decided by all three, not by two: the run count it needed */
	assert_int_equal(needed[3], 1);
	assert_int_equal(needed[2] + needed[4], 0);
	free(said);
	assert_int_equal(set_status(root, "steady", 2, &st, &said), 0);
	assert_int_equal(st.undecided, 1);
	assert_int_equal(st.most_needed, SEQ_MIN_RUNS);
	free(said);
	/* 6% apart: undecided, with the runs its sd needs */
	make_set(root, "noisy", 3, 100, 0.06);
	assert_int_equal(set_status(root, "noisy", 3, &st, &said), 0);
	assert_int_equal(st.undecided, 1);
	sd = sqrt((pow(log(0.94), 2) + pow(log(1.06), 2) - pow(log(0.94 * 1.06), 2) / 3) / 2);
	assert_int_equal(st.most_needed, seq_runs_for(&p, sd, SEQ_SET_MAX_RUNS));
	assert_true(st.most_needed > 10 && st.most_needed < 40);
	snprintf(want, sizeof(want), "; %zu runs for 5.0%%\n", st.most_needed);
	if (!strstr(said, "fake 'mode=a' m: 3 runs, sd 6.0%") || !strstr(said, want))
		fail_msg("said: %s", said);
	free(said);
	/* seq-runs: the same rule over a set already made, every metric listed */
	assert_int_equal(tu_run(&said, "./build/mmbench seq-runs --mde 5 %s/steady", root), 0);
	if (!strstr(said, "1 of 1 judged headline metrics decided") ||
	    !strstr(said, "runs each needed: 3 runs: 1 metric\n") ||
	    !strstr(said, "fake 'mode=a' m: 3 runs, sd 1.1%, mde 3.3%; decided by the first 3\n"))
		fail_msg("said: %s", said);
	free(said);
	assert_int_equal(tu_run(&said, "./build/mmbench seq-runs %s/noisy", root), 0);
	assert_non_null(strstr(said, "0 of 1 judged headline metrics decided"));
	free(said);
	assert_int_equal(tu_run(NULL, "./build/mmbench seq-runs --mde 0 %s/noisy 2>/dev/null", root), 2);
	/* a median of zero (the engine's linear path) and constants are not judged */
	syn_run(root, "zero", "2026-01-01T00:00:00Z", "r0", (double[]){ 0, 0, 2 }, 3, "mmbench/1");
	assert_int_equal(set_status(root, "zero", 1, &st, &said), 0);
	assert_int_equal(st.judged, 0);
	free(said);
	/* a zero among positive medians is judged on the medians, as compare judges it */
	for (int i = 0; i < 3; i++) {
		char id[8];

		snprintf(id, sizeof(id), "r%d", i);
		syn_run(root, "zeros", "2026-01-01T00:00:00Z", id, (double[]){ 0, 100 + i, 200 }, 3,
			"mmbench/1");
	}
	assert_int_equal(set_status(root, "zeros", 3, &st, &said), 0);
	assert_int_equal(st.judged, 1);
	/* medians 100, 101, 102: sd 1%, decided */
	assert_int_equal(st.undecided, 0);
	assert_true(st.worst_mde > 0.01 && st.worst_mde < 0.05);
	free(said);
	syn_run(root, "flat", "2026-01-01T00:00:00Z", "r0", (double[]){ 7, 7, 7 }, 3, "mmbench/1");
	assert_int_equal(set_status(root, "flat", 1, &st, &said), 0);
	assert_int_equal(st.judged, 0);
	free(said);
}

/* seq-alpha and seq-check as ab.sh calls them, on a compare of synthetic sets. */
static void test_look_commands(void **state)
{
	struct seq_plan p = seq_plan_default(0.05);
	char root[4200], *out = NULL;
	double level, spent;

	(void)state;
	assert_int_equal(tu_run(&out, "./build/mmbench seq-alpha --max 8 2,3,5"), 0);
	assert_int_equal(sscanf(out, "%lf %lf", &level, &spent), 2);
	assert_near(level, seq_nominal(&p, (double[]){ 0.25, 0.375, 0.625 }, 3), 1e-6 * level);
	assert_near(spent, seq_spent(&p, 0.625), 1e-6);
	free(out);
	assert_int_equal(tu_run(NULL, "./build/mmbench seq-alpha --max 8 3,2 2>/dev/null"), 2);
	assert_int_equal(tu_run(NULL, "./build/mmbench seq-alpha --max 4 2,5 2>/dev/null"), 2);
	snprintf(root, sizeof(root), "%s/looks", tu_tmpdir());
	make_set(root, "a", 3, 100, 0.005);
	make_set(root, "b", 3, 100.2, 0.005);
	make_set(root, "c", 3, 150, 0.005);
	/* A/A 0.2% apart: the same within 5% at 0.05; not at a first look's 1e-6 */
	assert_int_equal(tu_run(NULL, "./build/mmbench compare %s/a %s/b --history none "
				"--json %s/ab.json >/dev/null", root, root, root), 0);
	assert_int_equal(tu_run(&out, "./build/mmbench seq-check --alpha 0.05 --mde 5%% "
				"%s/ab.json", root), 0);
	assert_non_null(strstr(out, "0 differ, 1 same within 5.0%, 0 undecided"));
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench seq-check --alpha 1e-6 %s/ab.json", root), 3);
	assert_non_null(strstr(out, "fake 'mode=a' m: x1.002 ["));
	assert_non_null(strstr(out, "0 differ, 0 same within 5.0%, 1 undecided"));
	free(out);
	/* +50%: worse, and decided */
	assert_int_equal(tu_run(NULL, "./build/mmbench compare %s/a %s/c --history none "
				"--json %s/ac.json >/dev/null", root, root, root), 3);
	assert_int_equal(tu_run(&out, "./build/mmbench seq-check --alpha 0.01 %s/ac.json", root), 0);
	assert_non_null(strstr(out, "1 differ, 0 same"));
	free(out);
	assert_int_equal(tu_run(NULL, "./build/mmbench seq-check %s/ac.json 2>/dev/null", root), 2);
}

/* bisect-decide at a look's level, and "alike" only within half the good-bad gap. */
static void test_bisect_looks(void **state)
{
	char root[4200], refs[9000], *out = NULL;

	(void)state;
	snprintf(root, sizeof(root), "%s/bisect", tu_tmpdir());
	make_set(root, "good", 3, 100, 0.02);
	make_set(root, "bad", 3, 200, 0.02);
	make_set(root, "likegood", 3, 103, 0.02);
	make_set(root, "between", 3, 141.4, 0.02);
	snprintf(refs, sizeof(refs), "./build/mmbench bisect-decide --bench fake --metric m "
		 "--case mode=a --good %s/good --bad %s/bad", root, root);
	assert_int_equal(tu_run(&out, "%s --looks 2,3 --max-boots 9 %s/likegood", refs, root), 0);
	assert_non_null(strstr(out, "good: 3 runs"));
	free(out);
	/* 1.414x, mid-gap: differs from both, within half the 2x gap of neither */
	assert_int_equal(tu_run(&out, "%s %s/between", refs, root), 3);
	assert_non_null(strstr(out, "at level 0.05"));
	free(out);
	/* the looks must end at the step's runs */
	assert_int_equal(tu_run(&out, "%s --looks 2 --max-boots 9 %s/likegood 2>&1", refs, root), 2);
	assert_non_null(strstr(out, "--looks 2: increasing counts"));
	free(out);
	assert_int_equal(tu_run(NULL, "%s --looks 3 %s/likegood 2>/dev/null", refs, root), 2);
}

/* --runs auto and its options: bad input is refused before anything runs. */
static void test_auto_options(void **state)
{
	static const char *const bad[] = {
		"run --runs auto --mde 0 --check-only", "run --runs auto --mde 60% --check-only",
		"run --runs auto --budget 5x --check-only", "run --mde 5 --check-only",
		"run --budget 10m --check-only", "sweep thp.enabled=never,always --runs auto",
		"run --runs auto --budget 0s --check-only",
	};
	char *out = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tu_run(&out, "./build/mmbench %s 2>&1", bad[i]), 2);
		if (!strchr(out, '\n') || strchr(out, '\n')[1])
			fail_msg("%s: not one line: %s", bad[i], out);
		free(out);
	}
	assert_int_equal(tu_run(NULL, "./build/mmbench run --runs auto --mde 2.5%% --budget 30m "
				"--bench uffd-wp --check-only"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spending_known),
		cmocka_unit_test(test_bounds_known),
		cmocka_unit_test(test_bounds_simulated),
		cmocka_unit_test(test_aa_sequences),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_at_level),
		cmocka_unit_test(test_mde_matches_engine),
		cmocka_unit_test_teardown(test_set_precision, tu_teardown),
		cmocka_unit_test_teardown(test_look_commands, tu_teardown),
		cmocka_unit_test_teardown(test_bisect_looks, tu_teardown),
		cmocka_unit_test(test_auto_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
