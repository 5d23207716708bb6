/*
 * A run directory read as untrusted input (it is copied between hosts): files opened
 * without following links and bounded in size, JSON bounded in depth and free of control
 * characters, names safe for file names and gnuplot, and the one line a user sees when
 * something is wrong. The reader (results_read.c) stands on it.
 */
#ifndef MMBENCH_UNTRUSTED_H
#define MMBENCH_UNTRUSTED_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/*
 * Limits on what a run directory may hold. It is copied between hosts, so nothing in it is
 * trusted: a full run's largest file is a few MiB and its JSON five levels deep.
 */
#define RL_MAX_FILE		(64 << 20)
#define RL_MAX_TEXT		(1 << 20)	/* INCOMPLETE, sweep.txt */
#define RL_MAX_DEPTH		16
#define RL_MAX_BENCH_FILES	64
#define RL_MAX_NUMBER		1e18		/* beyond any count, time or size a bench measures */
#define RL_MAX_REPS		1000000

/*
 * Quiet: nothing on stderr (reading a whole archive, where bad runs are only skipped). Returns
 * what it was, for the caller to put back (so a quiet reader inside another stays quiet).
 */
bool ut_quiet(bool on);
/* A message on stderr unless quiet. */
void ut_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last line said of bad input (said or kept quiet), without "mmbench: " and newline. */
const char *ut_said(void);
/* @s with every byte that is not printable ASCII shown as \xNN. */
const char *ut_printable(const char *s, char *buf, size_t len);
/* The one line on bad input, "mmbench: FILE: what is wrong"; returns -EINVAL. */
int ut_bad(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A regular file (no link, no FIFO) of at most @max bytes as a string; NULL with the line said and *err set. */
char *ut_read_file(const char *path, size_t max, size_t *len, int *err);
/* Whether @s holds a control character, ESC, C1 CSI or a backquote (newlines allowed if @lines). */
int ut_bad_char(const char *s, bool lines);
/* Every string, key and number of @v checked; @where is filled with the JSON path of what is wrong. */
int ut_check_tree(const char *path, json_t *v, int depth, char *where, size_t len);
/* Only [A-Za-z0-9] and @extra, 1 to @max bytes. */
bool ut_safe_name(const char *s, const char *extra, size_t max);
/* A JSON object from @path, with every check above; NULL with the line said and *err set. */
json_t *ut_load_json(const char *path, int *err);

#endif
