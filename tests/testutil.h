/* Helpers shared by the cmocka tests: running the harness, reading its JSON and files, snapshotting knobs. */
#ifndef MMBENCH_TESTUTIL_H
#define MMBENCH_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sys/types.h>
#include <cmocka.h>
#include <jansson.h>

/* Run a shell command from the top of the tree; returns its exit code, output (stdout+stderr) in *out (malloc'd, may be NULL). */
int tu_run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A fresh temporary directory (removed by tu_cleanup()). */
const char *tu_tmpdir(void);
void tu_cleanup(void);
/* The one run directory under ROOT/<kernel>/ (the newest), or NULL. */
const char *tu_run_dir(const char *root);
/* Load a JSON file; fails the test if it does not parse. */
json_t *tu_json(const char *path);
/* The case object with @key in a bench JSON, or NULL. */
json_t *tu_case(json_t *bench, const char *key);
/* A metric's median in a case; fails the test when absent. */
double tu_median(json_t *c, const char *metric);
/* A counter's val in a case; -1 when absent or unsupported. */
double tu_counter(json_t *c, const char *name);
/* A vmstat delta in a case; fails the test when absent. */
double tu_vmstat(json_t *c, const char *name);
/* Every THP / khugepaged / numa_balancing knob's whole text, concatenated, for before/after equality. */
char *tu_knob_snapshot(void);
/* tu_knob_snapshot() once no other run holds the knob lock (waiting as tu_run_locked() would),
 * for commands that take no lock themselves: a run elsewhere may have knobs set meanwhile. */
char *tu_knob_snapshot_idle(void);
/* The last path (in glob order) matching @pattern into @buf: 0, or -1 when none matches. */
int tu_glob_last(const char *pattern, char *buf, size_t len);
/* Whether we run as root (integration tests skip otherwise). */
int tu_is_root(void);
/* Skip the running test and say why on stdout ("SKIP: ..."): a skip is never silent. */
void tu_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Skip unless root: "SKIP: not root (uid N): @what". */
void tu_need_root(const char *what);
/* cmocka teardown: unset MMBENCH_SYSROOT and MMBENCH_JOURNAL, then tu_cleanup(). */
int tu_teardown(void **state);

/* A file's whole text, path printf-style (malloc'd, NUL-terminated), or NULL when it cannot be opened. */
char *tu_slurp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write a file, text printf-style, making its parent directories; fails the test on error. */
void tu_write_file(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A fresh copy of directory @src at <tu_tmpdir()>/@name; the path is in a static buffer. */
const char *tu_copy_dir(const char *src, const char *name);
/* Assert @text equals the golden file @path, which MMBENCH_GOLDEN_UPDATE=1 rewrites from @text first. */
void tu_golden(const char *path, const char *text);
/* Fail the test at the first line of @text wider than @cols columns. */
void tu_assert_width(const char *text, int cols);
/* The last non-empty line of @out, newline dropped, into @buf. */
void tu_last_line(const char *out, char *buf, size_t len);
/* Lines of /proc/self/mountinfo with filesystem type @type (and mount point @where when not NULL). */
int tu_mounts(const char *type, const char *where);
/* As root only (skips the test otherwise): fork(), failing the test when it cannot; 0 in the child. */
pid_t tu_fork_root(void);
/* Wait for child @pid; fail the test unless it exited with status 0. */
void tu_wait_ok(pid_t pid);
/* A fresh private anonymous mapping of @len bytes with THP off, so each page written faults alone. */
char *tu_map_pages(size_t len);
/* Write one byte in each of the first @pages pages at @p. */
void tu_touch(char *p, size_t pages);

/* One run of the harness as an integration test keeps it (zero it first; tu_harness_free() ends it). */
struct tu_harness {
	int rc;				/* exit code of the try that counted */
	char *out;			/* its output */
	double secs;			/* its wall time */
	char *knobs_before;		/* tu_knob_snapshot() just before that try ... */
	char *knobs_after;		/* ... and after it */
	json_t *bench;			/* tu_bench_run(): its JSON, NULL when it failed */
	void (*before_try)(void);	/* when set, called before each try's knob snapshot */
};
/* tu_run() with knob snapshots and time around it; again every 2 s while another run holds the lock. */
int tu_run_locked(struct tu_harness *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* tu_run_locked() of `./build/mmbench run --bench @name --out @root @args`; h->bench from its run. */
json_t *tu_bench_run(struct tu_harness *h, const char *name, const char *root, const char *args);
/* Fail the test with the run's output unless it exited 0 and left its JSON; @what names the run. */
void tu_need_bench(const struct tu_harness *h, const char *what);
/* Free what a run left in @h. */
void tu_harness_free(struct tu_harness *h);
/* cmocka teardown of a group whose setup set *state to its struct tu_harness: free it, tu_teardown(). */
int tu_harness_teardown(void **state);
/* The case with @key in @bench; fails the test when absent or not "ok" (with its status and reason). */
json_t *tu_ok_case(json_t *bench, const char *key);
/* `mmbench run --bench @name --opt @opt` must exit 2, print one line, make no run dir; its output. */
char *tu_bad_opt(const char *name, const char *opt);

#endif
