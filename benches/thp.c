/* thp: anonymous THP versus mTHP, at fault time and at collapse (MADV_COLLAPSE, khugepaged). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/bench.h"
#include "sys/counters.h"
#include "knobs/knobs.h"
#include "sys/memutil.h"
#include "core/options.h"
#include "sys/procfs.h"
#include "thp.h"

#define MAX_SIZES	16
#define MAX_LIST	16

size_t thp_pmd_size;
/* The plan's model (thp_rep_seconds()): a line through smoke and quick runs on this 2-CPU guest (6.18) */
#define THP_FIXED_S			0.02	/* fault-alloc and madv-collapse */
#define THP_FAULT_S_PER_GIB		0.90
#define THP_MADV_S_PER_GIB		1.2
#define THP_KHUGEPAGED_S_PER_GIB	3.2

bool thp_per_size;

/*
 * Anonymous folio sizes this kernel offers (a hugepages-<N>kB dir with an enabled
 * file; before 6.8 the PMD size alone), ascending.
 */
static size_t sizes[MAX_SIZES];
static int nr_sizes;

static const char *const phase_names[NR_THP_PHASES] = { THP_PHASES(ENUM_WORD) };

/* The words of option sizes: "all", then folio sizes (any of them parse_size() reads). */
#define FAULT_SIZES(X) \
	X(SIZES_ALL, "all") X(SIZE_4K, "4K") X(SIZE_8K, "8K") X(SIZE_16K, "16K") X(SIZE_32K, "32K") \
	X(SIZE_64K, "64K") X(SIZE_128K, "128K") X(SIZE_256K, "256K") X(SIZE_512K, "512K") \
	X(SIZE_1M, "1M") X(SIZE_2M, "2M") X(SIZE_4M, "4M") X(SIZE_8M, "8M") X(SIZE_16M, "16M") \
	X(SIZE_32M, "32M") X(SIZE_64M, "64M") X(SIZE_128M, "128M") X(SIZE_256M, "256M") \
	X(SIZE_512M, "512M")
enum fault_size { FAULT_SIZES(ENUM_VALUE) NR_FAULT_SIZES };
static const char *const fault_size_words[NR_FAULT_SIZES] = { FAULT_SIZES(ENUM_WORD) };

/* The words of option occupancy: percentages strtod() reads. */
#define OCCUPANCIES(X) X(OCC_100, "100") X(OCC_50, "50") X(OCC_25, "25") X(OCC_12_5, "12.5")
enum occupancy { OCCUPANCIES(ENUM_VALUE) NR_OCCUPANCIES };
static const char *const occupancy_words[NR_OCCUPANCIES] = { OCCUPANCIES(ENUM_WORD) };

