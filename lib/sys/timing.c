/* The process's CPU time split into user and system, for metrics beside wall-clock time. */
#include <errno.h>
#include <sys/resource.h>

#include "sys/timing.h"

/*
 * getrusage(RUSAGE_SELF) covers every thread of the process, live or exited,
 * which is what a multi-threaded bench wants; its resolution is 1 us.
 */
int cpu_times_ns(uint64_t *user, uint64_t *sys)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -errno;
	*user = (uint64_t)ru.ru_utime.tv_sec * 1000000000ull + (uint64_t)ru.ru_utime.tv_usec * 1000ull;
	*sys = (uint64_t)ru.ru_stime.tv_sec * 1000000000ull + (uint64_t)ru.ru_stime.tv_usec * 1000ull;
	return 0;
}
