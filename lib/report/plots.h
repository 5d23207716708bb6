/* The C side of the plots: gnuplot data (.dat) and variables (.vars) per chart, drawn by plot/render.sh. */
#ifndef MMBENCH_PLOTS_H
#define MMBENCH_PLOTS_H

#include <stddef.h>
#include "results/results_read.h"

struct plot_ref {
	char bench[64];
	char name[200];		/* file name without extension, under plots/ */
	char title[200];
};

struct plot_list {
	struct plot_ref *p;
	size_t nr;
};

/*
 * Write <dir>/plots/<name>.dat and .vars for every chart of @runs (the first is
 * the base; @labels name the runs in legends): per bench and metric, bars with
 * CI whiskers over the cases; per numeric parameter that varies along a case
 * family, lines over that parameter. 0 or -errno; @out lists the charts.
 */
int plots_write(const char *dir, struct rl_run *const *runs, const char *const *labels,
		size_t nr_runs, struct plot_list *out);
void plot_list_free(struct plot_list *l);
/*
 * Say that @dir holds plot data for gnuplot to render: a line in the file that
 * MMBENCH_RENDER_LIST names (run.sh sets it and renders each), else nothing.
 */
void plots_announce(const char *dir);

#endif
