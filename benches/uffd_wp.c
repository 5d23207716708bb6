/* uffd-wp: what write-protecting an anonymous region with userfaultfd costs, and what the writes pay afterwards. */

/*
 * UFFDIO_WRITEPROTECT only marks ptes that exist: on an untouched range it does
 * nothing (mode "default", the floor, whose writes never reach the handler). A
 * tracker that must see every write populates first (pre-read, MADV_POPULATE_READ:
 * zero-page mappings) or, since Linux 6.4, asks for UFFD_FEATURE_WP_UNPOPULATED,
 * which builds the page tables and leaves a uffd-wp pte marker in each empty
 * pte. A write to a marker takes two faults: the first allocates the page,
 * mapped write-protected, the second is the write-protect fault the handler sees.
 * Under THP a populating read maps the huge zero page, one fault per PMD; the
 * handler's un-protect of one page splits that PMD.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/bench.h"
#include "sys/counters.h"
#include "sys/memutil.h"
#include "sys/procfs.h"
#include "sys/timing.h"
#include "uffd_wp.h"
#include "sys/vmstat.h"

/* The installed uapi headers are 6.1; this came later (the uffd ones are in uffd_wp.h). */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ		22		/* Linux 5.14 */
#endif

#define MODES(X) \
	X(MODE_DEFAULT, "default") X(MODE_PRE_READ, "pre-read") X(MODE_MADVISE, "madvise") \
	X(MODE_WP_UNPOPULATED, "wp-unpopulated")
enum mode { MODES(ENUM_VALUE) NR_MODES };
static const char *const mode_names[NR_MODES] = { MODES(ENUM_WORD) };

#define THPS(X) X(THP_NEVER, "never") X(THP_MADVISE, "madvise") X(THP_ALWAYS, "always")
enum thp { THPS(ENUM_VALUE) NR_THP };
static const char *const thp_names[NR_THP] = { THPS(ENUM_WORD) };

#define HANDLERS(X) X(HANDLER_SAME_CPU, "same-cpu") X(HANDLER_OTHER_CPU, "other-cpu")
enum handler { HANDLERS(ENUM_VALUE) };

/* The plan's model (uffd_wp_rep_seconds()): a line through smoke and quick runs on this 2-CPU guest (6.18) */
#define UFFD_WP_FIXED_S		0.007
#define UFFD_WP_S_PER_GIB	0.296

struct uffd_wp_opts {
	uint64_t size;
	uint64_t write_stride;
	enum handler handler;
	enum prewarm prewarm;
};

/* One case: how the region is made write-protectable, under which THP setting. */
struct uffd_wp_case {
	enum mode mode;
	enum thp thp;
};

/* Counters, one set per phase, each enabled only around its phase. */
enum phase { PH_PREFAULT, PH_PROTECT, PH_WRITE, NR_PHASES };

static const char *const phase_names[NR_PHASES] = { "prefault", "protect", "write" };

static const char *const vmstat_names[] = {
	"thp_fault_alloc", "thp_fault_fallback", "thp_zero_page_alloc", "thp_split_pmd", NULL
};

struct uffd_wp_state {
	size_t page, pmd, size, stride;
	size_t prewarm;		/* bytes mem_prewarm() touches before each repetition */
	bool other_cpu;		/* the handler on another CPU than the writer */
	struct counters *cnt[NR_PHASES];
};

/* What the kernel offers, found once by uffd_wp_probe(). */
static struct {
	bool done;
	const char *why_not;		/* the bench cannot run here */
	bool wp_unpopulated, populate_read;
	bool user_mode_only;		/* not privileged: user-mode faults only */
	char why[256];
} feat;

