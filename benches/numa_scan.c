/* numa-scan: what the NUMA-balancing scanner costs for a sharing pattern, and how often PID filtering skips VMAs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/bench.h"
#include "sys/counters.h"
#include "sys/tracepoint.h"
#include "sys/procfs.h"
#include "knobs/table.h"
#include "numa_scan.h"

static const char *const mode_names[NR_MODES] = { NUMA_SCAN_MODES(ENUM_WORD) };

struct numa_scan_opts {
	struct opt_choices mode;	/* enum mode */
	struct opt_nums threads;
	uint64_t duration;		/* seconds */
	uint64_t size;			/* per thread */
	uint64_t idle_vmas;
	uint64_t idle_size;
	uint64_t foreign_vmas;
	uint64_t foreign_ms;
};

/* One case: the sharing pattern and how many threads write. */
struct numa_scan_case {
	enum mode mode;
	unsigned nthreads;
};

/*
 * The reasons of Linux 6.18, used only to name the metrics that cannot be counted
 * on a kernel without the tracepoint or its reason field; the numbers always come
 * from the format file.
 */
static const char *const known_reasons[] = {
	"unsuitable", "shared_ro", "inaccessible", "scan_delay", "pid_inactive",
	"ignore_pid_inactive", "seq_completed", NULL
};

const struct numa_scan_stat numa_scan_stats[] = {
	{ "numa_pte_updates",		"pte_updates",		"pages",	BETTER_LOWER },
	{ "numa_hint_faults",		"hint_faults",		"faults",	BETTER_LOWER },
	{ "numa_hint_faults_local",	"hint_faults_local",	"faults",	BETTER_NONE },
	{ "numa_pages_migrated",	"pages_migrated",	"pages",	BETTER_NONE },
	{ "numa_huge_pte_updates",	NULL,			NULL,		BETTER_NONE },
};
_Static_assert(sizeof(numa_scan_stats) / sizeof(numa_scan_stats[0]) == NR_STATS, "NR_STATS");

static const struct bench_opt numa_scan_opts[] = {
	{ .name = "mode", .type = OPT_LIST, OPT_AT(struct numa_scan_opts, mode),
	  .def = { "disjoint,shared,idle-vmas,foreign,numa01,numa02" }, .choices = NUMA_SCAN_MODES(CHOICE_WORD),
	  .help = "disjoint: each thread writes its own VMA; shared: all write one VMA; idle-vmas: disjoint plus VMAs nobody touches; "
		  "foreign: threads write small VMAs of their own while sleeping threads rewrite others now and then (PID filtering's subject); "
		  "numa01: all write all of one VMA first touched on one node (autonuma-benchmark's numa01); "
		  "numa02: each thread its own slice of one VMA first touched on one node (numa02)" },
	/* 8 a CPU: a writer scans per period of its own CPU time, which writers sharing a CPU divide */
	{ .name = "threads", .type = OPT_UINT_LIST, OPT_AT(struct numa_scan_opts, threads),
	  .def = { "ncpus" }, .min = 1, .max = 4096, .max_per_cpu = 8,
	  .help = "writer threads (at least 2: filtering is by the PID of the scanning thread)" },
	{ .name = "duration", .type = OPT_UINT, OPT_AT(struct numa_scan_opts, duration),
	  .def = { "3", "10", "60" }, .min = 1, .max = 3600, .unit = "s",
	  .help = "seconds each repetition runs (one value per metric over all of it); on one node the scan period doubles from 1 s, so the third pass, the first that filters by PID, comes after about 7 s" },
	{ .name = "size", .type = OPT_SIZE, OPT_AT(struct numa_scan_opts, size),
	  .def = { "16M", "64M", "128M" }, .min = 1 << 20, .max = 1ull << 40, .unit = "B",
	  .help = "memory each thread writes (shared: threads x size in one VMA); with threads x size up to scan_size_mb (256 MB) one scan covers all of it" },
	{ .name = "idle_vmas", .type = OPT_UINT, OPT_AT(struct numa_scan_opts, idle_vmas),
	  .def = { "64" }, .min = 1, .max = 4096,
	  .help = "idle-vmas: VMAs populated at the start and never touched again" },
	{ .name = "idle_size", .type = OPT_SIZE, OPT_AT(struct numa_scan_opts, idle_size),
	  .def = { "1M" }, .min = 4096, .max = 1ull << 32, .unit = "B",
	  .help = "idle-vmas: size of each idle VMA; foreign: of each VMA, the writers' and the foreign ones" },
	{ .name = "foreign_vmas", .type = OPT_UINT, OPT_AT(struct numa_scan_opts, foreign_vmas),
	  .def = { "16" }, .min = 1, .max = 256,
	  .help = "foreign: VMAs each rewritten by a thread of its own that sleeps between passes (so it almost never scans)" },
	{ .name = "foreign_ms", .type = OPT_UINT, OPT_AT(struct numa_scan_opts, foreign_ms),
	  .def = { "100" }, .min = 10, .max = 10000, .unit = "ms",
	  .help = "foreign: how long each toucher sleeps between its passes" },
	{ .name = NULL },
};

