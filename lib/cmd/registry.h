/* The registry: every bench of the suite, in the order a run takes them (registry.c). */
#ifndef MMBENCH_REGISTRY_H
#define MMBENCH_REGISTRY_H

#include "core/bench.h"

extern const struct bench *const benches[];
extern const int nr_benches;
const struct bench *bench_find(const char *name);

#endif