static const struct bench_opt thp_opts[] = {
	{ .name = "phases", .type = OPT_LIST, OPT_AT(struct thp_opts, phases),
	  .def = { "fault-alloc,madv-collapse,khugepaged-pmd,khugepaged-mthp" },
	  .choices = THP_PHASES(CHOICE_WORD),
	  .help = "which phases run" },
	{ .name = "sizes", .type = OPT_LIST, OPT_AT(struct thp_opts, sizes), .def = { "all" },
	  .choices = FAULT_SIZES(CHOICE_WORD),
	  .help = "fault-alloc folio sizes: all, or 4K and sizes with a hugepages-<N>kB/enabled file (before 6.8: the PMD size)" },
	{ .name = "size", .type = OPT_SIZE, OPT_AT(struct thp_opts, size),
	  .def = { "64M", "512M", "4G" },
	  .min = 2 << 20, .max = 1ull << 40, .unit = "B",
	  .help = "region write-faulted by fault-alloc (rounded down to the PMD size)" },
	{ .name = "collapse_size", .type = OPT_SIZE, OPT_AT(struct thp_opts, collapse_size),
	  .def = { "16M", "128M", "1G" },
	  .min = 2 << 20, .max = 1ull << 40, .unit = "B",
	  .help = "region populated and collapsed by the collapse phases (rounded down to the PMD size)" },
	{ .name = "occupancy", .type = OPT_LIST, OPT_AT(struct thp_opts, occupancy),
	  .def = { "100,50,12.5" },
	  .choices = OCCUPANCIES(CHOICE_WORD), .unit = "%",
	  .help = "share of the 4 KiB pages of each PMD range populated before collapse" },
	{ .name = "max_ptes_none", .type = OPT_UINT_LIST, OPT_AT(struct thp_opts, max_ptes_none),
	  .def = { "0,255,511" },
	  .min = 0, .max = 65535,
	  .help = "khugepaged/max_ptes_none values for the khugepaged phases" },
	{ .name = "mthp_size", .type = OPT_SIZE, OPT_AT(struct thp_opts, mthp_size),
	  .def = { "64K" },
	  .min = 8 << 10, .max = 1ull << 30, .unit = "B",
	  .help = "the only size enabled in khugepaged-mthp" },
	{ .name = "timeout", .type = OPT_UINT, OPT_AT(struct thp_opts, timeout),
	  .def = { "5", "10", "30" },
	  .min = 1, .max = 3600, .unit = "s",
	  .help = "longest wait for khugepaged to collapse a region" },
	BENCH_OPT_PREWARM(struct thp_opts),
	{ .name = NULL },
};

/* fault-alloc's region or the collapse phases', whichever is larger: a case has one. */
static uint64_t thp_mem_bytes(const struct bench_ctx *ctx)
{
	const struct thp_opts *o = ctx->o;

	return o->size > o->collapse_size ? o->size : o->collapse_size;
}

/*
 * The plan's model, seconds per GiB on the development guest: fault-alloc faults its
 * region; madv-collapse populates and collapses the collapse region; the khugepaged
 * phases populate it and wait for khugepaged to scan it.
 */
static double thp_rep_seconds(const struct bench_ctx *ctx, const struct bench_case *c)
{
	const struct thp_opts *o = ctx->o;
	const struct thp_case *tc = CASE_DATA(c, struct thp_case);
	double gib = (tc->phase == THP_FAULT_ALLOC ? o->size : o->collapse_size) / (double)(1ull << 30);

	if (tc->phase == THP_FAULT_ALLOC)
		return THP_FIXED_S + THP_FAULT_S_PER_GIB * gib;
	if (tc->phase == THP_MADV_COLLAPSE)
		return THP_FIXED_S + THP_MADV_S_PER_GIB * gib;
	/*
	 * 6.1, 6.12 and 6.18 run no khugepaged with only an mTHP size enabled, so the case
	 * skips at its setup's probe; a kernel that collapses to mTHP is known from its
	 * first run's history
	 */
	if (tc->phase == THP_KHUGEPAGED_MTHP)
		return 0;
	return THP_KHUGEPAGED_S_PER_GIB * gib;
}

static const char *const thp_knob_names[] = {
	"thp.enabled",
	"thp.hugepages-*.enabled",
	"khugepaged.scan_sleep_millisecs",
	"khugepaged.alloc_sleep_millisecs",
	"khugepaged.pages_to_scan",
	"khugepaged.max_ptes_none",
	NULL,
};

static int size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Fills sizes[] from sysfs; -errno when THP is not there at all. */
static int thp_scan_sizes(void)
{
	char path[512], file[800];
	struct dirent *d;
	DIR *dir;
	int err;

	err = mem_pmd_size(&thp_pmd_size);
	if (err)
		return err;
	dir = opendir(sysroot_path(path, sizeof(path), THP_SYSFS));
	if (!dir)
		return -errno;
	nr_sizes = 0;
	while ((d = readdir(dir)) && nr_sizes < MAX_SIZES) {
		unsigned long kb;
		char tail[8];

		if (sscanf(d->d_name, "hugepages-%lukB%7s", &kb, tail) != 1)
			continue;
		snprintf(file, sizeof(file), "%s/%s/enabled", path, d->d_name);
		if (access(file, F_OK))
			continue;	/* order 1 and other sizes not offered for anon memory */
		sizes[nr_sizes++] = (size_t)kb << 10;
	}
	closedir(dir);
	qsort(sizes, nr_sizes, sizeof(sizes[0]), size_cmp);
	thp_per_size = false;
	for (int i = 0; i < nr_sizes; i++)
		thp_per_size |= sizes[i] == thp_pmd_size;
	if (!thp_per_size) {
		/* before 6.8: PMD-size THP, governed by thp.enabled alone */
		sizes[0] = thp_pmd_size;
		nr_sizes = 1;
	}
	return 0;
}

