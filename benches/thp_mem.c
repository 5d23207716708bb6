/* thp: memory helpers: PMD-aligned regions, a pointer-chasing read pass, folios of a range, THP stats. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/bench.h"
#include "knobs/knobs.h"
#include "sys/privs.h"
#include "sys/procfs.h"
#include "sys/timing.h"
#include "thp.h"

/*
 * The region is over-mapped and its ends made PROT_NONE rather than unmapped, so
 * it is aligned to the PMD size and never merges with a neighbouring anonymous
 * mapping (smaps of the range then describes this region alone).
 */
int thp_region_map(struct thp_region *r, size_t len)
{
	uintptr_t start;
	char *end;

	r->map_len = len + 2 * thp_pmd_size;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->map == MAP_FAILED)
		return -errno;
	start = ((uintptr_t)r->map + THP_PAGE + thp_pmd_size - 1) & ~(uintptr_t)(thp_pmd_size - 1);
	r->p = (char *)start;
	r->len = len;
	end = r->p + len;
	if (mprotect(r->map, r->p - r->map, PROT_NONE) ||
	    mprotect(end, r->map + r->map_len - end, PROT_NONE)) {
		int err = -errno;

		munmap(r->map, r->map_len);
		return err;
	}
	return 0;
}

void thp_region_unmap(struct thp_region *r)
{
	if (r->map && r->map != MAP_FAILED)
		munmap(r->map, r->map_len);
	r->map = NULL;
}

