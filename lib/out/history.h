/*
 * The host's measured between-run noise, per metric, from the archive: runs of the same
 * kernel with the same bench options on the same host are replicates, and the spread of
 * their medians is what a comparison with a single run a side must allow for.
 */
#ifndef MMBENCH_HISTORY_H
#define MMBENCH_HISTORY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "out/results_read.h"
#include "out/verdict.h"

struct noise_history {
	char root[PATH_MAX];
	json_t *groups;		/* "host|kernel|bench|options" -> { "case|metric": [log medians] } */
	json_t *pooled;		/* "bench|case|metric" -> [ss, df] */
	size_t nr_runs;		/* runs read */
};

/* A short fingerprint of the machine a run was made on (CPU model, PUs, nodes, virtualization). */
const char *run_host(const struct rl_run *run, char *buf, size_t len);

/*
 * Read every run under @root made on @host, leaving out the directories in @skip[0..nskip)
 * (the runs being compared). A missing root is an empty history. Runs that cannot be
 * read are passed over quietly. 0 or -ENOMEM.
 */
int history_load(const char *root, const char *host, const char *const *skip, size_t nskip,
		 struct noise_history *h);
/* The pooled between-run variance of one metric; false (and df 0) when none was measured. */
bool history_noise(const struct noise_history *h, const char *bench, const char *key,
		   const char *metric, struct vnoise *out);
void history_free(struct noise_history *h);

#endif