static bool size_offered(size_t size)
{
	for (int i = 0; i < nr_sizes; i++)
		if (sizes[i] == size)
			return true;
	return false;
}

static const char *thp_probe(struct bench_ctx *ctx)
{
	static char why[160];
	int err = thp_scan_sizes();

	(void)ctx;
	if (err) {
		snprintf(why, sizeof(why), "Transparent Hugepages not available: %s/hpage_pmd_size: %s",
			 THP_SYSFS, strerror(-err));
		return why;
	}
	return NULL;
}

/*
 * Only @size enabled (in @mode), every other anonymous size never, and the top-level
 * control @top. @size == THP_PAGE turns every size off. Without per-size controls
 * thp.enabled is the PMD size's control, so it takes the PMD size's @mode.
 */
static void knobs_only(struct bench_case *c, size_t size, const char *mode, const char *top)
{
	char name[64];

	if (!thp_per_size) {
		case_knob(c, "thp.enabled", size == thp_pmd_size ? mode : "never");
		return;
	}
	case_knob(c, "thp.enabled", top);
	for (int i = 0; i < nr_sizes; i++) {
		snprintf(name, sizeof(name), "thp.hugepages-%zukB.enabled", sizes[i] >> 10);
		case_knob(c, name, sizes[i] == size ? mode : "never");
	}
}

/*
 * khugepaged scanning 1 GiB every 10 ms, so that a wait of seconds sees several
 * full scans even when other processes have gigabytes registered with it.
 */
static void knobs_khugepaged(struct bench_case *c, uint64_t max_ptes_none)
{
	char buf[32];

	case_knob(c, "khugepaged.scan_sleep_millisecs", "10");
	case_knob(c, "khugepaged.alloc_sleep_millisecs", "10");
	snprintf(buf, sizeof(buf), "%zu", thp_pmd_size / THP_PAGE * 512);
	case_knob(c, "khugepaged.pages_to_scan", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)max_ptes_none);
	case_knob(c, "khugepaged.max_ptes_none", buf);
}

static struct bench_case *new_case(struct case_list *list, enum thp_phase phase, size_t size,
				   size_t stride)
{
	struct bench_case *c = case_new(list);
	char label[32];

	if (!c)
		return NULL;
	format_size(size, label, sizeof(label));	/* "64K", "2M" */
	case_param_str(c, "phase", phase_names[phase]);
	case_param_str(c, "size", label);
	*CASE_DATA(c, struct thp_case) = (struct thp_case){ phase, size, stride };
	return c;
}

/*
 * "all": 4K and every size offered. Without per-size controls that is 4K and the
 * PMD size, with the sizes 6.8+ offers for anonymous memory (order 2 up to below
 * the PMD) listed too, to skip, so a compare with a newer kernel shows why they
 * have no numbers here.
 */
static int want_all(size_t *want, int nr_want)
{
	want[nr_want++] = THP_PAGE;
	if (!thp_per_size)
		for (size_t s = 4 * THP_PAGE; s < thp_pmd_size && nr_want <= MAX_SIZES; s <<= 1)
			want[nr_want++] = s;
	for (int j = 0; j < nr_sizes && nr_want <= MAX_SIZES; j++)
		want[nr_want++] = sizes[j];
	return nr_want;
}

