/* vma-lock: page-fault throughput across threads under per-VMA locks, with and without mmap_lock writers. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "core/bench.h"
#include "sys/counters.h"
#include "sys/timing.h"
#include "sys/topology.h"
#include "sys/vmstat.h"
#include "vma_lock_work.h"

#define MAX_SAMPLES	1000
#define LOCK_EVENT	"mmap_lock:mmap_lock_start_locking"

static const char *const mode_words[VL_NR_MODES] = { VL_MODES(ENUM_WORD) };
static const char *const kind_words[VL_NR_KINDS] = { VL_KINDS(ENUM_WORD) };

/* The plan's model (vl_rep_seconds()): what a repetition takes beyond its warmup and samples */
#define VL_FIXED_S	0.04

struct vl_opts {
	struct opt_choices mode, kind, placement;	/* enum vl_mode, vl_kind, placement */
	struct opt_nums threads;
	uint64_t size, interval, samples, warmup;
};

static const struct bench_opt vl_opts[] = {
	{ .name = "mode", .type = OPT_LIST, OPT_AT(struct vl_opts, mode),
	  .def = { ALL_WORDS(VL_MODES) }, .choices = VL_MODES(CHOICE_WORD),
	  .help = "how the faulting threads share VMAs and mm (processes: the ideal line)" },
	{ .name = "kind", .type = OPT_LIST, OPT_AT(struct vl_opts, kind),
	  .def = { "anon-write", NULL, "anon-write,anon-read" }, .choices = VL_KINDS(CHOICE_WORD),
	  .help = "fault kind: anonymous write or read (zero page), tmpfs (memfd) read or shared write" },
	/* 8 a CPU at most: deeper than that a case times the run queue, not the fault path (docs/scaling.md) */
	{ .name = "threads", .type = OPT_UINT_LIST, OPT_AT(struct vl_opts, threads),
	  .def = { "1,2", "pow2", "pow2,2ncpus" }, .min = 1, .max_per_cpu = 8,
	  .help = "faulting threads (or processes); ncpus, 2ncpus and pow2 (1,2,4..ncpus) expand" },
	{ .name = "placement", .type = OPT_LIST, OPT_AT(struct vl_opts, placement),
	  .def = { "compact", NULL, "compact,scatter" }, .choices = PLACEMENTS(CHOICE_WORD),
	  .help = "compact fills one socket first; scatter round-robins sockets and NUMA nodes" },
	{ .name = "size", .type = OPT_SIZE, OPT_AT(struct vl_opts, size),
	  .def = { "32M", "64M", "128M" }, .min = 2ull << 20, .max = 1ull << 40, .unit = "bytes",
	  .help = "bytes each thread faults per pass, in whole 2 MiB (will-it-scale: 128M)" },
	{ .name = "interval", .type = OPT_UINT, OPT_AT(struct vl_opts, interval),
	  .def = { "200", "250", "1000" }, .min = 10, .max = 600000, .unit = "ms",
	  .help = "length of one interval (latency is gathered per interval)" },
	{ .name = "samples", .type = OPT_UINT, OPT_AT(struct vl_opts, samples),
	  .def = { "2", "2", "3" }, .min = 1, .max = MAX_SAMPLES,
	  .help = "intervals per repetition; the repetition is one measurement over all of them" },
	{ .name = "warmup", .type = OPT_UINT, OPT_AT(struct vl_opts, warmup),
	  .def = { "100", "200", "1000" }, .min = 0, .max = 600000, .unit = "ms",
	  .help = "faulting before the first sample, discarded" },
	{ .name = NULL },
};

/* Each thread (or process) of the largest case faults its own size. */
static uint64_t vl_mem_bytes(const struct bench_ctx *ctx)
{
	const struct vl_opts *o = ctx->o;

	return o->size * (o->threads.n ? o->threads.v[o->threads.n - 1] : 1);
}

/* The plan's model: a repetition lasts its warmup and samples, plus starting its threads. */
static double vl_rep_seconds(const struct bench_ctx *ctx, const struct bench_case *c)
{
	const struct vl_opts *o = ctx->o;

	(void)c;
	return VL_FIXED_S + (o->warmup + o->interval * o->samples) / 1000.0;
}

