/* mmbench system: the machine's own sources of noise, each read and judged (system_items.c). */
#ifndef MMBENCH_SYSTEM_H
#define MMBENCH_SYSTEM_H

#include <jansson.h>

enum sys_verdict { SYS_OK, SYS_NOISE, SYS_UNKNOWN };

struct sys_item {
	const char *name;
	char value[256];
	enum sys_verdict verdict;
	char note[400];		/* why the verdict, and what tune does (or cannot do) about it */
};

#define SYS_MAX_ITEMS	24

/* Give @it its verdict and the note saying why. */
void sys_judge(struct sys_item *it, enum sys_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The items of system_load.c: what else runs, memory, the machine underneath. */
void sys_irq_affinity(struct sys_item *it);
void sys_load(struct sys_item *it);
void sys_swap(struct sys_item *it);
void sys_memory(struct sys_item *it);
void sys_virt(struct sys_item *it);

/* "ok", "adds noise", "cannot tell". */
const char *sys_verdict_word(enum sys_verdict v);
/* Every item, read now (the load over SYS_LOAD_MS of sampling): how many. */
#define SYS_LOAD_MS	300
int sys_items(struct sys_item *items, int max);

/*
 * The manifest's "noise": the items of show that the rest of the manifest does not hold
 * and that stay put while a run goes (cstates, khugepaged, irqbalance, irq_affinity),
 * each {"value", "verdict"}; compare diffs them like any manifest field. New reference.
 */
json_t *sys_manifest_items(void);

#endif