/* Each writer thread of the largest case writes its size, beside the idle VMAs. */
static uint64_t numa_scan_mem_bytes(const struct bench_ctx *ctx)
{
	const struct numa_scan_opts *o = ctx->o;

	return o->size * (o->threads.n ? o->threads.v[o->threads.n - 1] : 1) + o->idle_size * o->idle_vmas;
}

static const char *const numa_scan_knobs[] = { "kernel.numa_balancing", NULL };

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
		if (errno == EACCES)	/* not root: tracefs is unmounted, or root's */
			snprintf(ns->skip_why, sizeof(ns->skip_why),
				 "no tracefs: unmounted or root's, and uid %u lacks CAP_SYS_ADMIN",
				 (unsigned)geteuid());
		else
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
	const struct numa_scan_opts *o = ctx->o;

	/* the first NR_MODES words: a longer list only repeats modes */
	for (int i = 0; i < o->mode.n && i < NR_MODES; i++) {
		enum mode m = o->mode.v[i];

		for (int j = 0; j < o->threads.n; j++) {
			uint64_t threads = o->threads.v[j];
			struct bench_case *c = case_new(list);

			if (!c)
				return -ENOMEM;
			case_param_str(c, "mode", mode_names[m]);
			case_param_num(c, "threads", threads);
			case_knob(c, "kernel.numa_balancing", "1");
			*CASE_DATA(c, struct numa_scan_case) = (struct numa_scan_case){ m, (unsigned)threads };
			if (threads < 2)
				case_skip(c, "threads=%llu: PID filtering is between threads, it needs at least 2",
					  (unsigned long long)threads);
		}
	}
	return 0;
}

/*
 * Seconds the scanner needs to protect @bytes once at its fastest: scan_size_mb a
 * scan, one scan every scan_period_min_ms. 0 when a value is not positive.
 */
double numa_scan_cover_s(uint64_t bytes, double scan_size_mb, double period_min_ms)
{
	if (scan_size_mb <= 0 || period_min_ms <= 0)
		return 0;
	return bytes / (scan_size_mb * 1048576) * period_min_ms / 1000;
}

/* A working set one repetition cannot scan even once makes every per-pass figure partial: said, not hidden. */
static void note_cover(struct bench_ctx *ctx, struct bench_case *c, const struct numa_scan *ns, uint64_t work)
{
	char a[32], b[32];
	double cover;

	/* debugfs may be locked down: the defaults every kernel since 3.8 has, said as such */
	if (knob_read("numa.scan_size_mb", a, sizeof(a)) || knob_read("numa.scan_period_min_ms", b, sizeof(b))) {
		snprintf(a, sizeof(a), "256");
		snprintf(b, sizeof(b), "1000");
		case_param_str(c, "cover_from", "the kernel's default scan_size_mb and scan_period_min_ms (unreadable here)");
	}
	a[strcspn(a, "\n")] = 0;
	b[strcspn(b, "\n")] = 0;
	cover = numa_scan_cover_s(work, strtod(a, NULL), strtod(b, NULL));
	case_param_num(c, "cover_s", cover);
	if (cover > ns->duration)
		bench_log(ctx, "%s: one scan pass over its %llu MiB takes at least %.0f s (scan_size_mb %s "
			  "every %s ms), more than a repetition's %u s: raise numa.scan_size_mb or lower size",
			  c->key, (unsigned long long)(work >> 20), cover, a, b,
			  ns->duration);
}

