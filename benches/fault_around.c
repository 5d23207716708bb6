/* fault-around: read faults of file-backed mappings whose pages are in the page cache (do_read_fault -> filemap_map_pages). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "core/bench.h"
#include "sys/counters.h"
#include "fault_around.h"
#include "sys/memutil.h"
#include "sys/procfs.h"
#include "sys/timing.h"
#include "sys/topology.h"

#define SPARSE_STEP	(2ul << 20)	/* one page per PMD: the worst case of the original series */
#define STRIDE_PAGES	16
#define PERM_SEED	0x5eed5eedull

#define FA_PATTERNS(X) \
	X(PAT_SEQ, "seq") X(PAT_STRIDE, "stride") X(PAT_RANDOM, "random") X(PAT_SPARSE, "sparse")
enum pattern { FA_PATTERNS(ENUM_VALUE) NR_PATTERNS };

static const char *const backend_words[NR_BACKENDS] = { FA_BACKENDS(ENUM_WORD) };
static const char *const pattern_words[NR_PATTERNS] = { FA_PATTERNS(ENUM_WORD) };

/* One case (CASE_DATA): what is mapped, in which order its pages are touched, by how many threads. */
struct fa_case {
	enum backend backend;
	enum pattern pattern;
	unsigned threads;
};

/* The plan's model (fa_rep_seconds()): a line through smoke and quick runs on this 2-CPU guest (6.18) */
#define FA_FIXED_S	0.005
#define FA_S_PER_GIB	0.235

static const struct bench_opt fa_opts[] = {
	{ .name = "size", .type = OPT_SIZE, OPT_AT(struct fa_opts, size),
	  .def = { "16M", "256M", "4G" }, .min = 2 << 20, .max = 1ull << 40, .unit = "bytes",
	  .help = "file (or shmem) size, split into one slice per thread" },
	{ .name = "backend", .type = OPT_LIST, OPT_AT(struct fa_opts, backend),
	  .def = { ALL_WORDS(FA_BACKENDS) }, .choices = FA_BACKENDS(CHOICE_WORD),
	  .help = "tmpfs: a tmpfs file; shmem: MAP_SHARED|MAP_ANONYMOUS (folio size from "
		  "hugepages-*kB/shmem_enabled); disk: a file beside the results" },
	{ .name = "pattern", .type = OPT_LIST, OPT_AT(struct fa_opts, pattern),
	  .def = { ALL_WORDS(FA_PATTERNS) }, .choices = FA_PATTERNS(CHOICE_WORD),
	  .help = "order in which pages are touched" },
	/* 1 a CPU: each thread reads a slice of its own; two on a CPU would take turns, not read side by side */
	{ .name = "threads", .type = OPT_UINT_LIST, OPT_AT(struct fa_opts, threads),
	  .def = { "1,ncpus", "1,ncpus", "pow2,ncpus" },
	  .min = 1, .max = 1024, .max_per_cpu = 1, .unit = "threads",
	  .help = "threads, each with its own mapping of its own slice" },
	{ .name = "tmpfs_huge", .type = OPT_CHOICE, OPT_AT(struct fa_opts, tmpfs_huge),
	  .def = { "shm" }, .choices = FA_TMPFS_HUGE(CHOICE_WORD),
	  .help = "shm: /dev/shm as mounted; else a private tmpfs mounted with huge=VALUE "
		  "(detached, so nothing is left mounted)" },
	{ 0 }
};

/* The file, in the page cache (tmpfs in a guest): the threads share it, a slice each. */
static uint64_t fa_mem_bytes(const struct bench_ctx *ctx)
{
	return ((const struct fa_opts *)ctx->o)->size;
}

/* The plan's model: the file's pages read through fresh mappings; seconds per GiB on the development guest. */
static double fa_rep_seconds(const struct bench_ctx *ctx, const struct bench_case *c)
{
	(void)c;
	return FA_FIXED_S + FA_S_PER_GIB * fa_mem_bytes(ctx) / (double)(1ull << 30);
}

