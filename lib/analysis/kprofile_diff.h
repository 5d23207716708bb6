/*
 * What moved between two profiles of one case: the kernel symbols whose self share changed
 * most, each with the sample counts behind its shares and a test of the two proportions
 * that accounts for how few samples there are (Fisher's exact test where a cell is small).
 */
#ifndef MMBENCH_KPROFILE_DIFF_H
#define MMBENCH_KPROFILE_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include "core/kprofile_agg.h"
#include "results/results_read.h"

/*
 * A profile of fewer samples than this is too few: its shares move in steps of more
 * than 1%, so a change from it is marked, whatever its test says.
 */
#define KPROFILE_FEW_SAMPLES	100
#define KPROFILE_DIFF_TOP	4	/* symbols shown beside a changed verdict */
#define KPROFILE_DIFF_ALPHA	0.05

struct kprofile_change {
	const char *name;
	uint64_t xb, xc;	/* self samples in each profile */
	double sb, sc;		/* self shares */
	double p, q;		/* two-sided p; q after Benjamini-Hochberg over the profile's symbols */
	const char *test;	/* "fisher" or "z" */
};

struct kprofile_diff {
	struct kprofile_change *v;	/* kernel symbols of either profile, largest share change first */
	size_t nr;
	uint64_t nb, nc;	/* samples of each profile */
	bool few;		/* either profile has fewer than KPROFILE_FEW_SAMPLES */
};

/*
 * Two-sided p that @xb of @nb and @xc of @nc come from one proportion: the pooled z test
 * when every expected count is at least 5, else Fisher's exact test (hypergeometric, GSL).
 */
double kprofile_prop_test(uint64_t xb, uint64_t nb, uint64_t xc, uint64_t nc, const char **test);
/* Adds @src's samples and counts to @dst. 0 or -ENOMEM. */
int kprofile_merge(struct kprofile *dst, const struct kprofile *src);
int kprofile_diff_build(const struct kprofile *b, const struct kprofile *c, struct kprofile_diff *d);
void kprofile_diff_free(struct kprofile_diff *d);
/*
 * A side's profile of @bench's case @key: every run's, pooled. 0; -ENOENT when no run
 * has one (or every one was skipped), with the reason in @why.
 */
int kprofile_side_profile(struct rl_run *const *runs, size_t nr, const char *bench, const char *key,
		    struct kprofile *out, char *why, size_t len);
/*
 * "lock_vma_under_rcu 0.0% (0) -> 3.1% (160)" for the first @top changes, each with its q,
 * the few-samples mark and the sample totals, into @buf.
 */
void kprofile_diff_text(const struct kprofile_diff *d, size_t top, char *buf, size_t len);

#endif
