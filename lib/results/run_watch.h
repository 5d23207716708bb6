/* What a run's watchers saw, read back from its files: the kernel log and the load on the bench's CPUs. */
#ifndef MMBENCH_RUN_WATCH_H
#define MMBENCH_RUN_WATCH_H

#include <stddef.h>
#include <jansson.h>
#include "results/results_read.h"

/* @key of @o as an integer (0 when absent or not one). */
json_int_t watch_num(json_t *o, const char *key);
/*
 * The manifest's kernel_log in one phrase: "none", "2 problems (WARNING 1, BUG 1): <first>",
 * "3 lines at warning level: <first>", "not watched: <why>"; NULL for a run made before
 * the kernel log was watched. @problems gets the lines that tell of trouble (or kept lines).
 */
const char *watch_kmsg_summary(json_t *manifest, size_t *problems, char *buf, size_t len);
/* Repetitions of @b whose load was watched (+= @reps) and that shared their CPUs (+= @shared); the CPUs into @cpus (may be NULL). */
void watch_load_count(const struct rl_bench *b, size_t *reps, size_t *shared, char *cpus, size_t len);

#endif
