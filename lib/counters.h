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
/* Add every counter's current value to the case's counters. */
void counters_record(struct counters *c, struct bench_case *bc);
void counters_free(struct counters *c);

/* tracefs mount point (mounting tracefs if needed; unmounted at exit), or NULL; errno EACCES: not ours to read or mount. */
const char *tracefs_dir(void);
/*
 * Unmount tracefs if this process mounted it (atexit does this; a fatal-signal
 * handler should call it too). Async-signal-safe; 0 or -errno.
 */
int tracefs_unmount(void);
/* A tracepoint's id, or -errno. */
int tracepoint_id(const char *subsys_event);
/* The value of symbol @sym in __print_symbolic() of field @field in the event's print fmt, or -errno. */
int tracepoint_symbol_value(const char *subsys_event, const char *field, const char *sym);
/* The same from a format file's text (for tests). */
int tracepoint_parse_symbol(const char *format_text, const char *field, const char *sym);
/* The symbols (0..n-1 order of appearance) of a __print_symbolic field: fills names/values, returns count. */
int tracepoint_parse_symbols(const char *format_text, const char *field,
			     char names[][32], int *values, int max);

#endif
