/* What the two files of the numa-scan bench (numa_scan.c, numa_scan_child.c) share. */
#ifndef MMBENCH_BENCHES_NUMA_SCAN_H
#define MMBENCH_BENCHES_NUMA_SCAN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/bench.h"
#include "sys/counters.h"

#define SKIP_EVENT	"sched:sched_skip_vma_numa"
/*
 * x86's user page-fault tracepoint, filtered on the hardware error code's P bit
 * (X86_PF_PROT, 1): a fault on a present PTE. A NUMA hint fault is on a PROT_NONE
 * PTE, not present to the MMU, so the filter counts the other faults: the write
 * faults on read-only PTEs that follow a migration after 6.1 (docs/DESIGN.md).
 */
#define FAULT_EVENT	"exceptions:page_fault_user"
#define PROT_FILTER	"error_code & 1"
#define MAX_REASONS	16
#define CACHE_LINE	64
#define NR_STATS	5	/* entries of numa_scan_stats[] */

#define MAX_CPUS	1024
#define MAX_NODES	64
#define WARMUP_PASSES	2	/* foreign: the first scan passes of an mm, which never filter by PID */

#define NUMA_SCAN_MODES(X) \
	X(MODE_DISJOINT, "disjoint") X(MODE_SHARED, "shared") X(MODE_IDLE_VMAS, "idle-vmas") \
	X(MODE_FOREIGN, "foreign") X(MODE_NUMA01, "numa01") X(MODE_NUMA02, "numa02")
enum mode { NUMA_SCAN_MODES(ENUM_VALUE) NR_MODES };

/* Modes whose writers share one working VMA (numa02's threads each write a slice of it). */
static inline int mode_one_vma(enum mode m)
{
	return m == MODE_SHARED || m == MODE_NUMA01 || m == MODE_NUMA02;
}

/* Modes in which every writer writes all of the working VMA. */
static inline int mode_all_write_all(enum mode m)
{
	return m == MODE_SHARED || m == MODE_NUMA01;
}

/* Modes whose memory is all first touched on one node, as a main thread's initialisation would. */
static inline int mode_one_node(enum mode m)
{
	return m == MODE_NUMA01 || m == MODE_NUMA02;
}

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
	int mem_node;		/* where it first touches pop; -1: wherever it runs */
	unsigned sleep_ms;	/* foreign's touchers: a pass over base, then this long asleep */
	uint64_t pages;		/* pages written so far, read by the sampler */
	uint64_t minflt;	/* touchers: this thread's minor faults, at each pass's end */
	pid_t os_tid;		/* for the sampler's reads of /proc/self/task/<tid>/stat */
} __attribute__((aligned(CACHE_LINE)));

/* What the child's sampler reads at the start and at the end of a repetition. */
struct sample {
	uint64_t t_ns, sys_ns, sampler_sys_ns, pages, seq;
	int64_t stat[NR_STATS];
	uint64_t skip[MAX_REASONS];
	uint64_t foreign_faults;	/* faults of foreign's touchers: the scanners' PTE updates in their VMAs */
	uint64_t faults;	/* this process's page faults: hint faults and write-protect ones */
	uint64_t wp_faults;	/* those on a present PTE (FAULT_EVENT with PROT_FILTER) */
	/* The writers' minor faults and pages written, summed per node they run on (placed runs only). */
	uint64_t node_faults[MAX_NODES], node_pages[MAX_NODES];
	int seq_ok, node_faults_ok;
};

/* Shared between the parent and the child that runs one repetition. */
struct shared {
	int stop;
	int nr_samples;
	char why[160];		/* why the child failed */
	struct counter_value skip_all, faults, wp_faults, skip[MAX_REASONS];
	struct sample samples[2];	/* the start and the end */
	double warmup_s;	/* foreign: from the writers' start to the clock's */
	/* Where the working pages are at the end (sampled through move_pages), in % of those found. */
	double node_pct[MAX_NODES];
	double local_pct, first_touch_pct;
	double unlocated_pct;	/* of those sampled, the ones move_pages found on no node */
	int nodes_ok;
};

struct numa_scan {
	enum mode mode;
	unsigned nthreads, duration;
	size_t page, size;
	unsigned nr_idle;
	size_t idle_size;
	uint64_t pages_mapped;

	/* In the child: one reservation, cut into one VMA per region by one-page holes. */
	struct region *regions;	/* working ones first, then idle (or foreign) ones */
	int nr_regions, nr_work;
	unsigned nr_foreign, foreign_ms;	/* foreign: VMAs, each with a sleeping toucher */
	struct worker *w;	/* the writers, then foreign's touchers */
	unsigned nr_workers;
	pthread_barrier_t barrier;

	/*
	 * Placement (numa_scan_place.c): writer t runs on cpus[t % nr_cpus] and first
	 * touches its memory on mem_of[t % nr_cpus]; nr_cpus 0: one node, nothing placed.
	 */
	int cpus[MAX_CPUS], mem_of[MAX_CPUS];
	int nr_cpus, nr_nodes;
	int idle_node;		/* where the idle VMAs are populated; -1: anywhere */

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

/* numa_scan_place.c */
void numa_scan_place(struct numa_scan *ns, struct bench_case *c);
void numa_scan_where(struct numa_scan *ns);
void numa_scan_record_nodes(const struct numa_scan *ns, struct bench_case *c);
int numa_scan_order_cpus(int nr_nodes, const int *const *node_cpus, const int *node_nr, int *cpus, int max);
int numa_scan_next_mem_node(int node, int nr_nodes, const unsigned long long *mem);
int numa_scan_first_mem_node(int nr_nodes, const unsigned long long *mem);
void numa_scan_node_bytes(const int *mem_of, int nr_cpus, unsigned first, unsigned n, uint64_t each,
			  uint64_t *bytes, int nr_nodes);

#endif