static const char *vl_probe(struct bench_ctx *ctx)
{
	(void)ctx;
	if (topo_init() < 0)
		return "hwloc cannot read the topology: threads cannot be placed";
	return NULL;
}

/*
 * Keys stay "mode=shared-vma threads=2" for the default kind and placement;
 * the others join the key so runs with different ones never match in compare.
 */
static int vl_add_case(struct case_list *list, enum vl_mode mode, enum vl_kind kind,
		       enum placement place, uint64_t threads)
{
	struct vl_case vc = { mode, kind, place, (unsigned)threads };
	struct bench_case *c = case_new(list);

	if (!c)
		return -ENOMEM;
	case_param_str(c, "mode", mode_words[vc.mode]);
	if (vc.kind != VL_ANON_WRITE)
		case_param_str(c, "kind", kind_words[vc.kind]);
	if (vc.place != PLACE_COMPACT)
		case_param_str(c, "placement", placement_name(vc.place));
	case_param_num(c, "threads", (double)vc.nr);
	*CASE_DATA(c, struct vl_case) = vc;
	if (vc.place == PLACE_SCATTER && topo_sockets() <= 1 && topo_numa_nodes() <= 1)
		case_skip(c, "one socket and one NUMA node: scatter places threads as compact does");
	return 0;
}

/* Threads ascending within each mode, kind and placement (the order of the list, not of the run). */
static int vl_cases(struct bench_ctx *ctx, struct case_list *list)
{
	const struct vl_opts *o = ctx->o;
	int ret = 0;

	if (o->size % VL_ALIGN)
		bench_log(ctx, "size rounded down to %llu bytes (whole 2 MiB)",
			  (unsigned long long)(o->size & ~(VL_ALIGN - 1)));
	for (int m = 0; m < o->mode.n; m++)
		for (int k = 0; k < o->kind.n; k++)
			for (int p = 0; p < o->placement.n; p++)
				for (int t = 0; t < o->threads.n && !ret; t++)
					ret = vl_add_case(list, o->mode.v[m], o->kind.v[k],
							  o->placement.v[p], o->threads.v[t]);
	return ret;
}

/* The file behind the tmpfs kinds, written so every page is in the page cache and uptodate. */
static int vl_memfd(struct bench_case *c, size_t len)
{
	static char zero[1 << 20];
	int fd = memfd_create("mmbench-vma-lock", MFD_CLOEXEC);

	if (fd < 0)
		return case_fail(c, errno, "%s: memfd_create", __func__);
	for (size_t off = 0; off < len; off += sizeof(zero)) {
		size_t n = len - off < sizeof(zero) ? len - off : sizeof(zero);

		if (pwrite(fd, zero, n, (off_t)off) != (ssize_t)n) {
			int e = errno ? errno : EIO;

			close(fd);
			return case_fail(c, e, "%s: pwrite", __func__);
		}
	}
	return fd;
}

static void vl_teardown(struct bench_ctx *ctx, struct bench_case *c)
{
	struct vl_state *vs = ctx->priv;

	(void)c;
	if (!vs)
		return;
	vl_release(&vs->w);
	if (vs->w.sh)
		munmap(vs->w.sh, vs->w.sh_len);
	if (vs->w.memfd >= 0)
		close(vs->w.memfd);
	if (vs->old_thp_disable == 0)
		prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	free(vs->w.tids);
	free(vs->w.pids);
	free(vs->scratch);
	free(vs->res);
	free(vs);
	ctx->priv = NULL;
}

