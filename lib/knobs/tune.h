/*
 * The low-noise values of the machine's own knobs (mmbench system tune, run --tune), and the
 * tune record: what system tune changed, kept on disk until system reset puts it back.
 */
#ifndef MMBENCH_TUNE_H
#define MMBENCH_TUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct tune_def {
	const char *knob;	/* a name of the knob table; a family ("cpufreq.*.governor") means each */
	const char *value;	/* the low-noise value */
	const char *why;
};

/* NULL-terminated. */
extern const struct tune_def tune_table[];

/*
 * Each knob of the table on this machine (families expanded) with its low-noise value: @fn
 * (may be NULL) gets those that hold it or could be set to it; @why_not (may be NULL) gets the others with
 * the reason (absent on this kernel, not writable by this user). Returns how many @fn got.
 */
int tune_each(void (*fn)(const char *knob, const char *value, void *arg),
	      void (*why_not)(const char *knob, const char *why, void *arg), void *arg);

/* <journal>.tuned: "name\tpath\toriginal" per knob system tune changed, first change first. */
const char *tune_record_path(void);
/*
 * Set every knob of the table that can be, the original of each put on record (fsynced)
 * before its first change; a line per knob on @out. The caller holds the knob lock
 * (knobs_init()). Returns how many it changed, or -errno (the record then still lists what it did).
 */
int tune_apply(FILE *out);
/* Put back what the record lists, newest first, and remove it: 0 (also when none), or -errno. */
int tune_reset(FILE *out);
/* Whether the record lists anything (system tune is in force). */
bool tune_pending(void);

#endif
