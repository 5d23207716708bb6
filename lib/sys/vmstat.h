/* /proc/vmstat and the per-size THP stats, read as deltas around a timed region. */
#ifndef MMBENCH_VMSTAT_H
#define MMBENCH_VMSTAT_H

#include <stdint.h>

struct bench_case;

/* A snapshot of every counter: /proc/vmstat names, and "hugepages-64kB.anon_fault_alloc". */
struct vmstat_snap {
	int nr;
	char (*names)[64];
	int64_t *vals;
};

int vmstat_snap(struct vmstat_snap *s);
void vmstat_snap_free(struct vmstat_snap *s);
/* Value in a snapshot; -1 if absent. */
int64_t vmstat_get(const struct vmstat_snap *s, const char *name);
/* b - a for @name; 0 if absent from either. */
int64_t vmstat_delta(const struct vmstat_snap *a, const struct vmstat_snap *b, const char *name);
/*
 * @add(@arg, name, b - a) for every counter named in @names (NULL-terminated; fnmatch
 * patterns) that both snapshots hold; case_vmstat_deltas() records them into a case.
 */
void vmstat_deltas(void (*add)(void *arg, const char *name, int64_t delta), void *arg,
		   const struct vmstat_snap *a,
		   const struct vmstat_snap *b, const char *const *names);

#endif