/* What a case's workers need, made: THP off for this process, the slots and rings, the file. */
static int vl_setup_case(struct bench_case *c, struct vl_state *vs)
{
	struct vl_work *w = &vs->w;
	size_t lat_bytes;
	uint64_t need;
	int ret;

	lat_bytes = (size_t)w->nr * VL_LAT_MAX * sizeof(uint32_t);
	need = (uint64_t)w->nr * w->slice + 2 * lat_bytes;
	ret = case_need_mem(c, need);
	if (ret)
		return ret;

	/*
	 * One fault must map one 4 KiB page whatever THP and mTHP are set to, or
	 * touches and faults part: THP is off for this process (forked workers
	 * inherit it) until teardown, rather than by writing the global knobs.
	 * Already disabled (in any of its forms: we madvise nothing): left alone.
	 */
	vs->old_thp_disable = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
	if (vs->old_thp_disable < 0)
		return case_fail(c, errno, "%s: PR_GET_THP_DISABLE", __func__);
	if (vs->old_thp_disable == 0 && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)) {
		vs->old_thp_disable = -1;
		return case_fail(c, errno, "%s: PR_SET_THP_DISABLE", __func__);
	}

	w->sh_len = sizeof(*w->sh) + w->nr * sizeof(w->sh->slot[0]) + lat_bytes;
	w->sh = mmap(NULL, w->sh_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	vs->scratch = malloc(lat_bytes);
	vs->res = calloc((size_t)vs->nsamples * R_NR, sizeof(double));
	w->tids = calloc(w->nr, sizeof(*w->tids));
	w->pids = calloc(w->nr, sizeof(*w->pids));
	if (w->sh == MAP_FAILED) {
		w->sh = NULL;
		return -ENOMEM;
	}
	if (!vs->scratch || !vs->res || !w->tids || !w->pids)
		return -ENOMEM;
	/* Prefaulted here: the counted faults are the workers' touches alone. */
	memset(w->sh, 0, w->sh_len);
	memset(vs->scratch, 0, lat_bytes);
	w->lat = (uint32_t *)&w->sh->slot[w->nr];

	if (w->kind == VL_TMPFS_READ || w->kind == VL_TMPFS_WRITE) {
		w->memfd = vl_memfd(c, (size_t)w->nr * w->slice);
		if (w->memfd < 0)
			return w->memfd;
	}
	if (w->kind == VL_TMPFS_READ) {
		/* A read fault maps the fault-around window: touch one page per window. */
		long pages = vl_fault_window(w->memfd);

		if (pages <= 0)
			return case_fail(c, pages ? (int)-pages : EIO,
					 "%s: cannot measure the fault-around window", __func__);
		w->stride *= (size_t)pages;
		case_param_num(c, "pages_per_fault", (double)pages);
	}
	return 0;
}

static int vl_setup(struct bench_ctx *ctx, struct bench_case *c)
{
	const struct vl_opts *o = ctx->o;
	const struct vl_case *vc = CASE_DATA(c, struct vl_case);
	struct vl_state *vs = calloc(1, sizeof(*vs));
	struct vl_work *w;

	if (!vs)
		return -ENOMEM;
	/* the driver's teardown follows whatever this returns: it takes what was made */
	ctx->priv = vs;
	w = &vs->w;
	w->memfd = -1;
	vs->old_thp_disable = -1;
	w->mode = vc->mode;
	w->kind = vc->kind;
	w->place = vc->place;
	w->nr = vc->nr;
	w->slice = o->size & ~(VL_ALIGN - 1);
	w->stride = (size_t)sysconf(_SC_PAGESIZE);

	vs->nsamples = o->samples;
	vs->interval_ns = o->interval * 1000000ull;
	vs->warmup_ns = o->warmup * 1000000ull;
	vs->cpus_avail = vl_cpus_avail(w);
	if (!case_param(c, "kind"))
		case_param_str(c, "kind", kind_words[w->kind]);
	if (!case_param(c, "placement"))
		case_param_str(c, "placement", placement_name(w->place));
	return vl_setup_case(c, vs);
}

/* vma_lock_* exist only with CONFIG_PER_VMA_LOCK_STATS (the manifest says which): recorded when present. */
static const char *const vl_vmstat_names[] = { "pgfault", "vma_lock_*", NULL };

/*
 * How much of that the workers got: on a busy machine a low rate may be
 * other load, not the kernel, and this says so.
 */
static void vl_record_cpu(struct bench_ctx *ctx, struct vl_state *vs, struct bench_case *c,
			  struct counters *cnt)
{
	double pct = -1;

	/* the task-clock over the window the fault counts span (read beside them) */
	for (int i = 0; i < vs->nr_cv; i++)
		if (!strcmp(counters_label(cnt, i), "task-clock") && vs->cv0[i].supported &&
		    vs->cv1[i].supported && vs->window > 0)
			pct = (vs->cv1[i].val - vs->cv0[i].val) / 1e7 / (vs->window * vs->cpus_avail);
	if (pct < 0)
		return;
	case_metric(c, "worker_cpu_pct", "%", BETTER_NONE, pct);
	if (pct < 90)
		bench_log(ctx, "%s: workers ran %.0f%% of the time they could: other load on the machine",
			  c->key, pct);
}

