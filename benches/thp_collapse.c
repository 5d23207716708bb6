/* thp collapse phases: populate with 4 KiB pages, then MADV_COLLAPSE or khugepaged (PMD or mTHP). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/bench.h"
#include "knobs/knobs.h"
#include "sys/procfs.h"
#include "sys/timing.h"
#include "sys/vmstat.h"
#include "thp.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

/*
 * Full scans after MADV_HUGEPAGE by which khugepaged has surely visited the whole
 * region: the first may end a pass that had gone past it, the second cannot.
 */
#define FULL_SCANS_ENOUGH	2
#define POLL_US		10000

/* Whether khugepaged collapses to mTHP: 0 not probed yet, 1 yes, -1 no (mthp_why). */
static int mthp_state;
static char mthp_why[256];

struct khp_wait {
	bool done;		/* @want bytes collapsed */
	double ms;		/* from MADV_HUGEPAGE until done or given up */
	uint64_t scans;		/* full scans meanwhile */
	int64_t got;		/* bytes collapsed */
	char result[96];
};

static size_t collapse_len(const struct thp_opts *o)
{
	return o->collapse_size / thp_pmd_size * thp_pmd_size;
}

static void populate(char *p, size_t len, size_t stride)
{
	for (size_t off = 0; off < len; off += stride * THP_PAGE)
		p[off] = 1;
}

/*
 * Bytes of the region held in folios of @size. PMD folios show in smaps of the
 * range; mTHP ones show nowhere per mapping, so the size's nr_anon is read as a
 * delta from @nr_anon0 (system-wide: other processes' folios of that size count too).
 */
static int64_t collapsed_bytes(const struct thp_region *r, size_t size, uint64_t nr_anon0)
{
	uint64_t n;
	long long kb;
	int err;

	if (size == thp_pmd_size) {
		kb = self_smaps_range_kb(r->p, r->len, "AnonHugePages");
		return kb < 0 ? kb : kb * 1024;
	}
	err = thp_size_stat(size, "nr_anon", &n);
	if (err)
		return err;
	return n < nr_anon0 ? 0 : (int64_t)((n - nr_anon0) * size);
}

/*
 * MADV_HUGEPAGE the region (enabled=madvise kept it in 4 KiB pages so far) and poll
 * until @want bytes are collapsed, khugepaged has made FULL_SCANS_ENOUGH full scans
 * (it has then seen every range and will not change its mind), or @timeout_s.
 */
static int khugepaged_wait(const struct thp_region *r, size_t size, size_t want,
			   unsigned timeout_s, struct khp_wait *w)
{
	uint64_t scans0, scans, nr_anon0 = 0, t0, t;
	int err;

	memset(w, 0, sizeof(*w));
	err = thp_khugepaged_stat("full_scans", &scans0);
	if (!err && size != thp_pmd_size)
		err = thp_size_stat(size, "nr_anon", &nr_anon0);
	if (err)
		return err;
	t0 = now_ns();
	if (madvise(r->p, r->len, MADV_HUGEPAGE))
		return -errno;
	for (;;) {
		t = now_ns();
		w->got = collapsed_bytes(r, size, nr_anon0);
		if (w->got < 0)
			return (int)w->got;
		if (thp_khugepaged_stat("full_scans", &scans) == 0)
			w->scans = scans - scans0;
		w->ms = (double)(t - t0) / 1e6;
		if ((size_t)w->got >= want) {
			w->done = true;
			snprintf(w->result, sizeof(w->result), "collapsed in %.0f ms", w->ms);
			return 0;
		}
		if (w->scans >= FULL_SCANS_ENOUGH) {
			snprintf(w->result, sizeof(w->result), "%.0f%% collapsed after %llu full scans (%.0f ms)",
				 100.0 * (double)w->got / (double)want, (unsigned long long)w->scans, w->ms);
			return 0;
		}
		if (t - t0 >= (uint64_t)timeout_s * 1000000000ull) {
			snprintf(w->result, sizeof(w->result), "not collapsed within %u s (%.0f%%)",
				 timeout_s, 100.0 * (double)w->got / (double)want);
			return 0;
		}
		usleep(POLL_US);
	}
}

static bool khugepaged_running(void)
{
	char path[512], comm[64];
	struct dirent *d;
	bool found = false;
	DIR *dir = opendir(sysroot_path(path, sizeof(path), "/proc"));

	if (!dir)
		return false;
	while (!found && (d = readdir(dir))) {
		char file[800];

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(file, sizeof(file), "%s/%s/comm", path, d->d_name);
		found = read_text(file, comm, sizeof(comm)) == 0 && !strcmp(comm, "khugepaged");
	}
	closedir(dir);
	return found;
}

/*
 * Whether khugepaged collapses to @size, decided by trying it once under the case's
 * knobs (only @size enabled, khugepaged quick): a fully populated PMD range must
 * gain at least one folio of @size before khugepaged has scanned everything again.
 */
