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
			(mode_one_vma(ns->mode) ? ns->size * ns->nthreads : ns->size) : ns->idle_size;
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
static int populate(const struct numa_scan *ns, char *p, size_t len, int node)
{
	unsigned long mask[MAX_NODES / 64] = { 0 };

	if (node >= 0) {
		mask[node / 64] |= 1ul << (node % 64);
		if (set_mempolicy(MPOL_BIND, mask, sizeof(mask) * 8))
			return -errno;
	}
	for (size_t off = 0; off < len; off += ns->page)
		p[off] = 1;
	if (node >= 0 && set_mempolicy(MPOL_DEFAULT, NULL, 0))
		return -errno;
	return 0;
}

/*
 * foreign's toucher: a store to every page of its VMA, then asleep. Its minor
 * faults are the hint faults of the pages a scan protected meanwhile; it runs too
 * little to reach a scan period of its own, so the writers do the scanning.
 */
static void touch_loop(struct worker *w)
{
	const struct numa_scan *ns = w->ns;
	struct timespec ts = { .tv_sec = w->sleep_ms / 1000, .tv_nsec = (w->sleep_ms % 1000) * 1000000l };
	struct rusage ru;

	while (!__atomic_load_n(&ns->sh->stop, __ATOMIC_RELAXED)) {
		for (size_t i = 0; i < w->npages; i++)
			*(volatile char *)(w->base + i * ns->page) = 2;
		if (!getrusage(RUSAGE_THREAD, &ru))
			__atomic_store_n(&w->minflt, (uint64_t)ru.ru_minflt, __ATOMIC_RELAXED);
		__atomic_store_n(&w->pages, w->pages + w->npages, __ATOMIC_RELAXED);
		nanosleep(&ts, NULL);
	}
}

/* One unit of work: one page written, a store to each of its cache lines. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct numa_scan *ns = w->ns;
	const int *stop = &ns->sh->stop;
	size_t i = w->first;
	uint64_t done = 0;

	w->os_tid = gettid();
	if (w->cpu >= 0)
		topo_pin_self(w->cpu);
	/* numa01's THREAD_ALLOC shape: each thread faults in its own memory first. */
	if (w->pop_len && populate(ns, w->pop, w->pop_len, w->mem_node))
		__atomic_store_n(&ns->sh->stop, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait((pthread_barrier_t *)&ns->barrier);	/* populated */
	pthread_barrier_wait((pthread_barrier_t *)&ns->barrier);	/* the clock runs */
	if (w->sleep_ms) {
		touch_loop(w);
	} else {
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
	}
	/* Parked until the end's sample is taken: no fault or scan can fall between its reads. */
	pthread_barrier_wait((pthread_barrier_t *)&ns->barrier);	/* stopped */
	pthread_barrier_wait((pthread_barrier_t *)&ns->barrier);	/* sampled */
	return NULL;
}

