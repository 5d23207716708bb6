/* The undo list for a fatal signal (cleanup.h): a fixed array, so a handler may walk it. */
#include <signal.h>
#include <stddef.h>

#include "sys/cleanup.h"

static void (*undo[CLEANUP_MAX])(void);
static volatile sig_atomic_t nr_undo;

void cleanup_register(void (*fn)(void))
{
	for (sig_atomic_t i = 0; i < nr_undo; i++)
		if (undo[i] == fn)
			return;
	if (nr_undo < CLEANUP_MAX) {
		undo[nr_undo] = fn;
		nr_undo = nr_undo + 1;	/* published after the slot is filled */
	}
}

void cleanup_run(void)
{
	for (sig_atomic_t i = nr_undo; i > 0; i--)
		undo[i - 1]();
}
