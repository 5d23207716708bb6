/* numa-scan: what the NUMA-balancing scanner costs for a sharing pattern, and how often PID filtering skips VMAs. */
#include <errno.h>
#include <limits.h>
#include <numaif.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "counters.h"
#include "knobs.h"
#include "procfs.h"
#include "timing.h"
#include "topology.h"
#include "vmstat.h"

#define SKIP_EVENT	"sched:sched_skip_vma_numa"
#define MAX_REASONS	16
#define CACHE_LINE	64
#define BATCH_PAGES	64	/* pages between two updates of a worker's counter */

enum mode { MODE_DISJOINT, MODE_SHARED, MODE_IDLE_VMAS, NR_MODES };

static const char *const mode_names[NR_MODES] = { "disjoint", "shared", "idle-vmas" };

/*
 * The reasons of Linux 6.18, used only to name the metrics that cannot be counted
 * on a kernel without the tracepoint or its reason field; the numbers always come
 * from the format file.
 */
static const char *const known_reasons[] = {
	"unsuitable", "shared_ro", "inaccessible", "scan_delay", "pid_inactive",
	"ignore_pid_inactive", "seq_completed", NULL
};

/* /proc/vmstat counters of NUMA balancing (system-wide): the metric each makes, if any, and which way is better. */
static const struct {
	const char *vmstat, *metric;
	enum better better;
} numa_stats[] = {
	{ "numa_pte_updates",		"pte_updates",		BETTER_LOWER },
	{ "numa_hint_faults",		"hint_faults",		BETTER_LOWER },
	{ "numa_hint_faults_local",	"hint_faults_local",	BETTER_NONE },
	{ "numa_pages_migrated",	"pages_migrated",	BETTER_NONE },
	{ "numa_huge_pte_updates",	NULL,			BETTER_NONE },
};
#define NR_STATS	(int)(sizeof(numa_stats) / sizeof(numa_stats[0]))

static const struct bench_opt numa_scan_opts[] = {
	{ .name = "mode", .type = OPT_LIST, .def = { "disjoint,shared,idle-vmas" },
	  .choices = "disjoint|shared|idle-vmas",
	  .help = "disjoint: each thread writes its own VMA; shared: all write one VMA; idle-vmas: disjoint plus VMAs nobody touches" },
	{ .name = "threads", .type = OPT_UINT_LIST, .def = { "ncpus" }, .min = 1, .max = 4096,
	  .max_per_cpu = 8,
	  .help = "writer threads (at least 2: filtering is by the PID of the scanning thread)" },
	{ .name = "duration", .type = OPT_UINT, .def = { "3", "15", "60" }, .min = 1, .max = 3600,
	  .unit = "s", .help = "seconds each case runs; metrics are sampled every second" },
	{ .name = "size", .type = OPT_SIZE, .def = { "16M", "64M", "128M" }, .min = 1 << 20,
	  .max = 1ull << 40, .unit = "B",
	  .help = "memory each thread writes (shared: threads x size in one VMA); with threads x size up to scan_size_mb (256 MB) one scan covers all of it" },
	{ .name = "idle_vmas", .type = OPT_UINT, .def = { "64" }, .min = 1, .max = 4096,
	  .help = "idle-vmas: VMAs populated at the start and never touched again" },
	{ .name = "idle_size", .type = OPT_SIZE, .def = { "1M" }, .min = 4096, .max = 1ull << 32,
	  .unit = "B", .help = "idle-vmas: size of each idle VMA" },
	{ .name = NULL },
};

static const char *const numa_scan_knobs[] = { "kernel.numa_balancing", NULL };

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

/* What the child's sampler reads every second; deltas of two make one sample. */
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
	struct sample samples[];	/* duration + 1 */
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

/*
 * One counting event per value of the reason field in the format text of
 * sched_skip_vma_numa: label "skip_<name>", filter "reason==<value>". Returns how
 * many, or -errno (-ENOENT: no symbolic reason field).
 */
int numa_scan_skip_events(const char *format_text, char labels[][48], char filters[][32], int max)
{
	char names[MAX_REASONS][32];
	int values[MAX_REASONS], n;

	n = tracepoint_parse_symbols(format_text, "reason", names, values, MAX_REASONS);
	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++) {
		snprintf(labels[i], 48, "skip_%.31s", names[i]);
		/* A metric name is one word: anything odd in a symbol becomes '_'. */
		for (char *p = labels[i]; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
				*p = '_';
		snprintf(filters[i], 32, "reason==%d", values[i]);
	}
	return n;
}

