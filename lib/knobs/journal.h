/* The knob journal's side of lib/knobs: what this process changed, kept on disk until it is put back. */
#ifndef MMBENCH_JOURNAL_H
#define MMBENCH_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Before the first change of @path in this process: record, and fsync to the journal,
 * the text that restores it. Later calls for the same path keep the first. -errno.
 */
int journal_remember(const char *name, const char *path, const char *restore);

/* Whether this process has knobs not yet put back. */
bool journal_pending(void);

#endif
