/*
 * Sampled profiles of every case's timed region (--kprofile): the sampler is enabled and
 * disabled where the counters are (sys/counters.c's region hook), so every bench is covered without
 * code of its own. Repetitions alternate sampled and unsampled, so each run also measures
 * what sampling costs (A/A: the same case with and without it).
 */
#ifndef MMBENCH_KPROFILE_H
#define MMBENCH_KPROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/bench.h"

#define KPROFILE_PERIOD_NS	1000000	/* cpu-clock: a sample each 1 ms of CPU time */
#define KPROFILE_FREQ_HZ	1000	/* cycles, where the PMU has it: 1000 samples a second */
#define KPROFILE_MAX_STACK	64
#define KPROFILE_PAGES		1024	/* ring buffer per CPU at most: 4 MiB, a 10 s repetition on every CPU */
#define KPROFILE_MIN_PAGES	8	/* at least: 32 KiB, 0.06 s of the deepest chains at 1000 Hz */
#define KPROFILE_MEM_SHARE	64	/* the rings together take at most this fraction of MemTotal */
#define KPROFILE_SAMPLE_MAX	(8 * (4 + KPROFILE_MAX_STACK))	/* bytes of a sample with the deepest chain */
#define KPROFILE_FD_MARGIN	256	/* fds beyond the sampler's one a CPU: counters, benches, files */

/* What bounds the sampler's ring buffers (core/kprofile_ring.c). */
struct kprofile_limits {
	unsigned ncpus;
	uint64_t page;		/* bytes */
	uint64_t mem_total;	/* bytes */
	uint64_t mlock_kb;	/* perf_event_mlock_kb: what a user may lock a CPU before RLIMIT_MEMLOCK counts */
	uint64_t memlock;	/* RLIMIT_MEMLOCK (soft), bytes; UINT64_MAX: unlimited */
	bool exempt;		/* CAP_IPC_LOCK, or perf_event_paranoid -1: no lock limit applies */
};
void kprofile_limits_read(struct kprofile_limits *l, unsigned ncpus);
/* Data pages a CPU's ring gets (a power of two); 0 when too few fit. @why says what bound it, or "". */
unsigned kprofile_ring_pages(const struct kprofile_limits *l, char *why, size_t len);
/* Seconds of sampling a ring of @pages holds at KPROFILE_FREQ_HZ with the deepest chains. */
double kprofile_ring_seconds(unsigned pages, uint64_t page);
uint64_t kprofile_nofile_for(uint64_t need, uint64_t cur, uint64_t max);
/* Raises the soft fd limit to @need if it is lower and the hard one allows; -errno with why. */
int kprofile_fds_ensure(unsigned need, char *why, size_t len);

/*
 * Ask for profiles for the rest of this process: reads kallsyms and opens the sampler.
 * Where sampling is not allowed (perf_event_paranoid, CAP_PERFMON, kptr_restrict) the
 * reason is kept, every profile says it, and the run goes on. Logs one line on @log.
 */
void kprofile_start(FILE *log);
bool kprofile_requested(void);
void kprofile_stop(void);

/* Around one repetition of @c (the driver): which profile it goes to, and whether it is sampled. */
void kprofile_rep_begin(const struct bench_ctx *ctx, struct bench_case *c, unsigned rep);
void kprofile_rep_end(struct bench_case *c);

/* Around the timed region (counters_enable/counters_disable): samples only in a sampled repetition. */
void kprofile_resume(void);
void kprofile_pause(void);

/*
 * The bench's profiles, every case of @list given its status (when --kprofile was asked;
 * else *@out NULL): 0, or -ENOMEM. results/kprofile_file.c writes them, then
 * kprofile_bench_done() lets them go.
 */
struct kprofile_file;
int kprofile_collect(const struct bench_ctx *ctx, const struct case_list *list, struct kprofile_file **out);
void kprofile_bench_done(void);

#endif