static void mthp_probe(struct bench_ctx *ctx, size_t size)
{
	const struct thp_opts *o = ctx->o;
	struct thp_region r;
	struct khp_wait w;
	int err;

	if (!khugepaged_running()) {
		mthp_state = -1;
		snprintf(mthp_why, sizeof(mthp_why),
			 "no khugepaged thread with only hugepages-%zukB enabled: this kernel does not collapse to mTHP",
			 size >> 10);
		return;
	}
	err = thp_region_map(&r, thp_pmd_size);
	if (err) {
		mthp_state = -1;
		snprintf(mthp_why, sizeof(mthp_why), "mTHP collapse probe: mmap: %s", strerror(-err));
		return;
	}
	populate(r.p, r.len, 1);
	err = khugepaged_wait(&r, size, size, o->timeout, &w);
	thp_region_unmap(&r);
	if (err) {
		mthp_state = -1;
		snprintf(mthp_why, sizeof(mthp_why), "mTHP collapse probe: %s", strerror(-err));
	} else if (!w.done) {
		mthp_state = -1;
		snprintf(mthp_why, sizeof(mthp_why),
			 "khugepaged made no %zuK folio from a populated PMD range (%s): this kernel does not collapse to mTHP",
			 size >> 10, w.result);
	} else {
		mthp_state = 1;
	}
	bench_log(ctx, "khugepaged collapse to %zuK: %s", size >> 10,
		  mthp_state > 0 ? "yes" : mthp_why);
}

/*
 * An unknown advice and a range MADV_COLLAPSE refuses both give EINVAL, so the
 * range tried is one it must take: a PMD range with every page present. Any
 * other errno (EAGAIN, ENOMEM) comes from a kernel that knows the advice.
 */
const char *thp_madv_collapse_probe(void)
{
	static char why[160];
	static int state;	/* 0 not probed, 1 works, -1 not (why) */
	struct thp_region r;
	int err;

	if (state)
		return state > 0 ? NULL : why;
	err = thp_region_map(&r, thp_pmd_size);
	if (err) {
		snprintf(why, sizeof(why), "MADV_COLLAPSE probe: mmap: %s", strerror(-err));
		state = -1;
		return why;
	}
	populate(r.p, r.len, 1);
	err = madvise(r.p, r.len, MADV_COLLAPSE) ? errno : 0;
	thp_region_unmap(&r);
	if (err == EINVAL) {
		snprintf(why, sizeof(why),
			 "MADV_COLLAPSE of a populated PMD range: %s: the kernel predates it (6.1) or THP is disabled",
			 strerror(err));
		state = -1;
		return why;
	}
	state = 1;
	return NULL;
}

int thp_collapse_setup(struct bench_ctx *ctx, struct bench_case *c)
{
	const struct thp_case *tc = CASE_DATA(c, struct thp_case);
	size_t len = collapse_len(ctx->o);
	int err = case_need_mem(c, len + 2 * thp_pmd_size);

	if (err)
		return err;
	if (tc->phase == THP_KHUGEPAGED_MTHP) {
		if (!mthp_state)
			mthp_probe(ctx, tc->size);
		if (mthp_state < 0)
			return case_skip(c, "%s", mthp_why);
	}
	if (tc->phase != THP_MADV_COLLAPSE)
		case_param_str(c, "hint", "MADV_HUGEPAGE after populating (enabled=madvise)");
	return 0;
}

/* MADV_COLLAPSE one PMD range at a time, so successes and errnos can be counted. */
static void madv_collapse(struct bench_case *c, const struct thp_region *r)
{
	size_t nr = r->len / thp_pmd_size, ok = 0;
	char errs[96] = "";
	int err_count[256] = { 0 };
	uint64_t total = 0;

	for (size_t i = 0; i < nr; i++) {
		uint64_t t0 = now_ns();
		int ret = madvise(r->p + i * thp_pmd_size, thp_pmd_size, MADV_COLLAPSE);
		int e = errno;

		total += now_ns() - t0;
		if (!ret)
			ok++;
		else
			err_count[e & 255]++;
	}
	for (int e = 1; e < 256; e++) {
		size_t off = strlen(errs);

		if (err_count[e])
			snprintf(errs + off, sizeof(errs) - off, "%s%s x%d", off ? ", " : "",
				 strerrorname_np(e) ? strerrorname_np(e) : "?", err_count[e]);
	}
	case_metric(c, "collapse_ms_per_2m", "ms", BETTER_LOWER, (double)total / 1e6 / (double)nr);
	case_metric(c, "ranges_collapsed", "ranges", BETTER_HIGHER, (double)ok);
	case_metric(c, "ranges_failed", "ranges", BETTER_LOWER, (double)(nr - ok));
	case_param_str(c, "errnos", errs[0] ? errs : "none");
}