static void probe_features(void)
{
	uint64_t offered = 0;
	void *p;
	int fd, err;

	if (feat.done)
		return;
	feat.done = true;
	fd = uffd_wp_open();
	if (fd < 0) {
		uffd_wp_open_why(feat.why, sizeof(feat.why));
		feat.why_not = feat.why;
		return;
	}
	feat.user_mode_only = uffd_wp_user_mode_only();
	err = uffd_wp_api(fd, UFFD_FEATURE_PAGEFAULT_FLAG_WP, &offered);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!err)
		err = p == MAP_FAILED ? -errno : uffd_wp_register(fd, p, 4096);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	close(fd);
	if (err) {
		snprintf(feat.why, sizeof(feat.why),
			 "userfaultfd write-protect of anonymous memory unsupported: %s",
			 strerror(-err));
		feat.why_not = feat.why;
		return;
	}
	/* Ask for the feature itself on a new fd: an older kernel says EINVAL. */
	fd = uffd_wp_open();
	if (fd < 0)
		return;
	err = uffd_wp_api(fd, UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_WP_UNPOPULATED,
		       &offered);
	feat.wp_unpopulated = !err && (offered & UFFD_FEATURE_WP_UNPOPULATED);
	close(fd);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		feat.populate_read = !madvise(p, 4096, MADV_POPULATE_READ);
		munmap(p, 4096);
	}
}

/* Pages the writer touches: one every stride-th page, the first included. */
static size_t nr_writes(const struct uffd_wp_state *s)
{
	size_t step = s->page * s->stride;

	return (s->size + step - 1) / step;
}

static const char *uffd_wp_probe(struct bench_ctx *ctx)
{
	(void)ctx;
	probe_features();
	return feat.why_not;
}

static int uffd_wp_cases(struct bench_ctx *ctx, struct case_list *list)
{
	(void)ctx;
	probe_features();
	for (int t = 0; t < NR_THP; t++) {
		for (int m = 0; m < NR_MODES; m++) {
			struct bench_case *c = case_new(list);

			if (!c)
				return -ENOMEM;
			case_param_str(c, "mode", mode_names[m]);
			case_param_str(c, "thp", thp_names[t]);
			case_knob(c, "thp.enabled", thp_names[t]);
			*CASE_DATA(c, struct uffd_wp_case) = (struct uffd_wp_case){ m, t };
			if (m == MODE_WP_UNPOPULATED && !feat.wp_unpopulated)
				case_skip(c, "the kernel does not offer UFFD_FEATURE_WP_UNPOPULATED (Linux 6.4)");
			if (m == MODE_MADVISE && !feat.populate_read)
				case_skip(c, "MADV_POPULATE_READ unsupported (Linux 5.14)");
		}
	}
	return 0;
}

static void uffd_wp_teardown(struct bench_ctx *ctx, struct bench_case *c)
{
	struct uffd_wp_state *s = ctx->priv;

	(void)c;
	if (!s)
		return;
	for (int i = 0; i < NR_PHASES; i++)
		if (s->cnt[i])
			counters_free(s->cnt[i]);
	free(s);
	ctx->priv = NULL;
}

static int uffd_wp_setup(struct bench_ctx *ctx, struct bench_case *c)
{
	const struct uffd_wp_opts *o = ctx->o;
	const struct uffd_wp_case *uc = CASE_DATA(c, struct uffd_wp_case);
	struct uffd_wp_state *s = calloc(1, sizeof(*s));
	char label_buf[96];
	int err = 0;

	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->page = sysconf(_SC_PAGESIZE);
	/* no hpage_pmd_size (a kernel without THP): the size still rounds to 2 MiB */
	if (mem_pmd_size(&s->pmd))
		s->pmd = 2ul << 20;
	s->size = (o->size + s->pmd - 1) & ~(s->pmd - 1);
	s->stride = o->write_stride;
	s->other_cpu = o->handler == HANDLER_OTHER_CPU;
	case_param_num(c, "writes", (double)nr_writes(s));
	/*
	 * What a repetition allocates: its page tables and the pages written, each a
	 * whole huge page under THP (a write to the huge zero page or to an empty PMD).
	 */
	s->prewarm = s->size / 512 + (uc->thp == THP_NEVER ? nr_writes(s) * s->page : s->size);
	if (o->prewarm != PREWARM_ON)
		s->prewarm = 0;
	case_param_str(c, "prewarm", mem_prewarm_text(s->prewarm, label_buf, sizeof(label_buf)));
	/* the writer's faults are all user-mode: the numbers are the same, the record says how */
	case_param_str(c, "uffd_faults", feat.user_mode_only ? "user-mode-only" : "all");

	/* Worst case: a default-mode write fills a whole THP; page tables on top. */
	err = case_need_mem(c, s->size + s->size / 512);
	for (int i = 0; i < NR_PHASES && !err; i++) {
		char label[48];

		s->cnt[i] = counters_new(COUNTERS_SELF);
		if (!s->cnt[i]) {
			err = -ENOMEM;
			break;
		}
		snprintf(label, sizeof(label), "minor-faults.%s", phase_names[i]);
		counters_add(s->cnt[i], label, "minor-faults", NULL);
		/* A write-protect fault sleeps until the handler wakes the writer. */
		if (i == PH_WRITE)
			counters_add(s->cnt[i], "context-switches.write", "context-switches", NULL);
		err = counters_open(s->cnt[i]);
		if (err)
			err = case_fail(c, err, "counters_open");
	}
	return err;	/* the driver calls teardown, which frees what was made */
}

