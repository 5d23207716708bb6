/* What the two files of the fault-around bench share: fault_around.c's workers, fault_around_file.c's backends. */
#ifndef MMBENCH_BENCHES_FAULT_AROUND_H
#define MMBENCH_BENCHES_FAULT_AROUND_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/bench.h"
#include "sys/counters.h"

#define PAGE		4096ul
#define NR_FOLIO_SIZES	9	/* 2048 kB down to 8 kB: the mTHP sizes shmem may allocate */

/* What the mapped pages are: the enum, the words of a case and the option's choices. */
#define FA_BACKENDS(X) X(BK_TMPFS, "tmpfs") X(BK_SHMEM, "shmem") X(BK_DISK, "disk")
enum backend { FA_BACKENDS(ENUM_VALUE) NR_BACKENDS };

/* The tmpfs of the tmpfs backend: /dev/shm as mounted, or a private one with huge=WORD. */
#define FA_TMPFS_HUGE(X) \
	X(HUGE_SHM, "shm") X(HUGE_NEVER, "never") X(HUGE_ALWAYS, "always") \
	X(HUGE_WITHIN_SIZE, "within_size") X(HUGE_ADVISE, "advise")
enum tmpfs_huge { FA_TMPFS_HUGE(ENUM_VALUE) NR_TMPFS_HUGE };

struct fa_opts {
	uint64_t size;
	struct opt_choices backend, pattern;	/* enum backend, enum pattern (fault_around.c) */
	struct opt_nums threads;
	enum tmpfs_huge tmpfs_huge;
};

struct fa_state;

/* One thread: its own mapping of its own slice, an index list of the pages it touches. */
struct worker {
	pthread_t th;
	struct fa_state *st;
	unsigned idx;
	int cpu;
	int err;
	off_t off;		/* the slice's offset in the file */
	char *keep;		/* shmem: the mapping that keeps the pages alive between reps */
	char *map;		/* this rep's mapping */
	uint32_t *pages;	/* page indexes in touch order */
	size_t npages;
	uint64_t ns;
	long minflt;		/* getrusage(RUSAGE_THREAD) delta: the fallback without libperf */
	unsigned long sink;
} __attribute__((aligned(64)));

/*
 * A backend: the memory behind the workers' mappings, as operations (after
 * selftests/mm/khugepaged.c's struct mem_ops). The bench around them is the same for all.
 */
struct fa_mem_ops {
	/* The @size bytes behind the slices, resident; 0, BENCH_SKIP or -errno (cleanup follows). */
	int (*setup)(struct bench_ctx *ctx, struct bench_case *c, struct fa_state *st, size_t size);
	/* Untimed, before each repetition (NULL: nothing to do): pages reclaimed since come back. */
	int (*refresh)(struct bench_case *c, struct fa_state *st);
	/* A fresh mapping of @w's slice, none of its pages mapped yet; MAP_FAILED and errno. */
	void *(*map)(const struct fa_state *st, const struct worker *w);
	/* Frees what setup got as far as making. */
	void (*cleanup)(struct fa_state *st);
	const char *pmd_field;	/* the smaps field that counts its PMD mappings */
	bool shmem_folios;	/* its folios are shmem's: the largest one made is the param folio_kib */
};

/* Each backend's operations (fault_around_file.c). */
extern const struct fa_mem_ops *const fa_backends[NR_BACKENDS];

struct fa_state {
	const struct fa_mem_ops *ops;
	int fd, mnt_fd;		/* tmpfs and disk: the file, and a private tmpfs's mount */
	size_t slice;
	unsigned nthreads;
	struct worker *w;
	struct counters *cnt;
	/* a generation count, not a barrier: teardown must work with fewer threads started */
	pthread_mutex_t lock;
	pthread_cond_t go, idle;
	unsigned gen, busy, started;
	bool sync_init, quit;
};

/* The shmem_alloc counter of each of the NR_FOLIO_SIZES sizes into @v. */
void fault_around_shmem_alloc_snap(uint64_t *v);
/* The largest folio allocated since @before (a snapshot) as the param "folio_kib". */
void fault_around_record_folio(struct bench_case *c, const uint64_t *before);

#endif
