/* Helpers benches share for memory regions: aligned anonymous maps, the PMD size, this thread's minor faults, prewarming. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "sys/memutil.h"
#include "sys/procfs.h"

void *mem_map_aligned(size_t len, size_t align, int prot)
{
	char *p = mmap(NULL, len + align, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (a > p)
		munmap(p, a - p);
	/* never empty: a < p + align */
	munmap(a + len, p + align - a);
	return a;
}

int mem_pmd_size(size_t *pmd)
{
	char path[PATH_MAX];
	uint64_t v;
	int err = read_u64(sysroot_path(path, sizeof(path),
					"/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"), &v);

	if (err)
		return err;
	/* callers round with pmd - 1 as a mask: anything else would misalign silently */
	if (!v || (v & (v - 1)))
		return -EINVAL;
	*pmd = v;
	return 0;
}

long mem_thread_minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? 0 : ru.ru_minflt;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23	/* Linux 5.14 */
#endif

int mem_prewarm(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *p;
	int err = 0;

	if (!len)
		return -EINVAL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* a hint: THP off (never, or PR_SET_THP_DISABLE) leaves 4 KiB pages, which warm as well */
	madvise(p, len, MADV_HUGEPAGE);
	if (madvise(p, len, MADV_POPULATE_WRITE)) {
		err = -errno;
		/* before 5.14: one write per page does the same */
		if (err == -EINVAL) {
			for (size_t off = 0; off < len; off += page)
				((volatile char *)p)[off] = 1;
			err = 0;
		}
	}
	munmap(p, len);
	return err;
}

const char *mem_prewarm_text(size_t len, char *buf, size_t n)
{
	if (!len)
		snprintf(buf, n, "off");
	else
		snprintf(buf, n, "%zu MiB touched and freed right before each repetition, untimed",
			 (len + (1 << 20) - 1) >> 20);
	return buf;
}