/* Waits for khugepaged to collapse the region into folios of @size and says how far it got; -errno. */
static int khugepaged_collapse(struct bench_case *c, const struct thp_region *r, size_t size,
			       unsigned timeout_s)
{
	struct khp_wait w;
	int err = khugepaged_wait(r, size, r->len, timeout_s, &w);

	if (err)
		return err;
	if (w.done)
		case_metric(c, "collapse_wait_ms", "ms", BETTER_LOWER, w.ms);
	case_metric(c, "collapsed_pct", "%", BETTER_HIGHER, 100.0 * (double)w.got / (double)r->len);
	case_metric(c, "full_scans", "scans", BETTER_NONE, (double)w.scans);
	case_param_str(c, "result", w.result);
	return 0;
}

int thp_collapse_run(struct bench_ctx *ctx, struct bench_case *c)
{
	const struct thp_opts *o = ctx->o;
	const struct thp_case *tc = CASE_DATA(c, struct thp_case);
	size_t size = tc->size, stride = tc->stride;
	size_t len = collapse_len(o), npop = len / THP_PAGE / stride;
	struct vmstat_snap before = { 0 }, after = { 0 };
	char nr_anon[64];
	const char *names[] = { "thp_collapse_alloc", "thp_collapse_alloc_failed", nr_anon, NULL };
	uint64_t pc0 = 0, pc1 = 0;
	long long rss0, rss1, huge0, huge1;
	double acc0, acc1;
	struct thp_region r;
	int err;

	snprintf(nr_anon, sizeof(nr_anon), "hugepages-%zukB.nr_anon", size >> 10);
	err = thp_region_map(&r, len);
	if (err)
		return case_fail(c, err, "%s: mmap %zu bytes", __func__, len);
	populate(r.p, len, stride);
	huge0 = self_smaps_range_kb(r.p, len, "AnonHugePages");
	rss0 = self_smaps_range_kb(r.p, len, "Rss");
	if (huge0 < 0 || rss0 < 0) {
		err = huge0 < 0 ? (int)huge0 : (int)rss0;
		case_fail(c, err, "%s: smaps of the region", __func__);
		goto out;
	}
	if (huge0) {
		err = case_fail(c, -EEXIST, "%s: %lld kB AnonHugePages before collapse: not 4 KiB pages",
				__func__, huge0);
		goto out;
	}
	acc0 = thp_access_ns(r.p, npop, stride);

	err = vmstat_snap(&before);
	if (!err)
		err = thp_khugepaged_stat("pages_collapsed", &pc0);
	if (err) {
		case_fail(c, err, "%s: vmstat", __func__);
		goto out;
	}
	if (tc->phase == THP_MADV_COLLAPSE) {
		madv_collapse(c, &r);
	} else if ((err = khugepaged_collapse(c, &r, size, o->timeout))) {
		case_fail(c, err, "%s: waiting for khugepaged", __func__);
		goto out;
	}
	err = vmstat_snap(&after);
	if (!err)
		err = thp_khugepaged_stat("pages_collapsed", &pc1);
	if (err) {
		case_fail(c, err, "%s: vmstat", __func__);
		goto out;
	}
	huge1 = self_smaps_range_kb(r.p, len, "AnonHugePages");
	rss1 = self_smaps_range_kb(r.p, len, "Rss");
	if (huge1 < 0 || rss1 < 0) {
		err = huge1 < 0 ? (int)huge1 : (int)rss1;
		case_fail(c, err, "%s: smaps of the region", __func__);
		goto out;
	}
	acc1 = thp_access_ns(r.p, npop, stride);

	case_metric(c, "anon_huge_kb", "KiB", BETTER_NONE, (double)huge1);
	thp_case_folios(c, r.p, len, size, BETTER_HIGHER);
	case_metric(c, "rss_before_kb", "KiB", BETTER_NONE, (double)rss0);
	case_metric(c, "rss_after_kb", "KiB", BETTER_LOWER, (double)rss1);
	case_metric(c, "bloat_ratio", "x", BETTER_LOWER, (double)rss1 / (double)rss0);
	case_metric(c, "access_ns_per_page_before", "ns", BETTER_LOWER, acc0);
	case_metric(c, "access_ns_per_page", "ns", BETTER_LOWER, acc1);
	/* global: khugepaged collapses for every process, not only this one */
	case_metric(c, "pages_collapsed", "folios", BETTER_NONE, (double)(pc1 - pc0));
	case_vmstat(c, "khugepaged.pages_collapsed", (int64_t)(pc1 - pc0));
	case_vmstat_deltas(c, &before, &after, names);
out:
	vmstat_snap_free(&before);
	vmstat_snap_free(&after);
	thp_region_unmap(&r);
	return err;
}
