/* What the two files of the numa-scan bench (numa_scan.c, numa_scan_child.c) share. */
#ifndef MMBENCH_BENCHES_NUMA_SCAN_H
#define MMBENCH_BENCHES_NUMA_SCAN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "core/bench.h"
#include "sys/counters.h"

#define SKIP_EVENT	"sched:sched_skip_vma_numa"
#define MAX_REASONS	16
#define CACHE_LINE	64
#define NR_STATS	5	/* entries of numa_scan_stats[] */

#define NUMA_SCAN_MODES(X) \
	X(MODE_DISJOINT, "disjoint") X(MODE_SHARED, "shared") X(MODE_IDLE_VMAS, "idle-vmas")
enum mode { NUMA_SCAN_MODES(ENUM_VALUE) NR_MODES };

/* /proc/vmstat counters of NUMA balancing (system-wide): the metric each makes, if any, its unit, and which way is better. */
struct numa_scan_stat {
	const char *vmstat, *metric, *unit;
	enum better better;
};
extern const struct numa_scan_stat numa_scan_stats[];

struct region {
	char *addr;
	size_t len;
};

/* A writer thread of the child: it populates its part, then writes its VMA until told to stop. */
struct worker {
	pthread_t tid;
	const struct numa_scan *ns;
	char *base;		/* the VMA it writes */
	size_t npages, first;	/* pages in it, where this thread starts */
	char *pop;		/* what it populates before the clock starts */
	size_t pop_len;
	int cpu;		/* -1: left to the scheduler */
	uint64_t pages;		/* pages written so far, read by the sampler */
} __attribute__((aligned(CACHE_LINE)));

/* What the child's sampler reads at the start and at the end of a repetition. */
struct sample {
	uint64_t t_ns, sys_ns, sampler_sys_ns, pages, seq;
	int64_t stat[NR_STATS];
	uint64_t skip[MAX_REASONS];
	uint64_t faults;	/* this process's page faults: NUMA hint faults once populated */
	int seq_ok;
};

/* Shared between the parent and the child that runs one repetition. */
struct shared {
	int stop;
	int nr_samples;
	char why[160];		/* why the child failed */
	struct counter_value skip_all, faults, skip[MAX_REASONS];
	struct sample samples[2];	/* the start and the end */
};

struct numa_scan {
	enum mode mode;
	unsigned nthreads, duration;
	size_t page, size;
	unsigned nr_idle;
	size_t idle_size;
	uint64_t pages_mapped;

	/* In the child: one reservation, cut into one VMA per region by one-page holes. */
	struct region *regions;	/* working ones first, then idle ones */
	int nr_regions, nr_work;
	struct worker *w;
	pthread_barrier_t barrier;

	int mem_node;		/* -1: one node, no placement */
	int cpus[256];
	int nr_cpus;

	/* One counting event per skip reason, or why there is none. */
	char skip_label[MAX_REASONS][48];
	char skip_filter[MAX_REASONS][32];
	int nr_skips;
	char skip_why[96];

	struct shared *sh;
	size_t sh_len;
};

/* numa_scan.c */
int numa_scan_skip_events(const char *format_text, char labels[][48], char filters[][32], int max);

/* numa_scan_child.c */
int numa_scan_child_run(struct numa_scan *ns);

#endif
