/* Helpers benches share for memory regions: aligned anonymous maps, the PMD size, this thread's minor faults. */
#include <errno.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "knobs.h"
#include "memutil.h"
#include "procfs.h"

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
