/* What the files of the thp bench (thp.c, thp_fault.c, thp_collapse.c, thp_mem.c) share. */
#ifndef MMBENCH_BENCHES_THP_H
#define MMBENCH_BENCHES_THP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/bench.h"

#define THP_PAGE	4096ul
#define THP_SYSFS	"/sys/kernel/mm/transparent_hugepage"

#define THP_PHASES(X) \
	X(THP_FAULT_ALLOC, "fault-alloc") X(THP_MADV_COLLAPSE, "madv-collapse") \
	X(THP_KHUGEPAGED_PMD, "khugepaged-pmd") X(THP_KHUGEPAGED_MTHP, "khugepaged-mthp")
enum thp_phase { THP_PHASES(ENUM_VALUE) NR_THP_PHASES };

/* The options (thp.c's table). */
struct thp_opts {
	struct opt_choices phases;	/* enum thp_phase */
	struct opt_choices sizes;	/* thp.c's enum fault_size */
	uint64_t size;			/* fault-alloc's region */
	uint64_t collapse_size;		/* the collapse phases' region */
	struct opt_choices occupancy;	/* thp.c's enum occupancy */
	struct opt_nums max_ptes_none;
	uint64_t mthp_size;
	uint64_t timeout;		/* seconds */
	enum prewarm prewarm;
};

/* One case: the phase and the folio size it is about. */
struct thp_case {
	enum thp_phase phase;
	size_t size;		/* folio size in bytes (4096: no THP at all) */
	size_t stride;		/* collapse: one page populated in every @stride */
};

/* A region aligned to the PMD size, so that any folio size can map it. */
struct thp_region {
	char *map;		/* what mmap returned (over-mapped by one PMD) */
	size_t map_len;
	char *p;		/* aligned start */
	size_t len;
};

/* State of one case between setup and teardown. */
struct thp_state {
	struct counters *cnt;	/* minor-faults around the fault loop; NULL if unavailable */
};

/* Why a size other than the PMD size cannot be chosen before Linux 6.8. */
#define THP_NO_PER_SIZE	"kernel has no per-size THP controls (6.8)"

/* thp.c */
extern size_t thp_pmd_size;
/*
 * Whether hugepages-<N>kB/enabled exist (6.8+). Without them the PMD size is the
 * only THP size and thp.enabled governs it; its stats are thp_* in /proc/vmstat.
 */
extern bool thp_per_size;

/* thp_mem.c */
int thp_region_map(struct thp_region *r, size_t len);
void thp_region_unmap(struct thp_region *r);
/*
 * Mean ns per dependent read in the pages p + k * step * 4K (k < n), visited in a
 * strided order that defeats the prefetcher and page-walk locality. Writes a
 * pointer into each of those pages (they must be populated already).
 */
double thp_access_ns(char *p, size_t n, size_t step);
/* Folios of exactly @size mapping the range (pagemap + kpageflags); -errno. */
int thp_region_folios(const char *p, size_t len, size_t size, uint64_t *nr);
/* Metric region_folios of the range, or (not privileged) smaps for the PMD size, or a param saying why not. */
void thp_case_folios(struct bench_case *c, const char *p, size_t len, size_t size,
		     enum better better);
/* "hugepages-64kB" stat file @stat as a number; -errno. */
int thp_size_stat(size_t size, const char *stat, uint64_t *val);
/* A file under khugepaged/ ("pages_collapsed", "full_scans"); -errno. */
int thp_khugepaged_stat(const char *name, uint64_t *val);

/* thp_fault.c */
int thp_fault_run(struct bench_ctx *ctx, struct bench_case *c, struct thp_state *st);

/* thp_collapse.c */
/* NULL when MADV_COLLAPSE works here (tried on one populated PMD range), else why not. */
const char *thp_madv_collapse_probe(void);
int thp_collapse_setup(struct bench_ctx *ctx, struct bench_case *c);
int thp_collapse_run(struct bench_ctx *ctx, struct bench_case *c);

#endif