static void skip_size(struct bench_case *c, size_t size)
{
	if (!thp_per_size)
		case_skip(c, THP_NO_PER_SIZE);
	else
		case_skip(c, "no %s/hugepages-%zukB/enabled: not an anonymous THP size here",
			  THP_SYSFS, size >> 10);
}

static int fault_cases(const struct thp_opts *o, struct case_list *list)
{
	size_t want[MAX_SIZES + 1];
	int nr_want = 0;

	for (int i = 0; i < o->sizes.n && i < MAX_LIST; i++) {
		uint64_t s;

		if (o->sizes.v[i] == SIZES_ALL) {
			nr_want = want_all(want, nr_want);
			continue;
		}
		if (parse_size(fault_size_words[o->sizes.v[i]], &s))
			return -EINVAL;	/* the choices are all sizes */
		if (nr_want <= MAX_SIZES)
			want[nr_want++] = s;
	}
	for (int i = 0; i < nr_want; i++) {
		struct bench_case *c;
		bool dup = false;

		for (int j = 0; j < i; j++)
			dup |= want[j] == want[i];
		if (dup)
			continue;
		c = new_case(list, THP_FAULT_ALLOC, want[i], 1);
		if (!c)
			return -ENOMEM;
		knobs_only(c, want[i], "always", "never");
		if (want[i] != THP_PAGE && !size_offered(want[i]))
			skip_size(c, want[i]);
	}
	return 0;
}

static int collapse_cases(const struct thp_opts *o, struct case_list *list, enum thp_phase phase)
{
	const char *no_collapse = phase == THP_MADV_COLLAPSE ? thp_madv_collapse_probe() : NULL;
	/* MADV_COLLAPSE ignores max_ptes_none: one case per occupancy */
	static const struct opt_nums no_mpn = { .n = 1 };
	const struct opt_nums *mpn = phase == THP_MADV_COLLAPSE ? &no_mpn : &o->max_ptes_none;
	int nr_mpn = mpn->n < MAX_LIST ? mpn->n : MAX_LIST;
	size_t size = phase == THP_KHUGEPAGED_MTHP ? o->mthp_size : thp_pmd_size;
	size_t pmd_nr = thp_pmd_size / THP_PAGE;

	for (int i = 0; i < o->occupancy.n && i < MAX_LIST; i++) {
		double pct = strtod(occupancy_words[o->occupancy.v[i]], NULL);

		for (int j = 0; j < nr_mpn; j++) {
			struct bench_case *c = new_case(list, phase, size, (size_t)(100.0 / pct + 0.5));

			if (!c)
				return -ENOMEM;
			case_param_num(c, "occupancy", pct);
			if (phase == THP_MADV_COLLAPSE) {
				/* MADV_COLLAPSE ignores the sysfs controls: populate with every size off */
				knobs_only(c, THP_PAGE, "never", "never");
				if (no_collapse)
					case_skip(c, "%s", no_collapse);
				continue;
			}
			case_param_num(c, "max_ptes_none", (double)mpn->v[j]);
			/*
			 * enabled=madvise: the region faults in 4 KiB pages until MADV_HUGEPAGE,
			 * so populate and collapse need no knob change in between.
			 */
			knobs_only(c, size, "madvise", "madvise");
			knobs_khugepaged(c, mpn->v[j]);
			if (mpn->v[j] >= pmd_nr)
				case_skip(c, "max_ptes_none %llu: at most %zu (PTEs per PMD - 1)",
					  (unsigned long long)mpn->v[j], pmd_nr - 1);
			else if (!size_offered(size))
				skip_size(c, size);
			else if (phase == THP_KHUGEPAGED_MTHP && size >= thp_pmd_size)
				case_skip(c, "mthp_size must be smaller than the PMD size");
		}
	}
	return 0;
}

