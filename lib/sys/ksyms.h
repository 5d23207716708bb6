/* Kernel symbols from /proc/kallsyms (or a recorded copy): an address to the function holding it, or nothing. */
#ifndef MMBENCH_KSYMS_H
#define MMBENCH_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	char *name;		/* "handle_mm_fault", or "nf_hook [nf_tables]" for a module's */
	char type;		/* kallsyms' letter: t/T/w/W are text */
};

struct ksyms {
	struct ksym *v;		/* sorted by address */
	size_t nr;
	size_t nr_text;
};

/*
 * Load @path (a kallsyms file). 0; -ENOENT/-EACCES when it cannot be read; -EPERM when
 * every address reads 0 (kptr_restrict hides them from this process); -EINVAL when no
 * line parses. @why (may be NULL) says which in words.
 */
int ksyms_load(struct ksyms *k, const char *path, char *why, size_t len);
/*
 * The text symbol holding @addr: the last symbol at or below it, when that one is text
 * and another symbol lies above @addr (the last symbol has no known end, so nothing
 * past it resolves). NULL when @addr is not known: it is never attributed to a guess.
 */
const struct ksym *ksyms_find(const struct ksyms *k, uint64_t addr);
void ksyms_free(struct ksyms *k);

#endif
