/*
 * The host's measured between-replicate noise, per metric, from the archive: runs of the
 * same kernel with the same bench options on the same host are replicates (runs of one
 * boot, or boots), and the spread of their medians is what today's replicates are tested
 * against and, where alike, joined with (verdict_pool.c).
 */
#ifndef MMBENCH_HISTORY_H
#define MMBENCH_HISTORY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "archive/archive.h"
#include "results/results_read.h"
#include "results/run_keys.h"
#include "stats/verdict.h"

struct noise_history {
	char root[PATH_MAX];
	json_t *groups;		/* "kernel|bench|options" -> { "case|metric": [[boot, log median]] } */
	size_t nr_runs;		/* runs read */
	struct archive *archive;	/* the root's index, when it has one: groups are asked of it */
	char host[256];
	int64_t *skip;		/* then the index's ids of the runs left out, in order */
	size_t nr_skip;
};

/*
 * Read every run under @root made on @host, leaving out the directories in @skip[0..nskip)
 * (the runs being compared). A missing root is an empty history. Runs that cannot be
 * read are passed over quietly. When @root has an index (ROOT/index.sqlite), it is brought
 * up to date and asked instead, with the same answers. 0 or -ENOMEM.
 */
int history_load(const char *root, const char *host, const char *const *skip, size_t nskip,
		 struct noise_history *h);
/* A kernel release and a bench's options (rl_bench_options()), whose runs history may use. */
struct hist_key {
	const char *kernel, *opts;
};

/*
 * The between-replicate variance of one metric over the runs of @keys[0..nkeys) (the
 * kernels and options of the sides): between runs of one boot, or between boots
 * (@by_boot). false (and df 0) when none was measured.
 */
bool history_noise(const struct noise_history *h, const struct hist_key *keys, size_t nkeys,
		   bool by_boot, const char *bench, const char *key, const char *metric,
		   struct vnoise *out);
void history_free(struct noise_history *h);

#endif
