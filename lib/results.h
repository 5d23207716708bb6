/* Results in schema mmbench/1: one JSON file per bench in the run directory. */
#ifndef MMBENCH_RESULTS_H
#define MMBENCH_RESULTS_H

#include "bench.h"

#define RESULTS_SCHEMA "mmbench/1"

/* Writes <dir>/<bench>.json. @status "ok", "skip" or "error" with @reason. */
int results_write(const char *dir, const struct bench_ctx *ctx, const struct case_list *list,
		  const char *status, const char *reason);

#endif