/*
 * The knobs that decide what this bench measures. Its cases set none (it runs at the
 * values in force); `mmbench sweep` runs it by default when one of these is swept.
 */
static const char *const fa_knobs[] = {
	"fault_around_bytes", "thp.shmem_enabled", "thp.hugepages-*.shmem_enabled", NULL
};

static const char *fa_probe(struct bench_ctx *ctx)
{
	(void)ctx;
	return NULL;
}

static int fa_cases(struct bench_ctx *ctx, struct case_list *list)
{
	const struct fa_opts *o = ctx->o;

	for (int b = 0; b < o->backend.n; b++) {
		for (int p = 0; p < o->pattern.n; p++) {
			for (int t = 0; t < o->threads.n; t++) {
				struct fa_case fc = { o->backend.v[b], o->pattern.v[p],
						      (unsigned)o->threads.v[t] };
				struct bench_case *c = case_new(list);

				if (!c)
					return -ENOMEM;
				case_param_str(c, "backend", backend_words[fc.backend]);
				case_param_str(c, "pattern", pattern_words[fc.pattern]);
				case_param_num(c, "threads", fc.threads);
				*CASE_DATA(c, struct fa_case) = fc;
			}
		}
	}
	return 0;
}

static uint32_t *pattern_pages(enum pattern p, size_t slice, unsigned seed, size_t *n)
{
	size_t total = slice / PAGE, step = 1;
	uint32_t *v;

	if (p == PAT_STRIDE)
		step = STRIDE_PAGES;
	else if (p == PAT_SPARSE)
		step = SPARSE_STEP / PAGE;
	*n = (total + step - 1) / step;
	v = malloc(*n * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < *n; i++)
		v[i] = i * step;
	if (p == PAT_RANDOM) {
		/* a fixed seed: the same permutation on every run */
		uint64_t s = PERM_SEED + seed;

		for (size_t i = *n - 1; i > 0; i--) {
			size_t j = mem_xorshift(&s) % (i + 1);
			uint32_t t = v[i];

			v[i] = v[j];
			v[j] = t;
		}
	}
	return v;
}

/*
 * The default madvise state is kept on purpose: it is what readers of files get. On this
 * kernel MADV_RANDOM does not turn fault-around off (should_fault_around() looks only at
 * ->map_pages, userfaultfd and fault_around_bytes; measured: the same 1/16 faults per page
 * on tmpfs with and without it); it only stops readahead, moot when every page is cached.
 */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct fa_state *st = w->st;
	unsigned seen = 0;

	w->err = topo_pin_self(w->cpu);
	for (;;) {
		pthread_mutex_lock(&st->lock);
		while (st->gen == seen && !st->quit)
			pthread_cond_wait(&st->go, &st->lock);
		seen = st->gen;
		pthread_mutex_unlock(&st->lock);
		if (st->quit)
			break;

		const volatile char *m = w->map;
		unsigned long sum = 0;
		long f0 = mem_thread_minflt();
		uint64_t t0 = now_ns();

		for (size_t i = 0; i < w->npages; i++)
			sum += m[(size_t)w->pages[i] * PAGE];
		w->ns = now_ns() - t0;
		w->minflt = mem_thread_minflt() - f0;
		w->sink += sum;

		pthread_mutex_lock(&st->lock);
		if (!--st->busy)
			pthread_cond_signal(&st->idle);
		pthread_mutex_unlock(&st->lock);
	}
	return NULL;
}

/* One pass of every worker; returns the wall time in ns. */
static uint64_t workers_pass(struct fa_state *st)
{
	uint64_t t0 = now_ns();

	pthread_mutex_lock(&st->lock);
	st->busy = st->started;
	st->gen++;
	pthread_cond_broadcast(&st->go);
	while (st->busy)
		pthread_cond_wait(&st->idle, &st->lock);
	pthread_mutex_unlock(&st->lock);
	return now_ns() - t0;
}

