/* The vma-lock bench's fault loops: what one thread or process does while the clock runs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sys/memutil.h"
#include "sys/timing.h"
#include "vma_lock_work.h"

#define CHURN_LEN	(64ul << 10)
#define MIN_PAGE	4096ul

struct vl_arg {
	struct vl_work *w;
	unsigned idx;
};

static struct vl_arg *vl_args;

static bool vl_write_kind(const struct vl_work *w)
{
	return w->kind == VL_ANON_WRITE || w->kind == VL_TMPFS_WRITE;
}

/* A mapping of the kind's memory: anonymous, or the tmpfs file from byte @off. */
static char *vl_map(const struct vl_work *w, void *addr, size_t len, off_t off)
{
	int prot = w->kind == VL_TMPFS_READ ? PROT_READ : PROT_READ | PROT_WRITE;
	int flags = addr ? MAP_FIXED : 0;
	void *p;

	if (w->memfd < 0)
		p = mmap(addr, len, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		p = mmap(addr, len, prot, flags | MAP_SHARED, w->memfd, off);
	return p == MAP_FAILED ? NULL : p;
}

/* PROT_NONE address space of @len starting on VL_ALIGN, for MAP_FIXED mappings to fill. */
static char *vl_reserve(size_t len)
{
	return mem_map_aligned(len, VL_ALIGN, PROT_NONE);
}

/*
 * private-vma maps each slice at its own VL_ALIGN-aligned place with a PROT_NONE
 * gap after it: adjacent anonymous mappings (or file mappings with consecutive
 * offsets) would otherwise merge into one VMA and the mode would be shared-vma.
 */
static size_t vl_private_step(const struct vl_work *w)
{
	return w->slice + VL_ALIGN;
}

int vl_prepare(struct vl_work *w)
{
	size_t len = (size_t)w->nr * w->slice;
	int err;

	w->area = NULL;
	if (w->mode == VL_SHARED || w->mode == VL_CHURN) {
		w->area_len = len;
		w->area = vl_reserve(len);
		if (!w->area || !vl_map(w, w->area, len, 0))
			goto fail;
	} else if (w->mode == VL_PRIVATE) {
		w->area_len = (size_t)w->nr * vl_private_step(w);
		w->area = vl_reserve(w->area_len);
		if (!w->area)
			goto fail;
		for (unsigned i = 0; i < w->nr; i++)
			if (!vl_map(w, w->area + i * vl_private_step(w), w->slice,
				    (off_t)i * w->slice))
				goto fail;
	}
	return 0;
fail:
	err = errno;	/* munmap in vl_release() may change it */
	vl_release(w);
	return -err;
}

void vl_release(struct vl_work *w)
{
	if (w->area)
		munmap(w->area, w->area_len);
	w->area = NULL;
}

long vl_fault_window(int fd)
{
	const size_t len = VL_ALIGN, page = (size_t)sysconf(_SC_PAGESIZE);
	struct vl_work w = { .kind = VL_TMPFS_READ, .memfd = fd };
	uint64_t pm[VL_ALIGN / MIN_PAGE];
	char *a = vl_reserve(len);
	long n = 0;
	int pfd, err = 0;

	if (!a)
		return -errno;
	/* PMD-aligned, so the window that one fault maps is not clipped by the VMA start. */
	if (!vl_map(&w, a, len, 0)) {
		err = -errno;
		goto out;
	}
	(void)*(volatile char *)a;
	pfd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pfd < 0) {
		err = -errno;
		goto out;
	}
	if (pread(pfd, pm, len / page * 8, (off_t)((uintptr_t)a / page * 8)) != (ssize_t)(len / page * 8))
		err = -EIO;
	close(pfd);
	/* bit 63: present; fault-around maps a contiguous run from the faulting page */
	while (!err && n < (long)(len / page) && (pm[n] >> 63))
		n++;
out:
	munmap(a, len);
	return err ? err : n;
}

static inline void vl_touch(volatile char *p, bool write)
{
	if (write)
		*p = 1;
	else
		(void)*p;
}

/*
 * One pass over a slice: one touch per stride, each one page fault. 1 in 64
 * touches, chosen at random rather than by position (every 512th fault may
 * also allocate a page table: PT_RECLAIM frees empty ones on MADV_DONTNEED), is
 * timed; the two clock reads add some 20-50 ns to each sampled latency.
 * Returns true when told to stop.
 */
static bool vl_pass(const struct vl_work *w, struct vl_slot *s, uint32_t *lat,
		    char *base, uint64_t *rng)
{
	const bool write = vl_write_kind(w);
	uint64_t n = s->faults, nl = s->nlat;

	for (size_t off = 0; off < w->slice; off += w->stride) {
		if (__atomic_load_n(&w->sh->stop, __ATOMIC_RELAXED))
			return true;
		if (mem_xorshift(rng) % VL_LAT_EVERY == 0) {
			uint64_t t0 = now_ns(), dt;

			vl_touch(base + off, write);
			dt = now_ns() - t0;
			lat[nl % VL_LAT_MAX] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
			__atomic_store_n(&s->nlat, ++nl, __ATOMIC_RELEASE);
		} else {
			vl_touch(base + off, write);
		}
		__atomic_store_n(&s->faults, ++n, __ATOMIC_RELEASE);
	}
	return false;
}

/*
 * The reclaim step between passes, timed as reclaim_ns and included in the
 * rate (as will-it-scale's page_fault1 includes its munmap): MADV_DONTNEED of
 * the whole slice, once per slice, so its mmap_lock acquisitions are few per
 * 1000 faults. MADV_DONTNEED takes mmap_lock for read, not write (and since
 * Linux 6.17 only the VMA's lock when the range lies in one VMA);
 * map-touch-unmap's munmap and mmap take it for write.
 */
