/* Reading a run directory back (manifest.json and every <bench>.json of schema mmbench/1), validated. */
#ifndef MMBENCH_RESULTS_READ_H
#define MMBENCH_RESULTS_READ_H

#include <limits.h>
#include <stddef.h>
#include <jansson.h>

#include "stats/stats.h"

struct rl_metric {
	const char *name, *unit;	/* point into the bench's JSON */
	const char *family;		/* the measurement it is derived from; NULL: its own */
	int better;			/* enum better of bench.h */
	double *samples;
	size_t n;
	struct summary s;		/* recomputed from the samples (stored values when none) */
};

struct rl_case {
	const char *key, *status, *reason;	/* reason: "" when none */
	json_t *params, *counters, *vmstat;	/* borrowed; NULL when absent */
	struct rl_metric *metrics;
	size_t nr_metrics;
	double reps;				/* repetitions, to show counters per repetition */
};

struct rl_bench {
	char path[PATH_MAX];
	const char *name, *status, *reason;
	json_t *root, *params;
	json_t *mechanism;		/* borrowed: fnmatch patterns (bench.h), NULL when absent */
	struct rl_case *cases;
	size_t nr_cases;
};

struct rl_run {
	char dir[PATH_MAX];
	char manifest_path[PATH_MAX];
	json_t *manifest;
	struct rl_bench *benches;
	size_t nr_benches;
};

/*
 * Load and validate @dir. On bad input prints one line naming the file on stderr
 * and returns -errno (-EINVAL for content); @run is then empty. Nothing in @dir is
 * trusted: symbolic links, files that are not regular or are too large, JSON nested too
 * deep, with duplicate keys, numbers out of range, control characters (terminal escapes)
 * or backquotes in strings, names unfit for a file name are all refused.
 */
int rl_load(const char *dir, struct rl_run *run);
/*
 * The same, with medians only (no bootstrap intervals) and without a word on bad input
 * (the caller passes such a run over): for reading a whole archive.
 */
int rl_load_light(const char *dir, struct rl_run *run);
/*
 * rl_load(), and the same refusal (one line, -EINVAL, @run empty) of a run that mmbench
 * marked INCOMPLETE itself: killed before it finished, or with a result it could not
 * write. For comparing; a VM run whose transfer was cut is loaded, and reports say so.
 */
int rl_load_whole(const char *dir, struct rl_run *run);
/* rl_load_whole() with medians only and silent: what the archive's index keeps of a run. */
int rl_load_whole_light(const char *dir, struct rl_run *run);
void rl_free(struct rl_run *run);
/* What the last failed load said was wrong ("FILE: why"), also of a light load that said nothing. */
const char *rl_load_said(void);
/*
 * One JSON object file of a run directory, refused as rl_load() refuses (one line on
 * stderr, NULL and *err -errno): for the files with readers of their own.
 */
json_t *rl_load_json(const char *path, int *err);

/* Lookups that tolerate absent fields. */
struct rl_bench *rl_find_bench(const struct rl_run *run, const char *name);
struct rl_case *rl_find_case(const struct rl_bench *b, const char *key);
struct rl_metric *rl_find_metric(const struct rl_case *c, const char *name);
/* A manifest value by dotted path ("kernel.release") as text into @buf, or NULL. */
const char *rl_manifest_str(const struct rl_run *run, const char *path, char *buf, size_t len);
/* Whether the run was made on an emulated CPU (virtualization "tcg" or vm.accel "tcg"). */
int rl_emulated(const struct rl_run *run);
/* Any JSON scalar as text (strings bare, numbers as %.15g, arrays/objects compact). */
const char *rl_json_text(json_t *v, char *buf, size_t len);

/* A number in at most 9 columns ("-" for NaN), for tables. */
const char *rl_fmt(double v, char *buf, size_t len);

/* The first line of RUN_DIR/INCOMPLETE (a run that did not come back whole, e.g. from a VM), or NULL. */
const char *rl_incomplete(const struct rl_run *run, char *buf, size_t len);

#define RL_EMULATED_NOTE "emulated CPU: timings are not comparable with hardware; event counts are"

#endif
