/* What the vma-lock bench's fault loops share with its driver side (benches/vma_lock.c). */
#ifndef MMBENCH_VMA_LOCK_WORK_H
#define MMBENCH_VMA_LOCK_WORK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/bench.h"
#include "sys/counters.h"
#include "sys/topology.h"

#define VL_MAX_COUNTERS	8

/* The modes and fault kinds with their words: the enums, the words of a case and the options' choices. */
#define VL_MODES(X) \
	X(VL_SHARED, "shared-vma") X(VL_PRIVATE, "private-vma") X(VL_CHURN, "mmap-churn") \
	X(VL_MTU, "map-touch-unmap") X(VL_PROCS, "processes")
enum vl_mode { VL_MODES(ENUM_VALUE) VL_NR_MODES };
#define VL_KINDS(X) \
	X(VL_ANON_WRITE, "anon-write") X(VL_ANON_READ, "anon-read") \
	X(VL_TMPFS_READ, "tmpfs-read") X(VL_TMPFS_WRITE, "tmpfs-write")
enum vl_kind { VL_KINDS(ENUM_VALUE) VL_NR_KINDS };

/* One case (CASE_DATA): its threads' mode, fault kind and placement, and how many there are. */
struct vl_case {
	enum vl_mode mode;
	enum vl_kind kind;
	enum placement place;
	unsigned nr;
};

/* Latency ring per worker: 1 in 64 faults over one interval must fit (4M faults a thread). */
#define VL_LAT_MAX	(1u << 16)
#define VL_LAT_EVERY	64

#define VL_ALIGN	(2ul << 20)	/* slices start on a PMD: no two workers share a PTE table */

/* One worker's counters, alone in its cache line: only its worker writes it. */
struct vl_slot {
	uint64_t faults;
	uint64_t reclaim_ns;	/* time in MADV_DONTNEED or munmap+mmap */
	uint64_t nlat;		/* latency samples written so far (ring index) */
	int err;		/* errno that stopped the worker, 0 if none */
} __attribute__((aligned(64)));

/* Lives in a MAP_SHARED mapping so forked processes report through it too. */
struct vl_shared {
	int stop __attribute__((aligned(64)));
	uint64_t churn_ops __attribute__((aligned(64)));
	int churn_err;
	struct vl_slot slot[];
};

struct vl_work {
	enum vl_mode mode;
	enum vl_kind kind;
	enum placement place;
	unsigned nr;		/* faulting threads or processes */
	size_t slice;		/* bytes each worker faults per pass */
	size_t stride;		/* bytes between touches: a page, or the fault-around window */
	int memfd;		/* tmpfs kinds, else -1 */
	char *area;		/* shared-vma/mmap-churn: the VMA; private-vma: the reservation */
	size_t area_len;
	struct vl_shared *sh;	/* slots, then the latency rings */
	size_t sh_len;
	uint32_t *lat;		/* nr rings of VL_LAT_MAX */
	pthread_t *tids;
	pid_t *pids;
	pthread_t churn;
	bool churn_on;
	unsigned started;
};

/* Untimed: map what the mode needs before the workers start; -errno. */
int vl_prepare(struct vl_work *w);
void vl_release(struct vl_work *w);
/* Pages mapped by one read fault of the tmpfs file (the fault-around window), or -errno. */
long vl_fault_window(int fd);

/* CPU-seconds per second the workers can have as they are pinned (others of ours share CPUs). */
double vl_cpus_avail(const struct vl_work *w);

/* The churn thread must start before the counters open (so its own locking is not counted). */
int vl_churn_start(struct vl_work *w);
int vl_workers_start(struct vl_work *w);
/* Stop and reap every worker and the churn thread; -errno of the first failure. */
int vl_workers_stop(struct vl_work *w);

struct counters;

/* One case's state from setup to teardown. */
struct vl_state {
	struct vl_work w;
	unsigned nsamples;	/* intervals of one repetition */
	uint64_t interval_ns;
	uint64_t warmup_ns;
	int old_thp_disable;
	uint32_t *scratch;	/* latency samples of one interval, all workers */
	/*
	 * One repetition's values, over its whole measured region: the faults the
	 * workers counted while the perf counters ran, their rate (and each worker's,
	 * the slowest and the fastest), the mmap_lock acquisitions per 1000 of them
	 * (-1: not counted).
	 */
	uint64_t faults, reclaim_ns, churn_ops;
	double secs;
	double window;		/* seconds between the two reads of the counters (cv0, cv1) */
	double fps, tmin, tmax, lock;
	double cpus_avail;	/* CPU-seconds per second the workers can have */
	double *res;		/* per interval: see enum vl_res (-1: no latency sample) */
	/* every counter read right beside the workers' fault counts, at both ends */
	struct counter_value cv0[VL_MAX_COUNTERS], cv1[VL_MAX_COUNTERS];
	int nr_cv;
};

enum vl_res { R_P50, R_P99, R_NR };

/* Sleep to an absolute CLOCK_MONOTONIC time in ns. */
void vl_sleep_until(uint64_t deadline);
/*
 * The timed region of one repetition: its values into vs, each interval's
 * latency percentiles into vs->res; counters run only inside it. @first, @cur
 * and @nlat0 are scratch arrays of vs->w.nr entries (allocated by the caller,
 * beforehand).
 */
void vl_measure(struct vl_state *vs, struct counters *cnt, uint64_t *first,
		uint64_t *cur, uint64_t *nlat0);

static inline uint64_t vl_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

#endif