static int numa_scan_setup(struct bench_ctx *ctx, struct bench_case *c)
{
	const struct numa_scan_opts *o = ctx->o;
	const struct numa_scan_case *nc = CASE_DATA(c, struct numa_scan_case);
	struct numa_scan *ns;
	uint64_t bytes;
	int err;

	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ctx->priv = ns;	/* the driver's teardown frees what is made from here on */
	ns->mode = nc->mode;
	ns->nthreads = nc->nthreads;
	ns->duration = o->duration;
	ns->page = sysconf(_SC_PAGESIZE);
	ns->size = o->size & ~(ns->page - 1);
	ns->nr_idle = ns->mode == MODE_IDLE_VMAS ? o->idle_vmas : 0;
	ns->idle_size = (o->idle_size + ns->page - 1) & ~(ns->page - 1);
	/* foreign: every VMA small, so that the foreign ones are most of what a scan can update */
	if (ns->mode == MODE_FOREIGN)
		ns->size = ns->idle_size;
	ns->nr_foreign = ns->mode == MODE_FOREIGN ? o->foreign_vmas : 0;
	ns->foreign_ms = o->foreign_ms;
	ns->nr_work = mode_one_vma(ns->mode) ? 1 : ns->nthreads;
	ns->nr_regions = ns->nr_work + ns->nr_idle + ns->nr_foreign;
	ns->nr_workers = ns->nthreads + ns->nr_foreign;
	bytes = (uint64_t)ns->size * ns->nthreads + (uint64_t)ns->idle_size * (ns->nr_idle + ns->nr_foreign);
	ns->pages_mapped = bytes / ns->page;
	ns->regions = calloc(ns->nr_regions, sizeof(*ns->regions));
	ns->w = aligned_alloc(CACHE_LINE, ns->nr_workers * sizeof(*ns->w));
	/* The child writes its samples here; the parent reads them once it has exited. */
	ns->sh_len = sizeof(*ns->sh);
	ns->sh = mmap(NULL, ns->sh_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ns->sh == MAP_FAILED)
		ns->sh = NULL;
	err = !ns->regions || !ns->w || !ns->sh ? -ENOMEM : case_need_mem(c, bytes);
	if (err)
		return err;

	numa_scan_place(ns, c);
	if (ns->nr_cpus) {
		/* memory bound to its nodes: numa01 and numa02 put all of it on one */
		uint64_t node_bytes[MAX_NODES] = { 0 };

		numa_scan_node_bytes(ns->mem_of, ns->nr_cpus, 0, ns->nthreads, ns->size, node_bytes, ns->nr_nodes);
		numa_scan_node_bytes(ns->mem_of, ns->nr_cpus, ns->nthreads, ns->nr_foreign, ns->idle_size,
				     node_bytes, ns->nr_nodes);
		if (ns->idle_node >= 0)
			node_bytes[ns->idle_node] += (uint64_t)ns->idle_size * ns->nr_idle;
		err = case_need_node_mem(c, node_bytes, ns->nr_nodes);
		if (err)
			return err;
	}
	load_skip_events(ns);
	if (ns->mode == MODE_FOREIGN) {
		case_param_num(c, "foreign_vmas", ns->nr_foreign);
		case_param_str(c, "touchers", "one thread a foreign VMA, pinned in turn like the writers, "
			       "its memory on its own node, asleep between passes");
		case_param_str(c, "clock", "starts once mm->numa_scan_seq reaches 2 (the first two passes never filter by PID)");
	}
	/* numbers when readable, as docs/DESIGN.md asks of knob values in params */
	case_param_knob(c, "scan_delay_ms", "numa.scan_delay_ms");
	case_param_knob(c, "scan_period_min_ms", "numa.scan_period_min_ms");
	case_param_knob(c, "scan_size_mb", "numa.scan_size_mb");
	note_cover(ctx, c, ns, bytes - (uint64_t)ns->idle_size * (ns->nr_idle + ns->nr_foreign));
	case_param_num(c, "pages_mapped", (double)ns->pages_mapped);
	case_param_num(c, "duration_s", ns->duration);
	case_param_str(c, "vmstat_scope", "system-wide: other NUMA-balanced processes add to it");
	case_param_str(c, "sys_ms_source", "getrusage of the child less its sampler thread (tick-sampled)");
	return 0;
}

/* System time of the child less its sampler's own: the scanner runs in the writers' task_work. */
static double sys_ms(const struct sample *a, const struct sample *b)
{
	int64_t d = (int64_t)(b->sys_ns - a->sys_ns) - (int64_t)(b->sampler_sys_ns - a->sampler_sys_ns);

	return d > 0 ? d / 1e6 : 0;
}

/*
 * This process's faults by kind. self_faults is every fault of the writers' window
 * (perf's page-faults), which once memory is populated is not only the hint faults:
 * after 6.1 (commit 6a56ccbcf6c6) a migrated page comes back read-only and its next
 * write faults again (docs/DESIGN.md, "numa-scan"). self_wp_faults counts those (faults
 * on a present PTE); self_hint_faults is the rest, faults on the PROT_NONE PTEs a
 * scan made, counted only when both counters are.
 */
