/* Building a bench's cases and recording their results (case.c); core/bench.h includes it. */
#ifndef MMBENCH_CASE_H
#define MMBENCH_CASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/bench.h"

struct bench_case *case_new(struct case_list *list);
void case_param_str(struct bench_case *c, const char *name, const char *value);
void case_param_num(struct bench_case *c, const char *name, double value);
const struct case_param *case_param(const struct bench_case *c, const char *name);
void case_knob(struct bench_case *c, const char *knob, const char *value);
/*
 * The value in force of @knob (lib/knobs/table.c's name) as param @param: a number when it is
 * one, else its text; "unreadable: <why>" when it cannot be read. Call it after cases()
 * (in setup), so it is information about the case, not part of its key.
 */
void case_param_knob(struct bench_case *c, const char *param, const char *knob);
int case_skip(struct bench_case *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int case_fail(struct bench_case *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void case_metric(struct bench_case *c, const char *name, const char *unit,
		 enum better better, double value);
struct metric *case_find_metric(struct bench_case *c, const char *name);
/* The median of a metric's samples so far; NaN when it has none. */
double metric_median(const struct metric *m);
void case_counter(struct bench_case *c, const char *name, bool supported,
		  const char *reason, uint64_t val, uint64_t ena, uint64_t run);
void case_vmstat(struct bench_case *c, const char *name, int64_t delta);
/* Every counter of @cnt as it reads now, added to the case's (sys/counters.h). */
void case_counters(struct bench_case *c, struct counters *cnt);
/* What every counter of @cnt grew by from @a to @b (counters_read_all(), @n each), added to the case's. */
void case_counters_between(struct bench_case *c, const struct counters *cnt,
			   const struct counter_value *a, const struct counter_value *b, int n);
/* Every vmstat delta from @a to @b named in @names (sys/vmstat.h), added to the case's. */
void case_vmstat_deltas(struct bench_case *c, const struct vmstat_snap *a,
			const struct vmstat_snap *b, const char *const *names);
void case_freeze_key(struct bench_case *c);
void case_list_free(struct case_list *list);

/*
 * Needs @bytes of memory: BENCH_SKIP with the reason when MemAvailable (less a
 * margin for the rest of the system) is smaller, else 0.
 */
int case_need_mem(struct bench_case *c, uint64_t bytes);
/*
 * Needs @bytes[n] on each node n of @nr_nodes (memory bound there): BENCH_SKIP with the
 * reason when a node's free memory and inactive page cache, less its part of the
 * margin, is smaller, else 0.
 */
int case_need_node_mem(struct bench_case *c, const uint64_t *bytes, int nr_nodes);

#endif
