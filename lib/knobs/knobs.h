/* The knob table: every tunable the suite reads or sets, with save/apply/restore and a crash journal. */
#ifndef MMBENCH_KNOBS_H
#define MMBENCH_KNOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum knob_kind {
	KNOB_NUM,	/* a number */
	KNOB_CHOICE,	/* "always [madvise] never": the bracketed word is in force */
};

struct knob_def {
	const char *name;	/* "thp.enabled"; "thp.hugepages-*.enabled" for a family */
	const char *paths[3];	/* tried in order; relative to the sysroot; '*' as in name */
	enum knob_kind kind;
	const char *why;
};

extern const struct knob_def knob_table[];

/* Whether @name is in the table (directly or through a family pattern). */
bool knob_known(const char *name);
/* Whether @name takes a number (else one word of a choice). */
bool knob_numeric(const char *name);
/* Every concrete knob name on this system (families expanded), NULL-terminated, static. */
const char *const *knob_names(void);
/* A choice knob's word in force: "always [madvise] never" -> "madvise"; other text as it is. */
void knob_choice_word(const char *raw, char *buf, size_t len);
/* The path in force for @name, or NULL with errno set. */
const char *knob_path(const char *name, char *buf, size_t len);

/* The value in force (the bracketed word of a choice); -errno, and @why says why. */
int knob_read(const char *name, char *buf, size_t len);
/* The file's whole text, trailing newline stripped. */
int knob_read_raw(const char *name, char *buf, size_t len);
/* Empty string when @name could be written, else why not (reads it and checks write access; writes nothing). */
int knob_probe_write(const char *name, char *why, size_t len);
/*
 * The same for setting @name to @value: 0 also when @value is already in force. Not
 * allowed: "thp.enabled is not writable by uid 65534: run as root or set it to
 * 'never' first".
 */
int knob_probe_set(const char *name, const char *value, char *why, size_t len);

/*
 * Set @name to @value: the original text is journaled (and fsynced) before the first
 * change in this process; the write is verified by reading back. A value already in
 * force is left alone: no write, no journal line. -errno on failure, and the knob is
 * left as it was.
 */
int knob_set(const char *name, const char *value);
/*
 * Whether @name takes @value: the right form (a number, or one of the choice's words),
 * then a trial write the kernel accepts, put back at once with knob_restore_all() (so
 * call it before changing anything else). 0, or -errno and a one-line @why.
 */
int knob_try_value(const char *name, const char *value, char *why, size_t len);
/* Put back every knob this process changed, in reverse order; clears the journal. */
int knob_restore_all(void);

/*
 * Call once at start, before any knob is set: takes the journal's lock (-EBUSY if
 * another mmbench holds it) and, if a killed run left a journal, restores what it
 * lists and says so on @msg. Registers restore on exit and on every signal that ends the
 * process but SIGKILL (INT, TERM, HUP, PIPE, and crashes: SEGV, BUS, FPE, ABRT, QUIT, ...),
 * re-raised after the restore so the exit status stays the signal's.
 * Not root, it also holds root's lock (<sysroot>/var/lib/mmbench/journal.lock, when a
 * root run made one) through a read-only descriptor: -EBUSY while a root run holds it,
 * and no root run starts while this one lasts.
 */
int knobs_init(FILE *msg);
/*
 * The journal's path: MMBENCH_JOURNAL; else, root, <sysroot>/var/lib/mmbench/journal;
 * else $XDG_STATE_HOME/mmbench/journal, ~/.local/state/mmbench/journal, or
 * /tmp/mmbench-<uid>/journal, the first whose directory this user can make.
 */
const char *knob_journal_path(void);
/* The lock knobs_init() last failed on (busy or not openable): its own or root's. */
const char *knob_lock_path(void);

#endif