static void vl_worker(struct vl_work *w, unsigned idx)
{
	struct vl_slot *s = &w->sh->slot[idx];
	uint32_t *lat = w->lat + (size_t)idx * VL_LAT_MAX;
	off_t off = (off_t)idx * w->slice;
	/* an odd multiplier: never the zero state, from which xorshift never leaves */
	uint64_t rng = 0x9e3779b97f4a7c15ull * (idx + 1);
	char *base = NULL;
	int ret;

	ret = topo_pin_self(topo_cpu_for(idx, w->place));
	if (ret < 0) {
		s->err = -ret;
		return;
	}
	if (w->mode == VL_SHARED || w->mode == VL_CHURN)
		base = w->area + off;
	else if (w->mode == VL_PRIVATE)
		base = w->area + idx * vl_private_step(w);
	else if (w->mode == VL_PROCS)
		base = vl_map(w, NULL, w->slice, off);	/* in this process's own mm */

	for (;;) {
		bool stop;
		uint64_t t;

		if (w->mode == VL_MTU)
			base = vl_map(w, NULL, w->slice, off);
		if (!base) {
			s->err = errno;
			return;
		}
		stop = vl_pass(w, s, lat, base, &rng);
		t = now_ns();
		if (w->mode == VL_MTU)
			munmap(base, w->slice);
		else if (madvise(base, w->slice, MADV_DONTNEED))
			s->err = errno;
		__atomic_store_n(&s->reclaim_ns, s->reclaim_ns + now_ns() - t, __ATOMIC_RELEASE);
		if (stop || s->err)
			return;
	}
}

static void *vl_thread(void *arg)
{
	struct vl_arg *a = arg;

	vl_worker(a->w, a->idx);
	return NULL;
}

/*
 * The mmap_lock writer of mmap-churn: maps and unmaps 64 KiB inside a PROT_NONE
 * reservation, so the new VMA can merge with nothing (a merge into the faulting
 * VMA would write-lock it and measure something else). It also keeps the mm
 * live on its CPU, so the workers' MADV_DONTNEED flushes the TLB there by IPI:
 * at 1 thread on 6.18 that, not mmap_lock, is most of what the writer costs
 * (reclaim_pct doubles; /proc/interrupts counts the shootdowns).
 */
static void *vl_churn(void *arg)
{
	struct vl_work *w = arg;
	char *hole = vl_reserve(3 * CHURN_LEN);
	int err = hole ? -topo_pin_self(topo_cpu_for(w->nr, w->place)) : errno;

	if (err) {
		w->sh->churn_err = err;
		if (hole)
			munmap(hole, 3 * CHURN_LEN);
		return NULL;
	}
	while (!__atomic_load_n(&w->sh->stop, __ATOMIC_RELAXED)) {
		if (mmap(hole + CHURN_LEN, CHURN_LEN, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ||
		    munmap(hole + CHURN_LEN, CHURN_LEN)) {
			w->sh->churn_err = errno;
			break;
		}
		__atomic_store_n(&w->sh->churn_ops, w->sh->churn_ops + 1, __ATOMIC_RELAXED);
	}
	munmap(hole, 3 * CHURN_LEN);
	return NULL;
}

/*
 * CPU-seconds per second the workers can have as they are pinned: a worker
 * sharing its CPU with k other busy threads of ours (more workers than CPUs,
 * or the churn thread, which perf does not count) gets 1/(k+1) of it.
 */
double vl_cpus_avail(const struct vl_work *w)
{
	unsigned busy = w->nr + (w->mode == VL_CHURN);
	double avail = 0;

	for (unsigned i = 0; i < w->nr; i++) {
		int cpu = topo_cpu_for(i, w->place);
		unsigned k = 0;

		for (unsigned j = 0; j < busy; j++)
			k += topo_cpu_for(j, w->place) == cpu;
		avail += 1.0 / k;
	}
	return avail;
}

int vl_churn_start(struct vl_work *w)
{
	int ret = pthread_create(&w->churn, NULL, vl_churn, w);

	w->churn_on = !ret;
	return -ret;
}

int vl_workers_start(struct vl_work *w)
{
	free(vl_args);
	vl_args = calloc(w->nr, sizeof(*vl_args));
	if (!vl_args)
		return -ENOMEM;
	w->started = 0;
	for (unsigned i = 0; i < w->nr; i++) {
		vl_args[i] = (struct vl_arg){ w, i };
		if (w->mode == VL_PROCS) {
			pid_t pid = fork();

			if (pid < 0)
				return -errno;
			if (!pid) {
				/* a parent killed mid-run must not leave workers faulting forever */
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (getppid() == 1)
					_exit(1);
				vl_worker(w, i);
				_exit(0);	/* no atexit handlers: the parent owns the knobs */
			}
			w->pids[i] = pid;
		} else {
			int ret = pthread_create(&w->tids[i], NULL, vl_thread, &vl_args[i]);

			if (ret)
				return -ret;
		}
		w->started++;
	}
	return 0;
}

int vl_workers_stop(struct vl_work *w)
{
	int err = 0;

	__atomic_store_n(&w->sh->stop, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < w->started; i++) {
		if (w->mode == VL_PROCS) {
			int st;

			if (waitpid(w->pids[i], &st, 0) < 0 || !WIFEXITED(st))
				err = err ? err : -ECHILD;
		} else {
			pthread_join(w->tids[i], NULL);
		}
		if (w->sh->slot[i].err && !err)
			err = -w->sh->slot[i].err;
	}
	w->started = 0;
	if (w->churn_on) {
		pthread_join(w->churn, NULL);
		w->churn_on = false;
		if (w->sh->churn_err && !err)
			err = -w->sh->churn_err;
	}
	free(vl_args);
	vl_args = NULL;
	return err;
}
