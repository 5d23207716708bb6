/* What the two files of the fault-around bench (fault_around.c, fault_around_file.c) share. */
#ifndef MMBENCH_BENCHES_FAULT_AROUND_H
#define MMBENCH_BENCHES_FAULT_AROUND_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/bench.h"
#include "sys/counters.h"

#define PAGE		4096ul
#define NR_FOLIO_SIZES	9	/* 2048 kB down to 8 kB: the mTHP sizes shmem may allocate */

enum backend { BK_TMPFS, BK_SHMEM, BK_DISK, NR_BACKENDS };

struct worker;

struct fa_state {
	enum backend backend;
	int fd, mnt_fd;
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

/* Creates the file of a tmpfs or disk case into @st->fd (unlinked, or O_TMPFILE); 0, BENCH_SKIP or -errno. */
int fault_around_open_file(struct bench_ctx *ctx, struct bench_case *c, struct fa_state *st);
/* Writes @len bytes into @fd and syncs them; 0 or -errno. */
int fault_around_fill(int fd, size_t len);
/* Every page of the first @len bytes of @st->fd in the page cache; 0, BENCH_SKIP or -errno. */
int fault_around_make_resident(struct bench_case *c, struct fa_state *st, size_t len);
/* The filesystem of @fd as the param "fs". */
void fault_around_record_fs(struct bench_case *c, int fd);
/* The shmem_alloc counter of each of the NR_FOLIO_SIZES sizes into @v. */
void fault_around_shmem_alloc_snap(uint64_t *v);
/* The largest folio allocated since @before (a snapshot) as the param "folio_kib". */
void fault_around_record_folio(struct bench_case *c, const uint64_t *before);

#endif
