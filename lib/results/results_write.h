/* Results in schema mmbench/1: one JSON file per bench in the run directory. */
#ifndef MMBENCH_RESULTS_WRITE_H
#define MMBENCH_RESULTS_WRITE_H

#include "core/bench.h"

#define RESULTS_SCHEMA "mmbench/1"

/* Writes <dir>/<bench>.json, whole or not at all. @status "ok", "skip" or "error" with @reason. 0 or -errno (printed, and noted for INCOMPLETE). */
int results_write(const char *dir, const struct bench_ctx *ctx, const struct case_list *list,
		  const char *status, const char *reason);

/*
 * A run directory is marked INCOMPLETE from the moment it is made until every file of the
 * run has been written, so a run that is killed, or whose disk fills, is never taken for
 * a whole one. The marker's lines that mmbench writes itself start with these:
 */
#define RUN_UNFINISHED	"incomplete: the run did not finish (it was killed, or is still running)"
#define RUN_UNWRITTEN	"incomplete: not written: "

/* Writes <dir>/INCOMPLETE saying the run has not finished; 0 or -errno. Forgets earlier notes. */
int results_mark_started(const char *dir);
/* Note a file of the run (results_write() notes its own) that could not be written. */
void results_unwritten(const char *path, int err);
/*
 * At the end of a run: removes INCOMPLETE when every file was written and returns 0;
 * else rewrites it with a line per file not written (and why) and returns how many.
 */
int results_mark_finished(const char *dir);

#endif