/* Middle value of the intervals' latency percentiles @k (R_P50, R_P99); -1 when none had samples. */
static double vl_interval_median(const struct vl_state *vs, enum vl_res k)
{
	double v[MAX_SAMPLES];
	size_t n = 0;

	for (unsigned s = 0; s < vs->nsamples; s++)
		if (vs->res[(size_t)s * R_NR + k] >= 0)
			v[n++] = vs->res[(size_t)s * R_NR + k];
	if (!n)
		return -1;
	gsl_sort(v, 1, n);
	return gsl_stats_median_from_sorted_data(v, 1, n);
}

/*
 * One value per metric per repetition. Rates and mmap_lock_per_kfault are totals
 * over the whole measured region (faults over seconds, locks over faults): a
 * ratio of sums weighs every fault alike. The latency percentiles are the median
 * of the intervals' percentiles: a worker's ring holds one interval, and the
 * median keeps one interval the sampler woke late for from moving the value.
 */
static void vl_record(struct bench_ctx *ctx, struct vl_state *vs, struct bench_case *c,
		      struct counters *cnt)
{
	struct vl_work *w = &vs->w;
	double p50 = vl_interval_median(vs, R_P50), p99 = vl_interval_median(vs, R_P99);

	case_metric(c, "faults_per_sec", "faults/s", BETTER_HIGHER, vs->fps);
	case_metric(c, "faults_per_sec_thread_min", "faults/s", BETTER_HIGHER, vs->tmin);
	case_metric(c, "faults_per_sec_thread_max", "faults/s", BETTER_HIGHER, vs->tmax);
	if (p50 >= 0) {
		case_metric(c, "lat_p50_ns", "ns", BETTER_LOWER, p50);
		case_metric(c, "lat_p99_ns", "ns", BETTER_LOWER, p99);
	}
	if (vs->lock >= 0)
		case_metric(c, "mmap_lock_per_kfault", "locks/kfault", BETTER_LOWER, vs->lock);
	/* every fault the workers counted while the perf counters ran: checked against minor-faults */
	case_metric(c, "faults", "faults", BETTER_NONE, (double)vs->faults);
	/* share of the workers' time in the reclaim step, which the rate includes */
	case_metric(c, "reclaim_pct", "%", BETTER_NONE,
		    vs->reclaim_ns / 1e7 / (vs->secs * w->nr));
	if (w->mode == VL_CHURN)
		case_metric(c, "churn_ops_per_sec", "ops/s", BETTER_NONE, vs->churn_ops / vs->secs);
	vl_record_cpu(ctx, vs, c, cnt);
}

static int vl_run(struct bench_ctx *ctx, struct bench_case *c, unsigned rep)
{
	struct vl_state *vs = ctx->priv;
	struct vl_work *w = &vs->w;
	struct vmstat_snap before = { 0 }, after = { 0 };
	uint64_t *buf;
	struct counters *cnt = NULL;
	int ret, err;

	(void)rep;
	buf = calloc(3 * (size_t)w->nr, sizeof(uint64_t));
	if (!buf)
		return -ENOMEM;
	memset(w->sh, 0, sizeof(*w->sh) + w->nr * sizeof(w->sh->slot[0]));
	/* A fresh mapping per repetition: none inherits page tables or VMA state from the last. */
	ret = vl_prepare(w);
	if (ret) {
		free(buf);
		return case_fail(c, ret, "%s: mapping %zu bytes", __func__,
				 (size_t)w->nr * w->slice);
	}

	/*
	 * The churn thread starts before the counters open, so perf does not
	 * inherit into it: mmap_lock_start_locking then counts the faulting
	 * threads' acquisitions (their fallbacks and their own reclaim step),
	 * not the writer's own mmap and munmap.
	 */
	if (w->mode == VL_CHURN) {
		ret = vl_churn_start(w);
		if (ret)
			goto out;
	}
	cnt = counters_new(COUNTERS_SELF);
	ret = cnt ? 0 : -ENOMEM;
	if (!ret)
		ret = counters_add(cnt, NULL, "minor-faults", NULL);
	if (!ret)
		ret = counters_add(cnt, NULL, "page-faults", NULL);
	if (!ret)
		ret = counters_add(cnt, NULL, "context-switches", NULL);
	if (!ret)
		ret = counters_add(cnt, NULL, "cpu-migrations", NULL);
	if (!ret)
		ret = counters_add(cnt, NULL, "task-clock", NULL);
	if (!ret)
		ret = counters_add(cnt, "mmap_lock_start_locking", LOCK_EVENT, NULL);
	if (!ret)
		ret = counters_open(cnt);
	if (!ret)
		ret = vl_workers_start(w);
	if (ret)
		goto out_stop;

	vl_sleep_until(now_ns() + vs->warmup_ns);
	ret = vmstat_snap(&before);
	if (ret)
		goto out_stop;
	vl_measure(vs, cnt, buf, buf + w->nr, buf + 2 * w->nr);
	ret = vmstat_snap(&after);
out_stop:
	err = vl_workers_stop(w);
	if (err && !ret)
		ret = case_fail(c, err, "%s: a worker failed", __func__);
	if (!ret) {
		vl_record(ctx, vs, c, cnt);
		/* the counters over the window the workers' own counts span, read beside them */
		case_counters_between(c, cnt, vs->cv0, vs->cv1, vs->nr_cv);
		case_vmstat_deltas(c, &before, &after, vl_vmstat_names);
	}
out:
	vl_release(w);
	vmstat_snap_free(&before);
	vmstat_snap_free(&after);
	counters_free(cnt);
	free(buf);
	return ret;
}