static void record_faults(const struct numa_scan *ns, struct bench_case *c)
{
	const struct shared *sh = ns->sh;
	const struct sample *a = &sh->samples[0], *b = &sh->samples[1];
	double all = (double)(b->faults - a->faults), wp = (double)(b->wp_faults - a->wp_faults);

	case_counter(c, "self_faults", sh->faults.supported, sh->faults.reason,
		     sh->faults.val, sh->faults.ena, sh->faults.run);
	case_counter(c, "self_wp_faults", sh->wp_faults.supported, sh->wp_faults.reason,
		     sh->wp_faults.val, sh->wp_faults.ena, sh->wp_faults.run);
	if (!sh->faults.supported)
		return;
	case_metric(c, "self_faults", "faults", BETTER_LOWER, all);
	if (!sh->wp_faults.supported)
		return;
	case_metric(c, "self_wp_faults", "faults", BETTER_LOWER, wp);
	case_metric(c, "self_hint_faults", "faults", BETTER_LOWER, all > wp ? all - wp : 0);
	/*
	 * Passes that covered the working set: once populated, a written page takes a
	 * hint fault only after a pass made it PROT_NONE, so this process's hint faults
	 * per page written count them, whatever else /proc/vmstat sees.
	 */
	case_metric(c, "est_scan_passes", "passes", BETTER_NONE,
		    (all > wp ? all - wp : 0) * ns->page / ((double)ns->size * ns->nthreads));
}

/*
 * One value per metric per repetition, each a total over the whole repetition: the
 * scanner works in bursts a scan period apart (1 s, then 2, 4, .. on one node), so
 * a rate over part of it, or a median of per-second values (mostly zero), would
 * measure where the bursts fell, not how much was scanned.
 */
static void record_run(const struct numa_scan *ns, struct bench_case *c)
{
	const struct shared *sh = ns->sh;
	const struct sample *a = &sh->samples[0], *b = &sh->samples[1];
	double dt = (b->t_ns - a->t_ns) / 1e9;
	char label[48];

	for (int i = 0; i < NR_STATS; i++) {
		const struct numa_scan_stat *st = &numa_scan_stats[i];

		case_vmstat(c, st->vmstat, b->stat[i] - a->stat[i]);
		if (st->metric)
			case_metric(c, st->metric, st->unit, st->better, b->stat[i] - a->stat[i]);
	}
	/* hint faults on the faulting CPU's node: what a placement makes local, whatever was migrated */
	if (b->stat[1] > a->stat[1])
		case_metric(c, "hint_local_pct", "%", BETTER_NONE,
			    100.0 * (b->stat[2] - a->stat[2]) / (b->stat[1] - a->stat[1]));
	case_metric(c, "sys_ms", "ms", BETTER_LOWER, sys_ms(a, b));
	case_metric(c, "work_mib_per_sec", "MiB/s", BETTER_HIGHER,
		    (double)(b->pages - a->pages) * ns->page / (1 << 20) / dt);
	record_faults(ns, c);
	numa_scan_record_nodes(ns, c);
	if (ns->mode == MODE_FOREIGN) {
		/* Each page of a foreign VMA that a scan made PROT_NONE faults once when its toucher comes back. */
		case_metric(c, "foreign_hint_faults", "faults", BETTER_LOWER,
			    (double)(b->foreign_faults - a->foreign_faults));
		case_metric(c, "warmup_s", "s", BETTER_NONE, sh->warmup_s);
	}
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
		return case_fail(c, -errno, "fork");
	if (!pid)
		_exit(numa_scan_child_run(ns) ? 1 : 0);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return case_fail(c, -errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) || sh->nr_samples < 2)
		return case_fail(c, -EIO, "child: %s", sh->why[0] ? sh->why :
				 WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "failed");
	record_run(ns, c);
	if (ctx->verbose)
		bench_log(ctx, "%s rep %u: %llu scan passes, child's mm->numa_scan_seq from %llu",
			  c->key, rep, (unsigned long long)(sh->samples[1].seq - sh->samples[0].seq),
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
	.opts_size	= sizeof(struct numa_scan_opts),
	.mem_bytes = numa_scan_mem_bytes,
	.knobs		= numa_scan_knobs,
	/* Each repetition a child process of its own: quick 4 cases x 5 x 10 s (foreign also warms up). */
	.reps		= { 1, 5, 10 },
	.probe		= numa_scan_probe,
	.cases		= numa_scan_cases,
	.setup		= numa_scan_setup,
	.run		= numa_scan_run,
	.teardown	= numa_scan_teardown,
	.mechanism	= (const char *const[]){ "pte_updates", "skip_*", "scan_passes", "self_wp_faults",
					     "pages_migrated", "foreign_hint_faults", NULL },
};
