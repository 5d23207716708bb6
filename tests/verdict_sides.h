/* Synthetic sides of runs for the verdict engine's unit tests (test_verdict.c, test_verdict_bisect.c). */
#ifndef MMBENCH_TESTS_VERDICT_SIDES_H
#define MMBENCH_TESTS_VERDICT_SIDES_H

#include <math.h>
#include <stddef.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "stats/verdict.h"

#define MAX_RUNS	8
#define MAX_REPS	8

#define assert_near(a, b, eps) do {						\
	double a_ = (a), b_ = (b);						\
	if (!(fabs(a_ - b_) <= (eps)))						\
		fail_msg("%s = %.17g, want %.17g", #a, a_, b_);			\
} while (0)

/* A side of @runs runs of @reps samples each, stored in @buf. */
struct side {
	double buf[MAX_RUNS][MAX_REPS];
	const double *x[MAX_RUNS];
	size_t n[MAX_RUNS];
	struct vside v;
};

static inline void side_init(struct side *s, size_t runs, size_t reps)
{
	for (size_t r = 0; r < runs; r++) {
		s->x[r] = s->buf[r];
		s->n[r] = reps;
	}
	s->v = (struct vside){ .x = s->x, .n = s->n, .nr_runs = runs };
}

static inline void side_of(struct side *s, const double *vals, size_t n)
{
	side_init(s, 1, n);
	for (size_t i = 0; i < n; i++)
		s->buf[0][i] = vals[i];
}

/* One metric judged alone (BH over one test is the test itself). */
static inline enum verdict judge(const struct side *b, const struct side *c, int better,
			  const struct vnoise *noise, struct vresult *r)
{
	struct vresult *rs[1] = { r };

	verdict_measure(&b->v, &c->v, noise, r);
	verdict_correct(rs, 1);
	verdict_decide(r, better);
	return r->v;
}

/* A side of @runs runs of one sample each, the values @v. */
static inline void side_runs(struct side *s, const double *v, size_t runs)
{
	side_init(s, runs, 1);
	for (size_t r = 0; r < runs; r++)
		s->buf[r][0] = v[r];
}

/* Each run's level moves by a run effect of @between (log sd); its samples by @within. */
static inline void draw_side(gsl_rng *g, struct side *s, size_t runs, size_t reps, double level,
		      double between, double within)
{
	side_init(s, runs, reps);
	for (size_t r = 0; r < runs; r++) {
		double run = level * exp(gsl_ran_gaussian(g, between));

		for (size_t i = 0; i < reps; i++)
			s->buf[r][i] = run * exp(gsl_ran_gaussian(g, within));
	}
}

#endif