static int thp_cases(struct bench_ctx *ctx, struct case_list *list)
{
	const struct thp_opts *o = ctx->o;

	if (!thp_pmd_size && thp_scan_sizes())
		return 0;	/* probe() said why */
	/* the phases run in table order whatever order the option lists them in */
	for (int p = 0; p < NR_THP_PHASES; p++) {
		bool on = false;
		int err;

		for (int i = 0; i < o->phases.n && i < MAX_LIST; i++)
			on |= o->phases.v[i] == p;
		if (!on)
			continue;
		err = p == THP_FAULT_ALLOC ? fault_cases(o, list) : collapse_cases(o, list, p);
		if (err)
			return err;
	}
	return 0;
}

/*
 * What a repetition allocates: the region (fault-alloc), or the 4 KiB pages populated
 * and the folios they are collapsed into (collapse); 0 with --opt prewarm=off.
 */
static size_t prewarm_len(const struct thp_opts *o, const struct thp_case *tc)
{
	size_t len;

	if (o->prewarm != PREWARM_ON)
		return 0;
	if (tc->phase == THP_FAULT_ALLOC)
		return o->size / thp_pmd_size * thp_pmd_size;
	len = o->collapse_size / thp_pmd_size * thp_pmd_size;
	return len + len / tc->stride;
}

static int thp_setup(struct bench_ctx *ctx, struct bench_case *c)
{
	const struct thp_opts *o = ctx->o;
	const struct thp_case *tc = CASE_DATA(c, struct thp_case);
	struct thp_state *st;
	char buf[96];
	size_t len;
	int err;

	case_param_num(c, "size_kb", (double)(tc->size >> 10));
	if (knob_read("thp.defrag", buf, sizeof(buf)) == 0)
		case_param_str(c, "defrag", buf);
	case_param_str(c, "prewarm", mem_prewarm_text(prewarm_len(o, tc), buf, sizeof(buf)));
	if (tc->phase != THP_FAULT_ALLOC)
		return thp_collapse_setup(ctx, c);

	len = o->size / thp_pmd_size * thp_pmd_size;
	err = case_need_mem(c, len + 2 * thp_pmd_size);
	if (err)
		return err;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ctx->priv = st;
	st->cnt = counters_new(COUNTERS_SELF);
	if (st->cnt && (counters_add(st->cnt, NULL, "minor-faults", NULL) ||
			counters_open(st->cnt))) {
		counters_free(st->cnt);
		st->cnt = NULL;	/* thp_fault_run() falls back to getrusage() */
	}
	return 0;
}

static int thp_run(struct bench_ctx *ctx, struct bench_case *c, unsigned rep)
{
	const struct thp_case *tc = CASE_DATA(c, struct thp_case);
	size_t warm = prewarm_len(ctx->o, tc);
	int err = warm ? mem_prewarm(warm) : 0;

	(void)rep;
	if (err)
		return case_fail(c, err, "%s: prewarming %zu MiB", __func__, warm >> 20);
	if (tc->phase == THP_FAULT_ALLOC)
		return thp_fault_run(ctx, c, ctx->priv);
	return thp_collapse_run(ctx, c);
}

static void thp_teardown(struct bench_ctx *ctx, struct bench_case *c)
{
	struct thp_state *st = ctx->priv;

	(void)c;
	if (st) {
		if (st->cnt)
			counters_free(st->cnt);
		free(st);
	}
	ctx->priv = NULL;
}

const struct bench bench_thp = {
	.name = "thp",
	.summary = "anonymous THP versus mTHP: fault-time allocation, MADV_COLLAPSE and khugepaged collapse",
	.unit_of_work = "one 4 KiB page write-faulted (fault-alloc) or one PMD range collapsed",
	.opts = thp_opts,
	.opts_size = sizeof(struct thp_opts),
	.mem_bytes = thp_mem_bytes,
	.rep_seconds = thp_rep_seconds,
	.knobs = thp_knob_names,
	.reps = { 1, 5, 10 },
	.probe = thp_probe,
	.cases = thp_cases,
	.setup = thp_setup,
	.run = thp_run,
	.teardown = thp_teardown,
	.mechanism = (const char *const[]){ "anon_fault_alloc", "anon_fault_fallback", "region_folios",
					     "ranges_collapsed", "vmstat:thp_*", NULL },
};
