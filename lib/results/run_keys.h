/*
 * What identifies a run among others of an archive, read from it alone: whether a directory
 * is a run at all, the machine it was made on, a bench's options. Shared by the index of the
 * archive (lib/archive/) and by the readers that compare runs (lib/analysis/).
 */
#ifndef MMBENCH_RUN_KEYS_H
#define MMBENCH_RUN_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "results/results_read.h"

/* A run directory has its manifest, or says why it has not (INCOMPLETE). */
bool is_run_dir(const char *dir);

/* A short fingerprint of the machine a run was made on (CPU model, PUs, nodes, virtualization). */
const char *rl_host(const struct rl_run *run, char *buf, size_t len);

/* A bench's options in a run as compact JSON without "reps" (NULL when absent, or no @b); free() it. */
char *rl_bench_options(const struct rl_bench *b);

#endif
