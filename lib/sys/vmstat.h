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
/* Record into the case every delta named in @names (NULL-terminated; a trailing '*' matches a prefix). */
void vmstat_record(struct bench_case *c, const struct vmstat_snap *a,
		   const struct vmstat_snap *b, const char *const *names);

#endif
