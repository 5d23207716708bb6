/*
 * What a fatal signal must undo besides the knobs: mounts this process made (tracefs,
 * debugfs). The code that makes a change registers its undo here; the journal's signal
 * handler runs them, so it needs to know none of that code.
 */
#ifndef MMBENCH_CLEANUP_H
#define MMBENCH_CLEANUP_H

#define CLEANUP_MAX	8

/* Register @fn (async-signal-safe, harmless when there is nothing to undo); once per fn. */
void cleanup_register(void (*fn)(void));
/* Run every registered undo, the last registered first. Async-signal-safe. */
void cleanup_run(void);

#endif
