/* The registry: every bench of the suite, in the order a run takes them; the commands use it. */
#include <string.h>
#include "cmd/registry.h"

/*
 * One line per bench: B(x) names the `const struct bench bench_x` of its file. A new bench is
 * that file and its line here; the commands, the tests and the vm runners take it from here.
 */
#define BENCHES(B) \
	B(uffd_wp) \
	B(fault_around) \
	B(vma_lock) \
	B(numa_scan) \
	B(thp)

#define BENCH_EXTERN(x) extern const struct bench bench_##x;
#define BENCH_ENTRY(x) &bench_##x,
BENCHES(BENCH_EXTERN)

const struct bench *const benches[] = { BENCHES(BENCH_ENTRY) };

const int nr_benches = sizeof(benches) / sizeof(benches[0]);

const struct bench *bench_find(const char *name)
{
	for (int i = 0; i < nr_benches; i++)
		if (!strcmp(benches[i]->name, name))
			return benches[i];
	return NULL;
}