/* The workers' page lists, then the threads, which wait for workers_pass(). */
static int workers_start(struct bench_case *c, struct fa_state *st, enum pattern pattern)
{
	int err;

	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->go, NULL);
	pthread_cond_init(&st->idle, NULL);
	st->sync_init = true;
	for (unsigned i = 0; i < st->nthreads; i++) {
		struct worker *w = &st->w[i];

		w->st = st;
		w->idx = i;
		w->cpu = topo_cpu_for(i, PLACE_COMPACT);
		w->off = (off_t)i * st->slice;
		w->pages = pattern_pages(pattern, st->slice, i, &w->npages);
		if (!w->pages)
			return -ENOMEM;
	}
	for (; st->started < st->nthreads; st->started++) {
		err = pthread_create(&st->w[st->started].th, NULL, worker_main,
				     &st->w[st->started]);
		if (err)
			return case_fail(c, err, "pthread_create");
	}
	return 0;
}

static int fa_setup(struct bench_ctx *ctx, struct bench_case *c)
{
	const struct fa_opts *o = ctx->o;
	const struct fa_case *fc = CASE_DATA(c, struct fa_case);
	struct fa_state *st = calloc(1, sizeof(*st));
	uint64_t size = o->size, alloc[NR_FOLIO_SIZES];
	int err;

	if (!st)
		return -ENOMEM;
	/* the driver's teardown follows whatever this returns: it takes what was made */
	ctx->priv = st;
	st->fd = st->mnt_fd = -1;
	st->ops = fa_backends[fc->backend];
	st->nthreads = fc->threads;
	/* slices stay PMD-aligned so that sparse touches whole 2 MiB steps and PMD mapping is possible */
	st->slice = size / st->nthreads / SPARSE_STEP * SPARSE_STEP;
	if (!st->slice)
		return case_skip(c, "size %llu MiB is less than 2 MiB per thread",
				 (unsigned long long)(size >> 20));
	size = st->slice * st->nthreads;
	err = case_need_mem(c, size + size / PAGE * sizeof(uint32_t));
	if (err)
		return err;
	case_param_knob(c, "fault_around_bytes", "fault_around_bytes");
	case_param_num(c, "slice_kib", st->slice >> 10);

	st->w = calloc(st->nthreads, sizeof(*st->w));
	if (!st->w)
		return -ENOMEM;
	fault_around_shmem_alloc_snap(alloc);
	err = st->ops->setup(ctx, c, st, size);
	if (err)
		return err;
	if (st->ops->shmem_folios)
		fault_around_record_folio(c, alloc);

	/* opened before the threads exist, so that their faults are counted too */
	st->cnt = counters_new(COUNTERS_SELF);
	if (!st->cnt)
		return -ENOMEM;
	counters_add(st->cnt, NULL, "minor-faults", NULL);
	counters_add(st->cnt, NULL, "major-faults", NULL);
	err = counters_open(st->cnt);
	if (err)
		return case_fail(c, err, "counters_open");
	return workers_start(c, st, fc->pattern);
}

static int map_fresh(struct bench_case *c, struct fa_state *st)
{
	for (unsigned i = 0; i < st->nthreads; i++) {
		struct worker *w = &st->w[i];

		w->map = st->ops->map(st, w);
		if (w->map == MAP_FAILED) {
			w->map = NULL;
			return case_fail(c, errno, "mapping slice %u", i);
		}
	}
	return 0;
}

static void unmap_all(struct fa_state *st)
{
	for (unsigned i = 0; i < st->nthreads; i++) {
		if (st->w[i].map)
			munmap(st->w[i].map, st->slice);
		st->w[i].map = NULL;
	}
}

