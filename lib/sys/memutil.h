/* Helpers benches share for memory regions: aligned anonymous maps, the PMD size, this thread's minor faults, prewarming, a seeded xorshift. */
#ifndef MMBENCH_MEMUTIL_H
#define MMBENCH_MEMUTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * An anonymous private MAP_NORESERVE mapping of @len bytes whose start is a multiple of
 * @align (a power of two, at least the page size), with @prot; NULL and errno on failure.
 * It over-maps by @align and gives the slack at both ends back, so the mapping is exactly
 * [p, p + len): munmap(p, len) releases it. Nothing keeps a neighbour from merging with it;
 * a caller that needs its own VMA boundaries must leave gaps itself.
 */
void *mem_map_aligned(size_t len, size_t align, int prot);

/*
 * The PMD size from <sysroot>/sys/kernel/mm/transparent_hugepage/hpage_pmd_size into
 * *@pmd: 0, or -errno (the file's error; -EINVAL when it does not hold a power of two)
 * and *@pmd untouched. Its absence means a kernel without THP.
 */
int mem_pmd_size(size_t *pmd);

/*
 * Minor faults of the calling thread so far (getrusage(RUSAGE_THREAD)); 0 if getrusage
 * fails, which it cannot since Linux 2.6.26. Per thread, so a delta around a loop counts
 * the loop's faults and none of other threads'; the fallback when perf counters are not there.
 */
long mem_thread_minflt(void);

/*
 * Write-fault @len bytes of fresh anonymous memory and unmap them again, untimed, right
 * before a timed region that allocates about as much. On a guest whose host backs memory
 * lazily and takes back what the guest reports free (free page reporting: every free
 * block of the reporting order, a couple of seconds after it is freed), the first touch
 * of such memory costs host faults on top of the guest's; the region then allocates the
 * pages just freed, which the host backs, and times the guest kernel's work alone. With
 * THP asked for (fewer faults: it is quick), and 4 KiB pages where THP is off. 0 or -errno.
 */
int mem_prewarm(size_t len);

/* The text of a case's param "prewarm" for mem_prewarm() of @len bytes before each repetition (0: off). */
const char *mem_prewarm_text(size_t len, char *buf, size_t n);

/*
 * xorshift64* (Vigna): the next number from *@s. Seeded by the caller, so a sequence is
 * the same on every run; the state must start non-zero (zero stays zero). Inline because
 * benches call it inside timed fault loops.
 */
static inline uint64_t mem_xorshift(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

#endif
