/*
 * Sampled profiles of every case's timed region (--kprofile): the sampler is enabled and
 * disabled where the counters are (sys/counters.c's region hook), so every bench is covered without
 * code of its own. Repetitions alternate sampled and unsampled, so each run also measures
 * what sampling costs (A/A: the same case with and without it).
 */
#ifndef MMBENCH_KPROFILE_H
#define MMBENCH_KPROFILE_H

#include <stdbool.h>
#include "core/bench.h"

#define KPROFILE_PERIOD_NS	1000000	/* cpu-clock: a sample each 1 ms of CPU time */
#define KPROFILE_FREQ_HZ	1000	/* cycles, where the PMU has it: 1000 samples a second */
#define KPROFILE_MAX_STACK	64
#define KPROFILE_PAGES		1024	/* ring buffer per CPU: 4 MiB, a 10 s repetition on every CPU */

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
