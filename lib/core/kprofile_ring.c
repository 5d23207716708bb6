/* How large the sampler's per-CPU ring buffers may be, and whether its per-CPU events fit under the fd limit: rules sized by the machine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "core/kprofile.h"
#include "sys/privs.h"
#include "sys/procfs.h"

#define PRIV_CAP_IPC_LOCK	14

void kprofile_limits_read(struct kprofile_limits *l, unsigned ncpus)
{
	struct privs p;
	struct rlimit r;
	char buf[32];
	long long kb = meminfo_kb("MemTotal");

	memset(l, 0, sizeof(*l));
	l->ncpus = ncpus ? ncpus : 1;
	l->page = (uint64_t)sysconf(_SC_PAGESIZE);
	l->mem_total = kb > 0 ? (uint64_t)kb * 1024 : 0;
	l->mlock_kb = 516;	/* the kernel's default, when the sysctl cannot be read */
	if (!read_text("/proc/sys/kernel/perf_event_mlock_kb", buf, sizeof(buf)))
		l->mlock_kb = strtoull(buf, NULL, 10);
	l->memlock = 0;
	if (!getrlimit(RLIMIT_MEMLOCK, &r))
		l->memlock = r.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)r.rlim_cur;
	privs_read(&p);
	/* kernel/events/core.c, perf_mmap(): past both allowances only these may lock more */
	l->exempt = privs_has(&p, PRIV_CAP_IPC_LOCK) || (p.paranoid_known && p.perf_event_paranoid < 0);
}

/*
 * Data pages a CPU: KPROFILE_PAGES halved until every CPU's ring (and its header
 * page) fits both the memory share and, for a process that cannot lock without
 * limit, what the kernel lets it lock: perf_event_mlock_kb a CPU for the user, then
 * RLIMIT_MEMLOCK for the process. 0 when not even KPROFILE_MIN_PAGES fit, with why.
 */
unsigned kprofile_ring_pages(const struct kprofile_limits *l, char *why, size_t len)
{
	uint64_t ncpus = l->ncpus ? l->ncpus : 1, page = l->page ? l->page : 4096;
	uint64_t budget = l->mem_total / KPROFILE_MEM_SHARE / page / ncpus;	/* pages a CPU */
	unsigned pages = KPROFILE_PAGES;
	char bound[96];

	snprintf(bound, sizeof(bound), "1/%d of MemTotal", KPROFILE_MEM_SHARE);
	if (!l->exempt && l->memlock != UINT64_MAX) {
		uint64_t lock = (l->mlock_kb * 1024 / page * ncpus + l->memlock / page) / ncpus;

		if (lock < budget) {
			budget = lock;
			snprintf(bound, sizeof(bound), "perf_event_mlock_kb and RLIMIT_MEMLOCK (CAP_IPC_LOCK lifts them)");
		}
	}
	while (pages > KPROFILE_MIN_PAGES && pages + 1 > budget)
		pages /= 2;
	if (pages + 1 > budget) {
		snprintf(why, len, "%llu CPUs: %s leave %llu KiB of ring buffer a CPU, under the %u KiB it needs",
			 (unsigned long long)ncpus, bound, (unsigned long long)(budget * page / 1024),
			 (unsigned)(KPROFILE_MIN_PAGES * page / 1024));
		return 0;
	}
	if (pages < KPROFILE_PAGES)
		snprintf(why, len, "%u KiB a CPU (not %u): %s", (unsigned)(pages * page / 1024),
			 (unsigned)(KPROFILE_PAGES * page / 1024), bound);
	else
		why[0] = 0;
	return pages;
}

double kprofile_ring_seconds(unsigned pages, uint64_t page)
{
	return (double)pages * page / KPROFILE_SAMPLE_MAX / KPROFILE_FREQ_HZ;
}

/*
 * The soft RLIMIT_NOFILE @need fds ask for: @cur when it is enough, else @need when
 * the hard limit allows it; 0 when it does not.
 */
uint64_t kprofile_nofile_for(uint64_t need, uint64_t cur, uint64_t max)
{
	if (need <= cur)
		return cur;
	return need <= max ? need : 0;
}

int kprofile_fds_ensure(unsigned need, char *why, size_t len)
{
	struct rlimit r;
	uint64_t cur, max, want;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return -errno;
	cur = r.rlim_cur == RLIM_INFINITY ? UINT64_MAX : r.rlim_cur;
	max = r.rlim_max == RLIM_INFINITY ? UINT64_MAX : r.rlim_max;
	want = kprofile_nofile_for(need, cur, max);
	if (!want) {
		snprintf(why, len, "needs %u fds (one event a CPU and the benches' own), RLIMIT_NOFILE allows %llu",
			 need, (unsigned long long)max);
		return -EMFILE;
	}
	if (want == cur)
		return 0;
	r.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &r)) {
		snprintf(why, len, "cannot raise RLIMIT_NOFILE to %llu: %s", (unsigned long long)want, strerror(errno));
		return -errno;
	}
	return 0;
}
