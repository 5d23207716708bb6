/* Helpers shared by the cmocka tests: running the harness, reading its JSON, snapshotting knobs. */
#ifndef MMBENCH_TESTUTIL_H
#define MMBENCH_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
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
/* Whether we run as root (integration tests skip otherwise). */
int tu_is_root(void);

#endif