/* The 1-thread case of @c's mode, kind and placement, if it ran. */
static struct bench_case *vl_one_thread(struct case_list *list, const struct bench_case *c)
{
	const struct vl_case *vc = CASE_DATA(c, struct vl_case);

	for (int i = 0; i < list->nr; i++) {
		struct bench_case *o = &list->cases[i];
		const struct vl_case *ov = CASE_DATA(o, struct vl_case);

		if (o->status == CASE_OK && ov->nr == 1 && ov->mode == vc->mode &&
		    ov->kind == vc->kind && ov->place == vc->place)
			return o;
	}
	return NULL;
}

/*
 * scaling, once every case has run, whatever their order: each repetition's rate
 * over threads x the median 1-thread rate of the same mode, kind and placement.
 * Recomputed from scratch if called again, so it never holds more than one value
 * per repetition.
 */
static void vl_finish(struct bench_ctx *ctx, struct case_list *list)
{
	for (int i = 0; i < list->nr; i++) {
		struct bench_case *c = &list->cases[i], *one;
		struct metric *m = case_find_metric(c, "faults_per_sec"), *m1, *old;
		double base;

		if (c->status != CASE_OK || !m || !m->n)
			continue;
		old = case_find_metric(c, "scaling");
		if (old)
			old->n = 0;
		one = vl_one_thread(list, c);
		m1 = one ? case_find_metric(one, "faults_per_sec") : NULL;
		base = m1 && m1->n ? metric_median(m1) * CASE_DATA(c, struct vl_case)->nr : 0;
		if (base <= 0) {
			bench_log(ctx, "%s: no 1-thread case of its mode, kind and placement ran: no scaling",
				  c->key);
			continue;
		}
		for (size_t r = 0; r < m->n; r++)
			case_metric(c, "scaling", "ratio", BETTER_HIGHER,
				    m->samples[r] / base);
	}
}

const struct bench bench_vma_lock = {
	.name = "vma-lock",
	.summary = "page-fault scaling under per-VMA locks: threads, placement, mmap_lock writers",
	.unit_of_work = "one page fault (one touch; tmpfs-read: one fault-around window)",
	.opts = vl_opts,
	.opts_size = sizeof(struct vl_opts),
	.mem_bytes = vl_mem_bytes,
	.rep_seconds = vl_rep_seconds,
	.knobs = (const char *const[]){ NULL },
	.reps = { 1, 5, 10 },
	.probe = vl_probe,
	.cases = vl_cases,
	.setup = vl_setup,
	.run = vl_run,
	.teardown = vl_teardown,
	.finish = vl_finish,
	.mechanism = (const char *const[]){ "mmap_lock_per_kfault", "vmstat:vma_lock_*", NULL },
	.families = (const char *const[]){ "faults_per_sec scaling", NULL },
};
