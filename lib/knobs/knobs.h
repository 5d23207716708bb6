/* Setting knobs, probing what could be set, and putting everything back (the journal); reading them is table.h. */
#ifndef MMBENCH_KNOBS_H
#define MMBENCH_KNOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "knobs/table.h"

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
 * knob_set() with the original text handed to @remember (which must have it on disk
 * before it returns 0) instead of the journal: mmbench system tune keeps its own record.
 */
int knob_set_remembered(const char *name, const char *value,
			int (*remember)(const char *name, const char *path, const char *restore));
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
