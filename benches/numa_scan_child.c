/* numa-scan: the child process that runs one repetition, its writer threads and its sampler at both ends. */
#include <errno.h>
#include <numaif.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/bench.h"
#include "sys/counters.h"
#include "sys/timing.h"
#include "sys/topology.h"
#include "sys/vmstat.h"
#include "numa_scan.h"

#define BATCH_PAGES	64	/* pages between two updates of a worker's counter */

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
			s->stat[i] = vmstat_get(&v, numa_scan_stats[i].vmstat);
	vmstat_snap_free(&v);
	cpu_times_ns(&user, &s->sys_ns);
	if (!getrusage(RUSAGE_THREAD, &ru))
		s->sampler_sys_ns = ru.ru_stime.tv_sec * 1000000000ull + ru.ru_stime.tv_usec * 1000ull;
	for (unsigned t = 0; t < ns->nthreads; t++)
		s->pages += __atomic_load_n(&ns->w[t].pages, __ATOMIC_RELAXED);
	s->seq_ok = read_scan_seq(&s->seq);
	for (int i = 0; i < ns->nr_skips; i++) {
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
int numa_scan_child_run(struct numa_scan *ns)
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
	if (!err) {
		/* the repetition is one measurement: its first and last samples, nothing between */
		uint64_t t = sh->samples[0].t_ns + ns->duration * 1000000000ull;
		struct timespec ts = { .tv_sec = t / 1000000000ull, .tv_nsec = t % 1000000000ull };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		take_sample(ns, cnt, &sh->samples[1]);
		sh->nr_samples = 2;
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