/* Writers first (t < nthreads), then foreign's touchers, each on the next CPU in turn. */
static int start_workers(struct numa_scan *ns)
{
	size_t slice = ns->size / ns->page;

	for (unsigned t = 0; t < ns->nr_workers; t++) {
		struct worker *w = &ns->w[t];
		int toucher = t >= ns->nthreads;
		const struct region *r = &ns->regions[toucher ? ns->nr_work + ns->nr_idle + (t - ns->nthreads) :
						      mode_one_vma(ns->mode) ? 0 : t];
		int err;

		memset(w, 0, sizeof(*w));
		w->ns = ns;
		w->base = r->addr;
		w->npages = r->len / ns->page;
		w->first = 0;
		if (mode_all_write_all(ns->mode)) {
			/* each thread populates a slice, and starts writing there rather than on the same lines */
			w->first = t * slice;
		} else if (!toucher && mode_one_vma(ns->mode)) {
			/* numa02: the VMA cut into one slice a thread, each written by its thread alone */
			w->base = r->addr + t * slice * ns->page;
			w->npages = slice;
		}
		w->pop = w->base + w->first * ns->page;
		w->pop_len = toucher ? r->len : ns->size;
		w->cpu = ns->nr_cpus ? ns->cpus[t % ns->nr_cpus] : -1;
		w->mem_node = ns->nr_cpus ? ns->mem_of[t % ns->nr_cpus] : -1;
		w->sleep_ms = toucher ? ns->foreign_ms : 0;
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

/* Minor faults of thread @tid of this process so far (field 10 of its stat); -errno. */
static int64_t thread_minflt(pid_t tid)
{
	char path[64], line[1024], *p;
	unsigned long long v;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	/* after the command's closing parenthesis: state ppid pgrp session tty tpgid flags minflt */
	p = ok ? strrchr(line, ')') : NULL;
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %llu", &v) != 1)
		return -EINVAL;
	return (int64_t)v;
}

/* Each writer's faults and pages, summed per node it runs on. */
static void sample_nodes(const struct numa_scan *ns, struct sample *s)
{
	s->node_faults_ok = ns->nr_cpus > 0;
	for (unsigned t = 0; t < ns->nthreads && s->node_faults_ok; t++) {
		const struct worker *w = &ns->w[t];
		int node = topo_node_of_cpu(w->cpu);
		int64_t f = thread_minflt(w->os_tid);

		if (f < 0 || node < 0 || node >= MAX_NODES) {
			s->node_faults_ok = 0;
			break;
		}
		s->node_faults[node] += (uint64_t)f;
		s->node_pages[node] += __atomic_load_n(&w->pages, __ATOMIC_RELAXED);
	}
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
	for (unsigned t = ns->nthreads; t < ns->nr_workers; t++)
		s->foreign_faults += __atomic_load_n(&ns->w[t].minflt, __ATOMIC_RELAXED);
	s->seq_ok = read_scan_seq(&s->seq);
	for (int i = 0; i < ns->nr_skips; i++) {
		if (!counters_read(cnt, ns->skip_label[i], &cv) && cv.supported)
			s->skip[i] = cv.val;
	}
	if (!counters_read(cnt, "self_faults", &cv) && cv.supported)
		s->faults = cv.val;
	if (!counters_read(cnt, "self_wp_faults", &cv) && cv.supported)
		s->wp_faults = cv.val;
	sample_nodes(ns, s);
}

static struct counters *skip_counters(const struct numa_scan *ns)
{
	struct counters *cnt = counters_new(COUNTERS_SELF);

	if (!cnt)
		return NULL;
	/* Every skip, whatever the reason: the per-reason counts should add up to it. */
	counters_add(cnt, "skip_all", SKIP_EVENT, NULL);
	/*
	 * Once their memory is populated the writers fault on NUMA hint faults and, on
	 * kernels that map a migrated page read-only, once more on the write that follows:
	 * both counted for this process alone, unlike /proc/vmstat.
	 */
	counters_add(cnt, "self_faults", "page-faults", NULL);
	counters_add(cnt, "self_wp_faults", FAULT_EVENT, PROT_FILTER);
	for (int i = 0; i < ns->nr_skips; i++)
		counters_add(cnt, ns->skip_label[i], SKIP_EVENT, ns->skip_filter[i]);
	return cnt;
}

/*
 * foreign's clock starts once the mm's scanner has wrapped WARMUP_PASSES times: until
 * then every VMA is scanned whoever touched it (vma_is_accessed() of 6.4 onwards), so
 * a window that began earlier would measure mostly passes that cannot filter. Bounded:
 * a kernel whose scanner never wraps still gets measured, and warmup_s says so.
 */
static void warm_up(struct numa_scan *ns)
{
	uint64_t t0 = now_ns(), seq = 0;
	struct timespec tick = { .tv_nsec = 100 * 1000000l };

	while (now_ns() - t0 < 60 * 1000000000ull && !__atomic_load_n(&ns->sh->stop, __ATOMIC_RELAXED)) {
		if (read_scan_seq(&seq) && seq >= WARMUP_PASSES)
			break;
		nanosleep(&tick, NULL);
	}
	ns->sh->warmup_s = (now_ns() - t0) / 1e9;
}

/* The two samples of the repetition, and where the memory is at its end. */
static void measure(struct numa_scan *ns, struct counters *cnt)
{
	struct shared *sh = ns->sh;
	uint64_t t;
	struct timespec ts;

	counters_enable(cnt);
	if (ns->mode != MODE_FOREIGN)
		take_sample(ns, cnt, &sh->samples[0]);
	pthread_barrier_wait(&ns->barrier);	/* the writers start */
	if (ns->mode == MODE_FOREIGN) {
		warm_up(ns);
		take_sample(ns, cnt, &sh->samples[0]);
	}
	/* the repetition is one measurement: its first and last samples, nothing between */
	t = sh->samples[0].t_ns + ns->duration * 1000000000ull;
	ts = (struct timespec){ .tv_sec = t / 1000000000ull, .tv_nsec = t % 1000000000ull };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	/*
	 * The end's sample with every writer parked: taken while they ran, its reads
	 * (vmstat first, the counters after) lay up to hundreds of ms apart under TCG,
	 * where the sampler shares a CPU with a writer, and disagreed by as much.
	 */
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&ns->barrier);	/* stopped */
	take_sample(ns, cnt, &sh->samples[1]);
	numa_scan_where(ns);
	sh->nr_samples = 2;
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
	/* the idle VMAs, populated here; foreign's are populated by their touchers */
	for (int i = ns->nr_work; i < ns->nr_work + (int)ns->nr_idle && !err; i++)
		err = populate(ns, ns->regions[i].addr, ns->regions[i].len, ns->idle_node);
	cnt = skip_counters(ns);
	/* Opened before the writers exist: they and their task_work inherit the events. */
	if (!err)
		err = cnt ? counters_open(cnt) : -ENOMEM;
	if (!err)
		err = -pthread_barrier_init(&ns->barrier, NULL, ns->nr_workers + 1);
	if (err) {
		snprintf(sh->why, sizeof(sh->why), "populate or counters: %s", strerror(-err));
		return err;
	}
	err = start_workers(ns);
	if (err) {
		snprintf(sh->why, sizeof(sh->why), "pthread_create: %s", strerror(-err));
		_exit(1);	/* writers wait on a barrier that will never fill */
	}
	pthread_barrier_wait(&ns->barrier);
	if (__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		snprintf(sh->why, sizeof(sh->why), "populate on the placement's nodes failed");
		err = -EIO;
	}
	if (err) {
		pthread_barrier_wait(&ns->barrier);	/* lets the writers see stop */
		pthread_barrier_wait(&ns->barrier);	/* stopped */
	} else {
		measure(ns, cnt);
	}
	pthread_barrier_wait(&ns->barrier);	/* sampled: the writers return */
	for (unsigned t = 0; t < ns->nr_workers; t++)
		pthread_join(ns->w[t].tid, NULL);
	counters_disable(cnt);
	counters_read(cnt, "skip_all", &sh->skip_all);
	counters_read(cnt, "self_faults", &sh->faults);
	counters_read(cnt, "self_wp_faults", &sh->wp_faults);
	for (int i = 0; i < ns->nr_skips; i++)
		counters_read(cnt, ns->skip_label[i], &sh->skip[i]);
	counters_free(cnt);
	return err;
}
