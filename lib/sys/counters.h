/* Performance counters through libperf: software, hardware and tracepoint events, around the timed region only. */
#ifndef MMBENCH_COUNTERS_H
#define MMBENCH_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

struct bench_case;

enum counters_scope {
	COUNTERS_SELF,		/* this process; inherited by threads and children created after counters_open() */
	COUNTERS_SYSTEM,	/* every online CPU (kernel threads such as khugepaged too) */
};

struct counter_value {
	bool supported;
	char reason[96];
	uint64_t val, ena, run;
};

struct counters;

struct counters *counters_new(enum counters_scope scope);
/*
 * What else starts and stops with the timed region: @enter before counters_enable()
 * enables, @leave after counters_disable() disables (--kprofile's sampler, core/kprofile.c).
 */
void counters_region_hook(void (*enter)(void), void (*leave)(void));
/* libperf's own set-up (its page size, its quiet logging), once; counters_new() does it too. */
void counters_libperf_init(void);
/*
 * Add an event by name: a software event ("page-faults", "minor-faults", "major-faults",
 * "context-switches", "cpu-migrations", "task-clock"), a hardware one ("cycles",
 * "instructions", "dTLB-load-misses"), or a tracepoint "subsys:event". @label names
 * it in results (NULL: the event name); @filter is a tracepoint filter ("reason==4") or NULL.
 */
int counters_add(struct counters *c, const char *label, const char *event, const char *filter);
/* Opens every event disabled; one that cannot open is recorded unsupported with why. */
int counters_open(struct counters *c);
void counters_enable(struct counters *c);
void counters_disable(struct counters *c);
/* Zero the counts (between repetitions). */
void counters_reset(struct counters *c);
int counters_read(struct counters *c, const char *label, struct counter_value *v);
/*
 * Every counter's value now, in the order added, into @v[0..max): how many. Two of these
 * bracket a window more tightly than enabling and disabling do (an enable is an ioctl per
 * counter, each a few ms on a busy guest): case_counters_between() records the growth.
 */
int counters_read_all(struct counters *c, struct counter_value *v, int max);
/* How many counters @c holds, and the label of the @i-th (case_counters() records them all). */
int counters_nr(const struct counters *c);
const char *counters_label(const struct counters *c, int i);
void counters_free(struct counters *c);

#endif