static size_t gcd(size_t a, size_t b)
{
	while (b) {
		size_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* The byte of the k-th page read: lines spread over the cache sets rather than all at offset 0. */
static inline char *chase_addr(char *p, size_t k, size_t step)
{
	return p + k * step * THP_PAGE + (k & 63) * 64;
}

double thp_access_ns(char *p, size_t n, size_t step)
{
	/* a prime stride of pages: each read lands on another 4 KiB page and, mostly, another 64 KiB folio */
	static const size_t primes[] = { 17, 19, 23, 29, 31, 37 };
	size_t jump = 1, passes, idx = 0;
	uint64_t t0, t1;
	char *q;

	if (!n)
		return 0;
	for (size_t i = 0; i < sizeof(primes) / sizeof(primes[0]); i++) {
		if (gcd(primes[i], n) == 1) {
			jump = primes[i] % n;
			break;
		}
	}
	/*
	 * Each page holds the address of the next, so every read waits for the one
	 * before: the time is the latency of a read, TLB miss included, not the
	 * throughput that out-of-order execution would give independent reads.
	 */
	for (size_t k = 0; k < n; k++) {
		size_t next = idx + jump >= n ? idx + jump - n : idx + jump;

		*(char **)chase_addr(p, idx, step) = chase_addr(p, next, step);
		idx = next;
	}
	passes = (1u << 20) / n;
	passes = passes < 1 ? 1 : passes > 64 ? 64 : passes;
	q = chase_addr(p, 0, step);
	/* one untimed lap first: the timed ones measure TLB reach, not first-touch effects */
	for (size_t k = 0; k < n; k++)
		q = *(char **)q;
	t0 = now_ns();
	for (size_t k = 0; k < passes * n; k++)
		q = *(char **)q;
	t1 = now_ns();
	/* the chain must not be optimised away */
	__asm__ volatile("" : : "r"(q));
	return (double)(t1 - t0) / (double)(passes * n);
}

#define PM_PRESENT	(1ull << 63)
#define PM_PFN_MASK	((1ull << 55) - 1)
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16

/*
 * Folios of exactly @size mapping [p, p + len): from the PFNs in /proc/self/pagemap
 * and the head/tail flags in /proc/kpageflags (root only). Per region, where the
 * per-size stats count for the whole system.
 */
int thp_region_folios(const char *p, size_t len, size_t size, uint64_t *nr)
{
	/* flags of a folio's first page and of the page after its last, no more */
	size_t n = len / THP_PAGE, want = size / THP_PAGE + 1, i = 0;
	uint64_t *pm = NULL, *fl = NULL;
	int pmfd, kfd, err = 0;

	*nr = 0;
	pmfd = open("/proc/self/pagemap", O_RDONLY);
	kfd = open("/proc/kpageflags", O_RDONLY);
	pm = malloc(n * sizeof(*pm));
	fl = malloc(want * sizeof(*fl));
	if (pmfd < 0 || kfd < 0 || !pm || !fl) {
		err = pm && fl ? -errno : -ENOMEM;
		goto out;
	}
	if (pread(pmfd, pm, n * sizeof(*pm), (off_t)((uintptr_t)p / THP_PAGE * sizeof(*pm))) !=
	    (ssize_t)(n * sizeof(*pm))) {
		err = -EIO;
		goto out;
	}
	while (i < n) {
		uint64_t pfn = pm[i] & PM_PFN_MASK;
		size_t pages = 1, got;
		ssize_t r;

		if (!(pm[i] & PM_PRESENT)) {
			i++;
			continue;
		}
		if (!pfn) {
			err = -EPERM;	/* PFNs are hidden without CAP_SYS_ADMIN */
			goto out;
		}
		r = pread(kfd, fl, want * sizeof(*fl), (off_t)(pfn * sizeof(*fl)));
		if (r < (ssize_t)sizeof(*fl)) {
			err = r < 0 ? -errno : -EIO;
			goto out;
		}
		got = (size_t)r / sizeof(*fl);
		if (fl[0] & (1ull << KPF_COMPOUND_TAIL)) {
			i++;	/* inside a folio larger than @size, or mapped from its middle */
			continue;
		}
		if (fl[0] & (1ull << KPF_COMPOUND_HEAD))
			while (pages < got && i + pages < n &&
			       (pm[i + pages] & PM_PFN_MASK) == pfn + pages &&
			       (fl[pages] & (1ull << KPF_COMPOUND_TAIL)))
				pages++;
		/* exactly @size: the page after it is not one more tail */
		if (pages * THP_PAGE == size &&
		    (pages >= got || !(fl[pages] & (1ull << KPF_COMPOUND_TAIL))))
			(*nr)++;
		i += pages;
	}
out:
	free(pm);
	free(fl);
	if (pmfd >= 0)
		close(pmfd);
	if (kfd >= 0)
		close(kfd);
	return err;
}

/*
 * The case's region_folios. Without CAP_SYS_ADMIN pagemap hides PFNs and kpageflags is
 * root's: PMD-size folios are then counted from smaps (AnonHugePages: the PMD-mapped
 * ones), and other sizes cannot be counted; a param says which, and why.
 */
void thp_case_folios(struct bench_case *c, const char *p, size_t len, size_t size,
		     enum better better)
{
	char why[96];
	struct privs pv;
	uint64_t nr;
	long long huge;
	int err = thp_region_folios(p, len, size, &nr);

	if (!err) {
		case_metric(c, "region_folios", "folios", better, (double)nr);
		return;
	}
	privs_read(&pv);
	if ((err == -EPERM || err == -EACCES) && size == thp_pmd_size &&
	    (huge = self_smaps_range_kb(p, len, "AnonHugePages")) >= 0) {
		case_param_str(c, "region_folios_from", "smaps AnonHugePages: kpageflags needs CAP_SYS_ADMIN");
		case_metric(c, "region_folios", "folios", better, (double)huge * 1024 / size);
		return;
	}
	if (err == -EPERM || err == -EACCES)
		privs_why_cap(&pv, PRIV_CAP_SYS_ADMIN, "/proc/kpageflags", -err, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%s", strerror(-err));
	case_param_str(c, "region_folios_from", why);
}

int thp_size_stat(size_t size, const char *stat, uint64_t *val)
{
	char rel[128], path[512];

	snprintf(rel, sizeof(rel), THP_SYSFS "/hugepages-%zukB/stats/%s", size >> 10, stat);
	return read_u64(sysroot_path(path, sizeof(path), rel), val);
}

int thp_khugepaged_stat(const char *name, uint64_t *val)
{
	char rel[128], path[512];

	snprintf(rel, sizeof(rel), THP_SYSFS "/khugepaged/%s", name);
	return read_u64(sysroot_path(path, sizeof(path), rel), val);
}