static int fa_run(struct bench_ctx *ctx, struct bench_case *c, unsigned rep)
{
	struct fa_state *st = ctx->priv;
	double rss = 0, pmd = 0, thread_ns = 0, pages = 0;
	long long pte0, pte1;
	uint64_t wall;
	long rusage_flt = 0;
	int err;

	(void)rep;
	if (st->ops->refresh) {
		err = st->ops->refresh(c, st);
		if (err)
			return err;
	}
	err = map_fresh(c, st);
	if (err)
		goto out;
	pte0 = self_status_kb("VmPTE");
	counters_reset(st->cnt);
	counters_enable(st->cnt);
	wall = workers_pass(st);
	counters_disable(st->cnt);
	pte1 = self_status_kb("VmPTE");
	/* read after a pass: a worker pins itself before its first wait, under st->lock */
	for (unsigned i = 0; i < st->nthreads; i++)
		if (st->w[i].err) {
			err = case_fail(c, st->w[i].err, "pinning thread %u to CPU %d", i,
					st->w[i].cpu);
			goto out;
		}

	for (unsigned i = 0; i < st->nthreads; i++) {
		struct worker *w = &st->w[i];
		long long r = self_smaps_range_kb(w->map, st->slice, "Rss");
		long long p = self_smaps_range_kb(w->map, st->slice, st->ops->pmd_field);

		rss += r > 0 ? r : 0;
		pmd += p > 0 ? p : 0;
		thread_ns += w->ns;
		pages += w->npages;
		rusage_flt += w->minflt;
	}
	/*
	 * Each worker's own minor faults around its touches alone (getrusage of the thread):
	 * the process's perf minor-faults, kept beside it as a counter, also has what the
	 * rest of the process faulted while the counters were on, a few faults that are a
	 * fault per page on a sparse pass of 16 pages.
	 */
	double faults = rusage_flt;

	case_param_str(c, "faults_from", "getrusage of each worker around its touches");

	case_metric(c, "ns_per_page", "ns", BETTER_LOWER, thread_ns / pages);
	case_metric(c, "faults_per_page", "faults", BETTER_LOWER, faults / pages);
	if (faults) {
		case_metric(c, "ns_per_fault", "ns", BETTER_NONE, thread_ns / faults);
		case_metric(c, "pages_mapped_per_fault", "pages", BETTER_NONE,
			    rss * 1024 / PAGE / faults);
	}
	case_metric(c, "mapped_kib", "KiB", BETTER_NONE, rss);
	case_metric(c, "pmd_mapped_kib", "KiB", BETTER_NONE, pmd);
	if (pte0 >= 0 && pte1 >= 0)
		case_metric(c, "pte_bytes", "bytes", BETTER_NONE, (pte1 - pte0) * 1024.0);
	case_metric(c, "total_us", "us", BETTER_LOWER, wall / 1e3);
	case_param_num(c, "pages_touched", pages);
	case_counters(c, st->cnt);
out:
	unmap_all(st);
	return err;
}

static void fa_teardown(struct bench_ctx *ctx, struct bench_case *c)
{
	struct fa_state *st = ctx->priv;

	(void)c;
	if (!st)
		return;
	if (st->sync_init) {
		pthread_mutex_lock(&st->lock);
		st->quit = true;
		pthread_cond_broadcast(&st->go);
		pthread_mutex_unlock(&st->lock);
		for (unsigned i = 0; i < st->started; i++)
			pthread_join(st->w[i].th, NULL);
		pthread_cond_destroy(&st->go);
		pthread_cond_destroy(&st->idle);
		pthread_mutex_destroy(&st->lock);
	}
	counters_free(st->cnt);
	st->ops->cleanup(st);
	for (unsigned i = 0; st->w && i < st->nthreads; i++)
		free(st->w[i].pages);
	free(st->w);
	free(st);
	ctx->priv = NULL;
}

const struct bench bench_fault_around = {
	.name = "fault-around",
	.summary = "read faults of cached file pages: how many pages one fault maps, and at what cost",
	.unit_of_work = "one page of a cached file read through a fresh mapping",
	.opts = fa_opts,
	.opts_size = sizeof(struct fa_opts),
	.mem_bytes = fa_mem_bytes,
	.rep_seconds = fa_rep_seconds,
	.knobs = fa_knobs,
	.reps = { 2, 5, 10 },
	.probe = fa_probe,
	.cases = fa_cases,
	.setup = fa_setup,
	.run = fa_run,
	.teardown = fa_teardown,
	.mechanism = (const char *const[]){ "faults_per_page", "pages_mapped_per_fault", NULL },
	.families = (const char *const[]){ "total_us ns_per_page", NULL },
};
