/* The registry: every bench of the suite, in the order a run takes them. */
#include <string.h>
#include "registry.h"

extern const struct bench bench_uffd_wp;
extern const struct bench bench_fault_around;
extern const struct bench bench_vma_lock;
extern const struct bench bench_numa_scan;
extern const struct bench bench_thp;

const struct bench *const benches[] = {
	&bench_uffd_wp,
	&bench_fault_around,
	&bench_vma_lock,
	&bench_numa_scan,
	&bench_thp,
};

const int nr_benches = sizeof(benches) / sizeof(benches[0]);

const struct bench *bench_find(const char *name)
{
	for (int i = 0; i < nr_benches; i++)
		if (!strcmp(benches[i]->name, name))
			return benches[i];
	return NULL;
}