static void load_skip_events(struct numa_scan *ns)
{
	const char *dir = tracefs_dir();
	char path[PATH_MAX], *text;
	int n;

	ns->nr_skips = 0;
	if (!dir) {
		snprintf(ns->skip_why, sizeof(ns->skip_why), "no tracefs: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/events/sched/sched_skip_vma_numa/format", dir);
	text = malloc(65536);
	if (!text) {
		snprintf(ns->skip_why, sizeof(ns->skip_why), "%s", strerror(ENOMEM));
		return;
	}
	n = read_text(path, text, 65536);
	if (n) {
		snprintf(ns->skip_why, sizeof(ns->skip_why), "no tracepoint %s: %s", SKIP_EVENT,
			 strerror(-n));
	} else {
		n = numa_scan_skip_events(text, ns->skip_label, ns->skip_filter, MAX_REASONS);
		if (n < 0)
			snprintf(ns->skip_why, sizeof(ns->skip_why),
				 "%s has no symbolic reason field: %s", SKIP_EVENT, strerror(-n));
		else
			ns->nr_skips = n;
	}
	free(text);
}

static const char *numa_scan_probe(struct bench_ctx *ctx)
{
	(void)ctx;
	if (access("/proc/sys/kernel/numa_balancing", F_OK))
		return "kernel without CONFIG_NUMA_BALANCING (no /proc/sys/kernel/numa_balancing)";
	return NULL;
}

static int numa_scan_cases(struct bench_ctx *ctx, struct case_list *list)
{
	const char *modes[NR_MODES];
	uint64_t threads[64];
	int nm = opt_list(ctx, "mode", modes, NR_MODES);
	int nt = opt_u64_list(ctx, "threads", threads, 64);

	for (int i = 0; i < nm; i++) {
		for (int j = 0; j < nt; j++) {
			struct bench_case *c = case_new(list);
			int m = 0;

			if (!c)
				return -ENOMEM;
			while (m < NR_MODES && strcmp(mode_names[m], modes[i]))
				m++;
			case_param_str(c, "mode", modes[i]);
			case_param_num(c, "threads", threads[j]);
			case_knob(c, "kernel.numa_balancing", "1");
			c->arg[0] = m;
			c->arg[1] = (long)threads[j];
			if (threads[j] < 2)
				case_skip(c, "threads=%llu: PID filtering is between threads, it needs at least 2",
					  (unsigned long long)threads[j]);
		}
	}
	return 0;
}

/* The values in force of a knob, or why it cannot be read, as an info param. */
static void record_knob(struct bench_case *c, const char *param, const char *knob)
{
	char val[64], text[96];
	int r = knob_read(knob, val, sizeof(val));

	if (r)
		snprintf(text, sizeof(text), "unreadable: %s", strerror(-r));
	else
		snprintf(text, sizeof(text), "%s", val);
	case_param_str(c, param, text);
}

/*
 * With two nodes or more, memory goes on the first node with memory and threads on
 * the CPUs of another, so that hint faults are remote and pages migrate.
 */
static void choose_placement(struct numa_scan *ns, struct bench_case *c)
{
	unsigned nodes = topo_numa_nodes();
	char text[96];

	ns->mem_node = -1;
	ns->nr_cpus = 0;
	for (unsigned m = 0; nodes >= 2 && m < nodes && ns->mem_node < 0; m++) {
		if (!topo_node_memory(m))
			continue;
		for (unsigned n = 0; n < nodes; n++) {
			int k = n == m ? 0 : topo_node_cpus(n, ns->cpus, 256);

			if (k > 0) {
				ns->mem_node = m;
				ns->nr_cpus = k;
				snprintf(text, sizeof(text), "memory on node %u, threads on node %u", m, n);
				break;
			}
		}
	}
	if (ns->mem_node < 0)
		snprintf(text, sizeof(text), nodes < 2 ? "migration impossible: one node" :
			 "migration impossible: no node with CPUs apart from the memory's");
	case_param_str(c, "placement", text);
}

static void numa_scan_teardown(struct bench_ctx *ctx, struct bench_case *c);

static int numa_scan_setup(struct bench_ctx *ctx, struct bench_case *c)
{
	struct numa_scan *ns;
	uint64_t bytes;
	int err;

	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->mode = c->arg[0];
	ns->nthreads = c->arg[1];
	ns->duration = opt_u64(ctx, "duration");
	ns->page = sysconf(_SC_PAGESIZE);
	ns->size = opt_u64(ctx, "size") & ~(ns->page - 1);
	ns->nr_idle = ns->mode == MODE_IDLE_VMAS ? opt_u64(ctx, "idle_vmas") : 0;
	ns->idle_size = (opt_u64(ctx, "idle_size") + ns->page - 1) & ~(ns->page - 1);
	ns->nr_work = ns->mode == MODE_SHARED ? 1 : ns->nthreads;
	ns->nr_regions = ns->nr_work + ns->nr_idle;
	bytes = (uint64_t)ns->size * ns->nthreads + (uint64_t)ns->idle_size * ns->nr_idle;
	ns->pages_mapped = bytes / ns->page;
	ns->regions = calloc(ns->nr_regions, sizeof(*ns->regions));
	ns->w = aligned_alloc(CACHE_LINE, ns->nthreads * sizeof(*ns->w));
	/* The child writes its samples here; the parent reads them once it has exited. */
	ns->sh_len = sizeof(*ns->sh) + (ns->duration + 1) * sizeof(struct sample);
	ns->sh = mmap(NULL, ns->sh_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ns->sh == MAP_FAILED)
		ns->sh = NULL;
	ctx->priv = ns;
	err = !ns->regions || !ns->w || !ns->sh ? -ENOMEM : case_need_mem(c, bytes);
	if (err) {
		/* No teardown follows a setup that fails. */
		numa_scan_teardown(ctx, c);
		return err;
	}

	choose_placement(ns, c);
	load_skip_events(ns);
	record_knob(c, "scan_delay_ms", "numa.scan_delay_ms");
	record_knob(c, "scan_period_min_ms", "numa.scan_period_min_ms");
	record_knob(c, "scan_size_mb", "numa.scan_size_mb");
	case_param_num(c, "pages_mapped", (double)ns->pages_mapped);
	case_param_str(c, "vmstat_scope", "system-wide: other NUMA-balanced processes add to it");
	case_param_str(c, "sys_ms_source", "getrusage of the child less its sampler thread (tick-sampled)");
	return 0;
}

/*
 * The regions are cut from one reservation with a one-page hole after each, so
 * that every region is a VMA of its own (adjacent anonymous mappings would merge).
 * 4 KiB pages throughout (MADV_NOHUGEPAGE): pte_updates then counts pages whatever
 * the THP setting. The child's exit unmaps them.
 */
static int map_regions(struct numa_scan *ns)
{
	size_t len = 0;
	char *p;

	for (int i = 0; i < ns->nr_regions; i++) {
		ns->regions[i].len = i < ns->nr_work ?
			(ns->mode == MODE_SHARED ? ns->size * ns->nthreads : ns->size) : ns->idle_size;
		len += ns->regions[i].len + ns->page;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	madvise(p, len, MADV_NOHUGEPAGE);
	for (int i = 0; i < ns->nr_regions; i++) {
		ns->regions[i].addr = p;
		p += ns->regions[i].len;
		munmap(p, ns->page);
		p += ns->page;
	}
	return 0;
}

/*
 * Touch every page of [p, p+len) on the memory node when there is placement. Only
 * the calling thread's policy is bound, and only meanwhile: the VMAs keep the
 * default policy, so NUMA balancing may migrate their pages.
 */
static int populate(const struct numa_scan *ns, char *p, size_t len)
{
	unsigned long mask[16] = { 0 };

	if (ns->mem_node >= 0) {
		mask[ns->mem_node / 64] |= 1ul << (ns->mem_node % 64);
		if (set_mempolicy(MPOL_BIND, mask, sizeof(mask) * 8))
			return -errno;
	}
	for (size_t off = 0; off < len; off += ns->page)
		p[off] = 1;
	if (ns->mem_node >= 0 && set_mempolicy(MPOL_DEFAULT, NULL, 0))
		return -errno;
	return 0;
}

/* One unit of work: one page written, a store to each of its cache lines. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct numa_scan *ns = w->ns;
	const int *stop = &ns->sh->stop;
	size_t i = w->first;
	uint64_t done = 0;

	if (w->cpu >= 0)
		topo_pin_self(w->cpu);
	/* numa01's THREAD_ALLOC shape: each thread faults in its own memory first. */
	if (w->pop_len && populate(ns, w->pop, w->pop_len))
		__atomic_store_n(&ns->sh->stop, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait((pthread_barrier_t *)&ns->barrier);	/* populated */
	pthread_barrier_wait((pthread_barrier_t *)&ns->barrier);	/* the clock runs */
	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		for (int b = 0; b < BATCH_PAGES; b++) {
			char *p = w->base + i * ns->page;

			for (size_t off = 0; off < ns->page; off += CACHE_LINE)
				*(volatile uint64_t *)(p + off) = done;
			if (++i == w->npages)
				i = 0;
		}
		done += BATCH_PAGES;
		__atomic_store_n(&w->pages, done, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int start_workers(struct numa_scan *ns)
{
	size_t slice = ns->size / ns->page;

	for (unsigned t = 0; t < ns->nthreads; t++) {
		struct worker *w = &ns->w[t];
		const struct region *r = &ns->regions[ns->mode == MODE_SHARED ? 0 : t];
		int err;

		memset(w, 0, sizeof(*w));
		w->ns = ns;
		w->base = r->addr;
		w->npages = r->len / ns->page;
		/* Shared: each thread populates a slice, and starts writing there rather than on the same lines. */
		w->first = ns->mode == MODE_SHARED ? t * slice : 0;
		w->pop = r->addr + w->first * ns->page;
		w->pop_len = ns->size;
		w->cpu = ns->nr_cpus ? ns->cpus[t % ns->nr_cpus] : -1;
		err = pthread_create(&w->tid, NULL, worker_main, w);
		if (err)
			return -err;
	}
	return 0;
}

/* mm->numa_scan_seq from /proc/self/sched: one more each time the scanner wraps to the start of the address space. */
static int read_scan_seq(uint64_t *seq)
{
	char line[256];
	int found = 0;
	FILE *f = fopen("/proc/self/sched", "re");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "mm->numa_scan_seq : %llu", &v) == 1) {
			*seq = v;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static void take_sample(struct numa_scan *ns, struct counters *cnt, struct sample *s)
{
	struct vmstat_snap v = { 0 };
	struct counter_value cv;
	struct rusage ru;
	uint64_t user;

	memset(s, 0, sizeof(*s));
	s->t_ns = now_ns();
	if (!vmstat_snap(&v))
		for (int i = 0; i < NR_STATS; i++)
			s->stat[i] = vmstat_get(&v, numa_stats[i].vmstat);
	vmstat_snap_free(&v);
	cpu_times_ns(&user, &s->sys_ns);
	if (!getrusage(RUSAGE_THREAD, &ru))
		s->sampler_sys_ns = ru.ru_stime.tv_sec * 1000000000ull + ru.ru_stime.tv_usec * 1000ull;
	for (unsigned t = 0; t < ns->nthreads; t++)
		s->pages += __atomic_load_n(&ns->w[t].pages, __ATOMIC_RELAXED);
	s->seq_ok = read_scan_seq(&s->seq);
	for (int i = 0; i < ns->nr_skips; i++) {
		struct counter_value cv;

		if (!counters_read(cnt, ns->skip_label[i], &cv) && cv.supported)
			s->skip[i] = cv.val;
	}
	if (!counters_read(cnt, "self_faults", &cv) && cv.supported)
		s->faults = cv.val;
}

static struct counters *skip_counters(const struct numa_scan *ns)
{
	struct counters *cnt = counters_new(COUNTERS_SELF);

	if (!cnt)
		return NULL;
	/* Every skip, whatever the reason: the per-reason counts should add up to it. */
	counters_add(cnt, "skip_all", SKIP_EVENT, NULL);
	/*
	 * The writers fault only on NUMA hint faults once their memory is populated:
	 * unlike /proc/vmstat, this counts this process alone.
	 */
	counters_add(cnt, "self_faults", "page-faults", NULL);
	for (int i = 0; i < ns->nr_skips; i++)
		counters_add(cnt, ns->skip_label[i], SKIP_EVENT, ns->skip_filter[i]);
	return cnt;
}

/*
 * One repetition in a child process, so that the mm being scanned holds only the
 * writers and the child's main thread, which samples for a few microseconds a
 * second and so never accrues the CPU time that would make it scan (a thread
 * scans once per numa_scan_period of its own run time). In this process the
 * sampler would scan, find no PID of its own in any VMA and skew the skip counts.
 */
static int child_run(struct numa_scan *ns)
{
	struct shared *sh = ns->sh;
	struct counters *cnt;
	unsigned started = 0;
	int err;

	/* The parent restores the knobs; the child dies with it and never runs its handlers. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	err = map_regions(ns);
	if (err) {
		snprintf(sh->why, sizeof(sh->why), "mmap: %s", strerror(-err));
		return err;
	}
	for (int i = ns->nr_work; i < ns->nr_regions && !err; i++)
		err = populate(ns, ns->regions[i].addr, ns->regions[i].len);
	cnt = skip_counters(ns);
	/* Opened before the writers exist: they and their task_work inherit the events. */
	if (!err)
		err = cnt ? counters_open(cnt) : -ENOMEM;
	if (!err)
		err = -pthread_barrier_init(&ns->barrier, NULL, ns->nthreads + 1);
	if (err) {
		snprintf(sh->why, sizeof(sh->why), "populate or counters: %s", strerror(-err));
		return err;
	}
	err = start_workers(ns);
	if (err) {
		snprintf(sh->why, sizeof(sh->why), "pthread_create: %s", strerror(-err));
		_exit(1);	/* writers wait on a barrier that will never fill */
	}
	started = ns->nthreads;
	pthread_barrier_wait(&ns->barrier);
	if (__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		snprintf(sh->why, sizeof(sh->why), "populate on node %d failed", ns->mem_node);
		err = -EIO;
	}
	counters_enable(cnt);
	take_sample(ns, cnt, &sh->samples[0]);
	pthread_barrier_wait(&ns->barrier);
	for (unsigned s = 1; !err && s <= ns->duration; s++) {
		uint64_t t = sh->samples[0].t_ns + s * 1000000000ull;
		struct timespec ts = { .tv_sec = t / 1000000000ull, .tv_nsec = t % 1000000000ull };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		take_sample(ns, cnt, &sh->samples[s]);
		sh->nr_samples = s + 1;
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	for (unsigned t = 0; t < started; t++)
		pthread_join(ns->w[t].tid, NULL);
	counters_disable(cnt);
	counters_read(cnt, "skip_all", &sh->skip_all);
	counters_read(cnt, "self_faults", &sh->faults);
	for (int i = 0; i < ns->nr_skips; i++)
		counters_read(cnt, ns->skip_label[i], &sh->skip[i]);
	counters_free(cnt);
	return err;
}

/* System time of the child less its sampler's own: the scanner runs in the writers' task_work. */
static double sys_ms(const struct sample *a, const struct sample *b)
{
	int64_t d = (int64_t)(b->sys_ns - a->sys_ns) - (int64_t)(b->sampler_sys_ns - a->sampler_sys_ns);

	return d > 0 ? d / 1e6 : 0;
}

static void record_second(const struct numa_scan *ns, struct bench_case *c,
			  const struct sample *a, const struct sample *b)
{
	double dt = (b->t_ns - a->t_ns) / 1e9;
	char name[64];

	for (int i = 0; i < NR_STATS; i++) {
		if (!numa_stats[i].metric)
			continue;
		snprintf(name, sizeof(name), "%s_per_s", numa_stats[i].metric);
		case_metric(c, name, "/s", numa_stats[i].better, (b->stat[i] - a->stat[i]) / dt);
	}
	if (ns->sh->faults.supported)
		case_metric(c, "self_hint_faults_per_s", "/s", BETTER_LOWER, (b->faults - a->faults) / dt);
	case_metric(c, "sys_ms_per_s", "ms/s", BETTER_LOWER, sys_ms(a, b) / dt);
	case_metric(c, "work_mib_per_sec", "MiB/s", BETTER_HIGHER,
		    (double)(b->pages - a->pages) * ns->page / (1 << 20) / dt);
	for (int i = 0; i < ns->nr_skips; i++) {
		/* A reason whose event did not open has no metric, only its counter with why. */
		if (!ns->sh->skip[i].supported)
			continue;
		snprintf(name, sizeof(name), "%s_per_s", ns->skip_label[i]);
		case_metric(c, name, "/s", BETTER_NONE, (b->skip[i] - a->skip[i]) / dt);
	}
}

static void record_run(const struct numa_scan *ns, struct bench_case *c)
{
	const struct shared *sh = ns->sh;
	const struct sample *a = &sh->samples[0], *b = &sh->samples[sh->nr_samples - 1];
	char label[48];

	for (int i = 0; i < NR_STATS; i++) {
		case_vmstat(c, numa_stats[i].vmstat, b->stat[i] - a->stat[i]);
		if (numa_stats[i].metric)
			case_metric(c, numa_stats[i].metric, "pages", numa_stats[i].better,
				    b->stat[i] - a->stat[i]);
	}
	case_metric(c, "sys_ms", "ms", BETTER_LOWER, sys_ms(a, b));
	if (sh->faults.supported)
		case_metric(c, "self_hint_faults", "faults", BETTER_LOWER, b->faults - a->faults);
	case_counter(c, "self_faults", sh->faults.supported, sh->faults.reason,
		     sh->faults.val, sh->faults.ena, sh->faults.run);
	case_counter(c, "skip_all", sh->skip_all.supported, sh->skip_all.reason,
		     sh->skip_all.val, sh->skip_all.ena, sh->skip_all.run);
	for (int i = 0; i < ns->nr_skips; i++) {
		const struct counter_value *v = &sh->skip[i];

		case_counter(c, ns->skip_label[i], v->supported, v->reason, v->val, v->ena, v->run);
		if (v->supported)
			case_metric(c, ns->skip_label[i], "skips", BETTER_NONE, b->skip[i] - a->skip[i]);
	}
	for (int i = 0; !ns->nr_skips && known_reasons[i]; i++) {
		snprintf(label, sizeof(label), "skip_%s", known_reasons[i]);
		case_counter(c, label, false, ns->skip_why, 0, 0, 0);
	}
	/* Exact: how often the scanner wrapped around the address space (every VMA visited or skipped). */
	if (a->seq_ok && b->seq_ok)
		case_metric(c, "scan_passes", "passes", BETTER_NONE, b->seq - a->seq);
	/*
	 * Passes that covered the working set: once populated, a written page faults
	 * only after a pass made it PROT_NONE, so this process's faults per page written
	 * count them, whatever else /proc/vmstat sees.
	 */
	if (sh->faults.supported)
		case_metric(c, "est_scan_passes", "passes", BETTER_NONE,
			    (double)(b->faults - a->faults) * ns->page / ((double)ns->size * ns->nthreads));
}

static int numa_scan_run(struct bench_ctx *ctx, struct bench_case *c, unsigned rep)
{
	struct numa_scan *ns = ctx->priv;
	struct shared *sh = ns->sh;
	int status;
	pid_t pid;

	memset(sh, 0, ns->sh_len);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return case_fail(c, -errno, "fork: %s", strerror(errno));
	if (!pid)
		_exit(child_run(ns) ? 1 : 0);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return case_fail(c, -errno, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) || sh->nr_samples < 2)
		return case_fail(c, -EIO, "child: %s", sh->why[0] ? sh->why :
				 WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "failed");
	for (int s = 1; s < sh->nr_samples; s++)
		record_second(ns, c, &sh->samples[s - 1], &sh->samples[s]);
	record_run(ns, c);
	if (ctx->verbose)
		bench_log(ctx, "%s rep %u: %llu scan passes, child's mm->numa_scan_seq from %llu",
			  c->key, rep, (unsigned long long)(sh->samples[sh->nr_samples - 1].seq -
							    sh->samples[0].seq),
			  (unsigned long long)sh->samples[0].seq);
	return 0;
}

static void numa_scan_teardown(struct bench_ctx *ctx, struct bench_case *c)
{
	struct numa_scan *ns = ctx->priv;

	(void)c;
	if (!ns)
		return;
	if (ns->sh)
		munmap(ns->sh, ns->sh_len);
	free(ns->regions);
	free(ns->w);
	free(ns);
	ctx->priv = NULL;
}

const struct bench bench_numa_scan = {
	.name		= "numa-scan",
	.summary	= "NUMA-balancing scan cost (PTE updates, hint faults, system time) and VMA skips by reason, per sharing pattern",
	.unit_of_work	= "one page written (a store to each cache line) by a writer thread",
	.opts		= numa_scan_opts,
	.knobs		= numa_scan_knobs,
	/* One run per case: its statistics come from the per-second samples within it (quick: 3 x 15 s). */
	.reps		= { 1, 1, 3 },
	.probe		= numa_scan_probe,
	.cases		= numa_scan_cases,
	.setup		= numa_scan_setup,
	.run		= numa_scan_run,
	.teardown	= numa_scan_teardown,
};
