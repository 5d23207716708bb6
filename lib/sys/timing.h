/* Monotonic time for timed regions, and the process's CPU time split user/system. */
#ifndef MMBENCH_TIMING_H
#define MMBENCH_TIMING_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* User and system CPU time of the whole process (all threads) in ns. */
int cpu_times_ns(uint64_t *user, uint64_t *sys);

#endif
