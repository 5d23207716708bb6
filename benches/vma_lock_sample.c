/* The vma-lock bench's timed region seen from the main thread: reading the workers at each sample's end. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "sys/counters.h"
#include "sys/timing.h"
#include "vma_lock_work.h"

/*
 * The @k-th smallest of a[0..n) (Wirth's selection), in place: smaller ones end
 * up before it. Not qsort(): glibc's takes a buffer from malloc, whose mmap or
 * brk would take mmap_lock for write inside the timed region.
 */
static uint32_t vl_select(uint32_t *a, long n, long k)
{
	long l = 0, m = n - 1;

	while (l < m) {
		uint32_t x = a[k], t;
		long i = l, j = m;

		do {
			while (a[i] < x)
				i++;
			while (x < a[j])
				j--;
			if (i <= j) {
				t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		} while (i <= j);
		if (j < k)
			l = i;
		if (k < i)
			m = j;
	}
	return a[k];
}

/* Latency samples each worker took since @nlat0, into scratch; returns how many. */
static size_t vl_gather_lat(struct vl_state *vs, uint64_t *nlat0)
{
	struct vl_work *w = &vs->w;
	size_t n = 0;

	for (unsigned i = 0; i < w->nr; i++) {
		uint64_t end = vl_load(&w->sh->slot[i].nlat), from = nlat0[i];
		const uint32_t *ring = w->lat + (size_t)i * VL_LAT_MAX;

		/* a ring overrun keeps the newest half (the writer goes on meanwhile) */
		if (end - from > VL_LAT_MAX / 2)
			from = end - VL_LAT_MAX / 2;
		for (uint64_t k = from; k < end; k++)
			vs->scratch[n++] = ring[k % VL_LAT_MAX];
		nlat0[i] = end;
	}
	return n;
}

void vl_sleep_until(uint64_t deadline)
{
	struct timespec ts = { deadline / 1000000000ull, deadline % 1000000000ull };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Sum of the workers' counts, and each one's count into @per (may be NULL). */
static uint64_t vl_faults(const struct vl_work *w, uint64_t *per)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < w->nr; i++) {
		uint64_t f = vl_load(&w->sh->slot[i].faults);

		if (per)
			per[i] = f;
		sum += f;
	}
	return sum;
}

static uint64_t vl_reclaim_ns(const struct vl_work *w)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < w->nr; i++)
		sum += vl_load(&w->sh->slot[i].reclaim_ns);
	return sum;
}

/* The mmap_lock acquisitions between the two reads of every counter (supported false: not counted). */
static struct counter_value lock_count(const struct vl_state *vs, const struct counters *cnt)
{
	struct counter_value lk = { 0 };

	for (int i = 0; i < vs->nr_cv; i++) {
		if (strcmp(counters_label(cnt, i), "mmap_lock_start_locking"))
			continue;
		lk.supported = vs->cv0[i].supported && vs->cv1[i].supported;
		lk.val = lk.supported ? vs->cv1[i].val - vs->cv0[i].val : 0;
	}
	return lk;
}

/*
 * The timed part of one repetition. Nothing in it allocates (an allocation may
 * take mmap_lock through brk or mmap and be counted): results go to vs. The
 * rates span the whole region, so a repetition is one measurement; latency is
 * gathered per interval, since a worker's ring holds one interval's samples.
 */
void vl_measure(struct vl_state *vs, struct counters *cnt, uint64_t *first,
		uint64_t *cur, uint64_t *nlat0)
{
	struct vl_work *w = &vs->w;
	struct counter_value lk;
	uint64_t t0, t, total0, total, sum = 0, reclaim0, churn0;
	double dt, tmin = -1, tmax = 0;

	churn0 = vl_load(&w->sh->churn_ops);
	reclaim0 = vl_reclaim_ns(w);
	/*
	 * Every counter (the lock count, minor-faults) is read at both ends right after the
	 * workers' fault count, so what it misses at the start and adds at the end are one
	 * read apart each: enabling and disabling are an ioctl per counter, 4-17 ms each on a
	 * busy guest with a worker on the other CPU (strace), and between the two reads they
	 * once cost 11% of the locks under TCG.
	 */
	counters_enable(cnt);
	t0 = now_ns();
	total0 = vl_faults(w, first);
	vs->nr_cv = counters_read_all(cnt, vs->cv0, VL_MAX_COUNTERS);
	for (unsigned i = 0; i < w->nr; i++)
		nlat0[i] = vl_load(&w->sh->slot[i].nlat);
	for (unsigned s = 0; s < vs->nsamples; s++) {
		double *r = vs->res + (size_t)s * R_NR;
		size_t nl;

		vl_sleep_until(t0 + (s + 1) * vs->interval_ns);
		nl = vl_gather_lat(vs, nlat0);
		r[R_P50] = r[R_P99] = -1;
		if (nl) {
			long k99 = (long)((nl - 1) * 99 / 100), k50 = (long)((nl - 1) / 2);

			/* the p99 first: everything before it is then no larger, the p50 among them */
			r[R_P99] = vl_select(vs->scratch, (long)nl, k99);
			r[R_P50] = vl_select(vs->scratch, k99 + 1, k50);
		}
	}
	/*
	 * The counts span to this read, not to the nominal end of the last interval:
	 * the sampler may wake late (its CPU is the workers').
	 */
	t = now_ns();
	total = vl_faults(w, cur);
	counters_read_all(cnt, vs->cv1, vs->nr_cv);
	counters_disable(cnt);
	lk = lock_count(vs, cnt);
	dt = (double)(t - t0) / 1e9;
	for (unsigned i = 0; i < w->nr; i++) {
		double f = (double)(cur[i] - first[i]) / dt;

		sum += cur[i] - first[i];
		tmin = tmin < 0 || f < tmin ? f : tmin;
		tmax = f > tmax ? f : tmax;
	}
	vs->fps = (double)sum / dt;
	vs->tmin = tmin;
	vs->tmax = tmax;
	vs->lock = lk.supported && sum ? (double)lk.val * 1000.0 / sum : -1;
	vs->faults = total - total0;
	vs->secs = (double)(now_ns() - t0) / 1e9;
	vs->window = dt;
	vs->reclaim_ns = vl_reclaim_ns(w) - reclaim0;
	vs->churn_ops = vl_load(&w->sh->churn_ops) - churn0;
}