/* One byte of every page read: each read fault maps the zero page (or the huge zero page). */
static void pre_read(const char *p, size_t size, size_t page)
{
	const volatile char *v = p;
	char sum = 0;

	for (size_t off = 0; off < size; off += page)
		sum += v[off];
	__asm__ volatile("" : : "r"(sum));
}

/* The write phase: the writer (this thread, pinned for the phase) and the handler. */
static int write_phase(struct uffd_wp_state *s, struct bench_case *c, int *uffd, char *p,
		       uint64_t *ns, uint64_t *handled)
{
	volatile char *v = p;
	cpu_set_t old, one;
	struct uffd_wp_handler h;
	int cpu = sched_getcpu(), hcpu = cpu, err;
	uint64_t t0;

	if (sched_getaffinity(0, sizeof(old), &old))
		return case_fail(c, -errno, "sched_getaffinity");
	for (int i = 1; s->other_cpu && i < CPU_SETSIZE; i++) {
		if (CPU_ISSET((cpu + i) % CPU_SETSIZE, &old)) {
			hcpu = (cpu + i) % CPU_SETSIZE;
			break;
		}
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return case_fail(c, -errno, "sched_setaffinity %d", cpu);
	err = uffd_wp_handler_start(&h, *uffd, s->page, hcpu);
	if (err) {
		sched_setaffinity(0, sizeof(old), &old);
		return case_fail(c, err, "pthread_create");
	}
	counters_enable(s->cnt[PH_WRITE]);
	t0 = now_ns();
	for (size_t off = 0; off < s->size; off += s->page * s->stride)
		v[off] = 1;
	*ns = now_ns() - t0;
	counters_disable(s->cnt[PH_WRITE]);
	*uffd = uffd_wp_handler_stop(&h);
	sched_setaffinity(0, sizeof(old), &old);
	*handled = h.handled;
	return h.err ? case_fail(c, h.err, "fault handler: %s", h.why) : 0;
}

/* The populate and protect phases; times in ns. */
static int protect_phase(struct uffd_wp_state *s, struct bench_case *c, int uffd, char *p,
			 uint64_t *prefault_ns, uint64_t *protect_ns)
{
	enum mode mode = CASE_DATA(c, struct uffd_wp_case)->mode;
	uint64_t t0;
	int err = 0;

	counters_enable(s->cnt[PH_PREFAULT]);
	t0 = now_ns();
	if (mode == MODE_PRE_READ)
		pre_read(p, s->size, s->page);
	else if (mode == MODE_MADVISE && madvise(p, s->size, MADV_POPULATE_READ))
		err = -errno;
	*prefault_ns = now_ns() - t0;
	counters_disable(s->cnt[PH_PREFAULT]);
	if (err)
		return case_fail(c, err, "MADV_POPULATE_READ");

	counters_enable(s->cnt[PH_PROTECT]);
	t0 = now_ns();
	err = uffd_wp_writeprotect(uffd, (unsigned long)p, s->size, true);
	*protect_ns = now_ns() - t0;
	counters_disable(s->cnt[PH_PROTECT]);
	return err ? case_fail(c, err, "UFFDIO_WRITEPROTECT") : 0;
}

/* A fresh region registered with a fresh userfaultfd: *p and the uffd, or -errno. */
static int region_new(struct uffd_wp_state *s, struct bench_case *c, char **p)
{
	const struct uffd_wp_case *uc = CASE_DATA(c, struct uffd_wp_case);
	uint64_t features = UFFD_FEATURE_PAGEFAULT_FLAG_WP;
	int uffd, err;

	if (uc->mode == MODE_WP_UNPOPULATED)
		features |= UFFD_FEATURE_WP_UNPOPULATED;
	uffd = uffd_wp_new(features);
	if (uffd < 0)
		return case_fail(c, uffd, "userfaultfd");
	/* PMD-aligned, so the THP setting alone decides what backs the region */
	*p = mem_map_aligned(s->size, s->pmd, PROT_READ | PROT_WRITE);
	if (!*p) {
		err = case_fail(c, -errno, "mmap %zu", s->size);
		goto out_uffd;
	}
	/* Under THP "madvise" only MADV_HUGEPAGE regions get huge pages: ask, or the case repeats "never". */
	if (uc->thp == THP_MADVISE && madvise(*p, s->size, MADV_HUGEPAGE)) {
		err = case_fail(c, -errno, "MADV_HUGEPAGE");
		goto out_unmap;
	}
	err = uffd_wp_register(uffd, *p, s->size);
	if (err) {
		case_fail(c, err, "UFFDIO_REGISTER");
		goto out_unmap;
	}
	return uffd;
out_unmap:
	munmap(*p, s->size);
out_uffd:
	close(uffd);
	return err;
}

/*
 * One repetition on a fresh region and a fresh userfaultfd: populate (by mode) and
 * write-protect the whole range, timed (the cost the feature removes); then a
 * writer touches every stride-th page while the handler resolves each
 * write-protect fault, timed (the cost it postpones).
 */
static int uffd_wp_run(struct bench_ctx *ctx, struct bench_case *c, unsigned rep)
{
	struct uffd_wp_state *s = ctx->priv;
	enum mode mode = CASE_DATA(c, struct uffd_wp_case)->mode;
	bool prefaulted = mode == MODE_PRE_READ || mode == MODE_MADVISE;
	struct vmstat_snap v0 = { 0 }, v1 = { 0 };
	uint64_t prefault_ns = 0, protect_ns = 0, write_ns = 0, handled = 0, writes;
	long long pte0, pte1, rss;
	int uffd, err;
	char *p = NULL;

	(void)rep;
	if (s->prewarm) {
		err = mem_prewarm(s->prewarm);
		if (err)
			return case_fail(c, err, "prewarming %zu MiB", s->prewarm >> 20);
	}
	pte0 = self_status_kb("VmPTE");
	uffd = region_new(s, c, &p);
	if (uffd < 0)
		return uffd;
	for (int i = 0; i < NR_PHASES; i++)
		counters_reset(s->cnt[i]);
	err = vmstat_snap(&v0);
	if (err) {
		err = case_fail(c, err, "vmstat");
		goto out;
	}
	err = protect_phase(s, c, uffd, p, &prefault_ns, &protect_ns);
	if (err)
		goto out;
	/* What the protected region holds before any write: page tables and memory. */
	pte1 = self_status_kb("VmPTE");
	rss = self_smaps_range_kb(p, s->size, "Rss");
	err = write_phase(s, c, &uffd, p, &write_ns, &handled);
	if (err)
		goto out;
	err = vmstat_snap(&v1);
	if (err) {
		err = case_fail(c, err, "vmstat");
		goto out;
	}

	writes = nr_writes(s);
	if (prefaulted)
		case_metric(c, "prefault_us", "us", BETTER_LOWER, prefault_ns / 1e3);
	case_metric(c, "protect_us", "us", BETTER_LOWER, protect_ns / 1e3);
	case_metric(c, "total_us", "us", BETTER_LOWER, (prefault_ns + protect_ns) / 1e3);
	case_metric(c, "write_phase_us", "us", BETTER_LOWER, write_ns / 1e3);
	/* Per page written: the writer faults on each one, write-protect fault or not. */
	case_metric(c, "write_us_per_fault", "us", BETTER_LOWER, write_ns / 1e3 / writes);
	case_metric(c, "faults_handled", "faults", BETTER_NONE, (double)handled);
	if (pte0 >= 0 && pte1 >= 0)
		case_metric(c, "pte_bytes", "bytes", BETTER_LOWER, (double)(pte1 - pte0) * 1024);
	if (rss >= 0)
		case_metric(c, "rss_kib", "KiB", BETTER_LOWER, (double)rss);
	for (int i = 0; i < NR_PHASES; i++)
		if (i != PH_PREFAULT || prefaulted)
			case_counters(c, s->cnt[i]);
	case_vmstat_deltas(c, &v0, &v1, vmstat_names);
out:
	vmstat_snap_free(&v0);
	vmstat_snap_free(&v1);
	munmap(p, s->size);
	if (uffd >= 0)
		close(uffd);
	return err;
}

static const struct bench_opt uffd_wp_opts[] = {
	{ .name = "size", .type = OPT_SIZE, OPT_AT(struct uffd_wp_opts, size),
	  .def = { "64M", "512M", "10G" },
	  .min = 2ul << 20, .max = 1ull << 40, .unit = "bytes",
	  .help = "anonymous region registered with userfaultfd (rounded up to the PMD size)" },
	{ .name = "write_stride", .type = OPT_UINT, OPT_AT(struct uffd_wp_opts, write_stride),
	  .def = { "16" },
	  .min = 1, .max = 1u << 20, .unit = "pages",
	  .help = "the writer touches one byte in every Nth page" },
	{ .name = "handler", .type = OPT_CHOICE, OPT_AT(struct uffd_wp_opts, handler),
	  .def = { "same-cpu" }, .choices = HANDLERS(CHOICE_WORD),
	  .help = "where the fault handler thread runs, relative to the writer" },
	BENCH_OPT_PREWARM(struct uffd_wp_opts),
	{ .name = NULL },
};

/* The region, which setup rounds up to the PMD size. */
static uint64_t uffd_wp_mem_bytes(const struct bench_ctx *ctx)
{
	const struct uffd_wp_opts *o = ctx->o;

	return (o->size + (2 << 20) - 1) & ~(uint64_t)((2 << 20) - 1);
}

/* The plan's model: populate, protect and write the region; seconds per GiB on the development guest. */
static double uffd_wp_rep_seconds(const struct bench_ctx *ctx, const struct bench_case *c)
{
	(void)c;
	return UFFD_WP_FIXED_S + UFFD_WP_S_PER_GIB * uffd_wp_mem_bytes(ctx) / (double)(1ull << 30);
}

static const char *const uffd_wp_knobs[] = { "thp.enabled", NULL };

const struct bench bench_uffd_wp = {
	.name		= "uffd-wp",
	.summary	= "userfaultfd write-protect of anonymous memory: populate + protect vs WP_UNPOPULATED, then the write faults",
	.unit_of_work	= "one region write-protected; one page written under protection",
	.opts		= uffd_wp_opts,
	.opts_size	= sizeof(struct uffd_wp_opts),
	.mem_bytes = uffd_wp_mem_bytes,
	.rep_seconds = uffd_wp_rep_seconds,
	.knobs		= uffd_wp_knobs,
	.reps		= { 2, 5, 10 },
	.probe		= uffd_wp_probe,
	.cases		= uffd_wp_cases,
	.setup		= uffd_wp_setup,
	.run		= uffd_wp_run,
	.teardown	= uffd_wp_teardown,
	.mechanism	= (const char *const[]){ "faults_handled", "counter:minor-faults*", NULL },
	.families	= (const char *const[]){ "write_phase_us write_us_per_fault", NULL },
};
