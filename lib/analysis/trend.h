/*
 * A trend across kernels: every run of the archive with one bench, grouped by kernel release
 * in version order; per case, each kernel's centre and interval, the step from the kernel
 * before judged by the verdict engine, and the change points of the series. Shared by
 * trend_load.c (the archive), trend.c (the command and the numbers) and trend_out.c.
 */
#ifndef MMBENCH_TREND_H
#define MMBENCH_TREND_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "stats/changepoint.h"
#include "analysis/history.h"
#include "results/results_read.h"
#include "stats/verdict.h"

#define TREND_SCHEMA	"mmbench-trend/1"

/* The runs of one kernel release. */
struct tr_kernel {
	char release[160];
	char first[40];			/* earliest start_time, for releases that do not parse */
	bool emulated;			/* a run of it was made under TCG */
	struct rl_run **runs;
	size_t nr;
};

/* One kernel in the table of one case. */
struct tr_row {
	size_t runs;			/* runs that measured the metric in this case */
	double centre, lo, hi;		/* vside_centre() and vside_interval(); NaN when none */
	bool has_step;			/* judged against the nearest earlier kernel with runs */
	size_t prev;			/* that kernel */
	struct vresult step;
	int cp;				/* index into the case's cp[] of a change point here, or -1 */
};

struct tr_case {
	const char *key;
	struct tr_row *rows;		/* one per kernel */
	struct cp_point cp[CP_MAX];
	size_t nr_cp;
};

struct trend {
	const char *bench, *metric, *key, *label;	/* key, label: NULL when not asked */
	const char *unit;
	int better;
	char root[PATH_MAX];
	char *options;			/* the bench options of the runs used (compact JSON) */
	struct tr_kernel *k;
	size_t nr_k;
	struct tr_case *cases;
	size_t nr_cases;
	json_t *skipped;		/* [{"dir", "why"}]: runs of the archive left out */
	size_t bisect_runs;		/* runs of bisect-run steps left out (commits, not releases) */
	const char *history;		/* where the steps' history comes from: NULL (root), DIR, "none" */
	struct noise_history *hist;	/* per kernel: the history of its step, loaded once */
	size_t *hist_prev;		/* the kernel before it that history was loaded for (+1; 0: none) */
	size_t nr_steps;		/* steps in the one BH correction */
	bool borrowed;			/* the runs are the caller's (trend_load_runs()) */
};

/*
 * Read every run under @t->root with @t->bench (and @t->label), keep those with the most
 * common options of the bench, group them by kernel in version order. Corrupt runs are
 * said on stderr and listed in t->skipped. 0; -EINVAL on bad input (one line said);
 * -ENOMEM.
 */
int trend_load(struct trend *t);
/*
 * trend_load() over runs the caller has read already (publish reads the archive once): those
 * with @t->bench (and @t->label), grouped the same way. The runs stay the caller's
 * (trend_free() leaves them) and nothing is said on stderr. 0; -EINVAL when no run has the
 * bench; -ENOMEM.
 */
int trend_load_runs(struct trend *t, struct rl_run *const *runs, size_t nr);
void trend_free(struct trend *t);
/*
 * The cases of the metric (every case, or --case alone), each kernel's set measured and
 * every step from the kernel before judged (one BH over the report), change points
 * found: 0, -EINVAL after one line when no run has the bench, case or metric, -ENOMEM.
 */
int trend_judge(struct trend *t);

/* Output (trend_out.c). */
void trend_print_text(FILE *f, const struct trend *t);
void trend_print_md(FILE *f, const struct trend *t);
int trend_write_json(const char *path, const struct trend *t);
/* DIR/plots/trend-<bench>-<metric>-<n>.dat and .vars per case, drawn by plot/trend.gp. */
int trend_write_plots(const char *dir, const struct trend *t);

#endif
