/*
 * A side of a comparison: one run directory, a set directory (every run directory below
 * it, e.g. results/<kernel>/, optionally narrowed to one label), or several of either
 * joined by commas. The runs of a set are replicates: same kernel, same bench options.
 */
#ifndef MMBENCH_RUNSET_H
#define MMBENCH_RUNSET_H

#include <stdbool.h>
#include <stddef.h>

#include "results/results_read.h"
#include "results/run_keys.h"

#define RUNSET_MAX	64

struct runset {
	struct rl_run *runs[RUNSET_MAX];
	size_t nr;
	bool is_set;		/* named as a set (a set directory or a list), not one run */
	size_t skipped;		/* runs of a set directory left out, each said on stderr */
	const char *bench, *metric;	/* runset_load_metric(): what its runs keep */
};

/*
 * Load @spec; @label (or NULL) keeps only the runs of a set directory with that label.
 * On bad input one line on stderr and -errno (-EINVAL for content); @s is then empty.
 */
int runset_load(const char *spec, const char *label, struct runset *s);
/*
 * runset_load() for a reader of one metric of one bench (bisect-decide's references and
 * step): a run the archive's index has whole is rebuilt from it with every bench's options
 * but only @bench's cases and, in them, @metric, medians and samples (no intervals); the
 * others are read as runset_load() reads them. The same runs, checks and lines.
 */
int runset_load_metric(const char *spec, const char *label, const char *bench,
			const char *metric, struct runset *s);
void runset_free(struct runset *s);

#endif
