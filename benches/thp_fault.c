/* thp fault-alloc: write-fault a region with only one folio size enabled, and read it back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "core/bench.h"
#include "sys/counters.h"
#include "sys/memutil.h"
#include "sys/procfs.h"
#include "sys/timing.h"
#include "sys/vmstat.h"
#include "thp.h"

/* The timed pass: one byte written in every 4 KiB page of [p, p + len); its ns, and *@faults. */
static uint64_t write_pages(struct thp_state *st, char *p, size_t len, uint64_t *faults)
{
	uint64_t t0, t1, flt0;

	if (st->cnt) {
		counters_reset(st->cnt);
		counters_enable(st->cnt);
	}
	/* the loop runs in this thread alone: its own faults, the count when perf has none */
	flt0 = mem_thread_minflt();
	t0 = now_ns();
	for (size_t off = 0; off < len; off += THP_PAGE)
		p[off] = 1;
	t1 = now_ns();
	*faults = mem_thread_minflt() - flt0;
	if (st->cnt)
		counters_disable(st->cnt);
	return t1 - t0;
}

/*
 * One repetition: map a fresh PMD-aligned region, write one byte in every 4 KiB page
 * (timed: a fault maps a whole folio, so the later writes to it do not fault), then
 * measure what the folios left behind: RSS, page tables, and a strided read pass.
 */
int thp_fault_run(struct bench_ctx *ctx, struct bench_case *c, struct thp_state *st)
{
	const struct thp_opts *o = ctx->o;
	size_t size = CASE_DATA(c, struct thp_case)->size;
	size_t len = o->size / thp_pmd_size * thp_pmd_size;
	double mib = (double)len / (1 << 20);
	struct vmstat_snap before = { 0 }, after = { 0 };
	char alloc[64], fallback[64], charge[64];
	const char *names[] = { "thp_fault_alloc", "thp_fault_fallback", alloc, fallback, charge, NULL };
	struct counter_value v = { 0 };
	long long pte0, pte1, rss;
	struct thp_region r;
	uint64_t ns, faults;
	int err;

	err = thp_region_map(&r, len);
	if (err)
		return case_fail(c, err, "%s: mmap %zu bytes", __func__, len);
	snprintf(alloc, sizeof(alloc), "hugepages-%zukB.anon_fault_alloc", size >> 10);
	snprintf(fallback, sizeof(fallback), "hugepages-%zukB.anon_fault_fallback", size >> 10);
	snprintf(charge, sizeof(charge), "hugepages-%zukB.anon_fault_fallback_charge", size >> 10);
	if (size == THP_PAGE)
		names[2] = NULL;	/* no per-size stats for order 0 */

	pte0 = self_status_kb("VmPTE");
	err = vmstat_snap(&before);
	if (err)
		goto out;
	ns = write_pages(st, r.p, len, &faults);
	err = vmstat_snap(&after);
	if (err)
		goto out;
	pte1 = self_status_kb("VmPTE");
	rss = self_smaps_range_kb(r.p, len, "Rss");

	if (st->cnt && counters_read(st->cnt, "minor-faults", &v) == 0 && v.supported) {
		faults = v.val;
		case_counters(c, st->cnt);
	}
	case_metric(c, "fault_us_per_mib", "us", BETTER_LOWER, (double)ns / 1e3 / mib);
	case_metric(c, "faults_per_mib", "faults", BETTER_LOWER, (double)faults / mib);
	if (size != THP_PAGE && vmstat_get(&before, alloc) < 0 && size == thp_pmd_size) {
		/*
		 * No per-size stats (older kernels): the PMD size's are thp_fault_alloc
		 * and thp_fault_fallback, which newer kernels bump together with them.
		 */
		snprintf(alloc, sizeof(alloc), "thp_fault_alloc");
		snprintf(fallback, sizeof(fallback), "thp_fault_fallback");
		names[2] = "thp_fault_fallback_charge";
		names[3] = NULL;	/* the first two are recorded already */
	}
	if (size != THP_PAGE && vmstat_get(&before, alloc) >= 0) {
		case_param_str(c, "fault_stats", alloc);
		case_metric(c, "anon_fault_alloc", "folios", BETTER_NONE,
			    (double)vmstat_delta(&before, &after, alloc));
		case_metric(c, "anon_fault_fallback", "folios", BETTER_LOWER,
			    (double)vmstat_delta(&before, &after, fallback));
	}
	if (rss >= 0)
		case_metric(c, "rss_kb", "KiB", BETTER_LOWER, (double)rss);
	thp_case_folios(c, r.p, len, size, BETTER_NONE);
	/* THP keeps a PTE table deposited per PMD mapping, so VmPTE counts those too */
	if (pte0 >= 0 && pte1 >= 0)
		case_metric(c, "pte_bytes", "B", BETTER_LOWER, (double)(pte1 - pte0) * 1024);
	case_metric(c, "access_ns_per_page", "ns", BETTER_LOWER,
		    thp_access_ns(r.p, len / THP_PAGE, 1));
	case_vmstat_deltas(c, &before, &after, names);
out:
	vmstat_snap_free(&before);
	vmstat_snap_free(&after);
	thp_region_unmap(&r);
	if (err)
		return case_fail(c, err, "%s: vmstat", __func__);
	return 0;
}
