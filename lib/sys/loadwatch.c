/*
 * Who else used the bench's CPUs (loadwatch.h). /proc/stat counts every CPU's busy time in
 * ticks (USER_HZ); this process knows its own CPU time to the nanosecond. What the CPUs
 * watched were busy beyond this process's own time was someone else's: other processes,
 * kernel threads, interrupts charged to no one of ours. Steal is the host running another
 * guest on our virtual CPU. Ticks are coarse, so a stretch counts as shared only beyond
 * what their rounding could make up.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "sys/loadwatch.h"
#include "sys/procfs.h"

#define MAX_CPU	((int)(sizeof(((struct loadwatch *)0)->cpus) * 8))

static bool watched(const struct loadwatch *lw, int cpu)
{
	return cpu >= 0 && cpu < MAX_CPU && (lw->cpus[cpu / 64] >> (cpu % 64) & 1);
}

void loadwatch_init(struct loadwatch *lw)
{
	cpu_set_t set;

	memset(lw, 0, sizeof(*lw));
	lw->hz = sysconf(_SC_CLK_TCK);
	if (lw->hz <= 0)
		lw->hz = 100;
	if (sched_getaffinity(0, sizeof(set), &set)) {
		snprintf(lw->why, sizeof(lw->why), "sched_getaffinity: %s", strerror(errno));
		return;
	}
	for (int c = 0; c < MAX_CPU && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			lw->cpus[c / 64] |= 1ull << (c % 64);
			lw->ncpus++;
		}
	lw->ok = lw->ncpus > 0;
}

int loadwatch_parse(const struct loadwatch *lw, const char *stat, uint64_t *busy, uint64_t *steal)
{
	const char *line = stat;
	int seen = 0;

	*busy = *steal = 0;
	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned long long v[8] = { 0 };
		int cpu, n;

		/* "cpu " is the sum of all; only the per-CPU lines count */
		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		n = sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		if (n < 8)
			return -EINVAL;
		if (!watched(lw, cpu))
			continue;
		/* user nice system idle iowait irq softirq steal; guest time is inside user */
		*busy += v[0] + v[1] + v[2] + v[5] + v[6];
		*steal += n > 8 ? v[7] : 0;
		seen++;
	}
	return seen ? 0 : -EINVAL;
}

static uint64_t own_ns(void)
{
	struct timespec ts;
	struct rusage ru;
	uint64_t ns = 0;

	if (!clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	/* a bench that forks has its children's time here once it has waited for them */
	if (!getrusage(RUSAGE_CHILDREN, &ru))
		ns += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
		      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
	return ns;
}

void loadwatch_snap(const struct loadwatch *lw, struct load_snap *s)
{
	/* 2 CPUs' lines are 100 bytes; a big machine's file is 100 KiB and more */
	static char buf[1 << 18];
	struct timespec ts;

	memset(s, 0, sizeof(*s));
	if (!lw->ok)
		return;
	s->own_ns = own_ns();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->wall_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	s->ok = !read_text("/proc/stat", buf, sizeof(buf)) &&
		!loadwatch_parse(lw, buf, &s->busy_ticks, &s->steal_ticks);
}

double loadwatch_threshold(const struct loadwatch *lw, double wall_s)
{
	double slack = (double)(lw->ncpus * LOAD_TICKS_SLACK + 1) / (double)lw->hz;
	double share = LOAD_SHARED_SHARE * wall_s;

	return share > slack ? share : slack;
}

void loadwatch_between(const struct loadwatch *lw, const struct load_snap *a,
		       const struct load_snap *b, struct load_rep *r)
{
	double busy, own, limit;

	memset(r, 0, sizeof(*r));
	if (!a->ok || !b->ok || b->wall_ns < a->wall_ns)
		return;
	r->wall_s = (b->wall_ns - a->wall_ns) / 1e9;
	busy = (double)(b->busy_ticks - a->busy_ticks) / (double)lw->hz;
	own = (b->own_ns - a->own_ns) / 1e9;
	r->other_s = busy > own ? busy - own : 0;
	r->steal_s = (double)(b->steal_ticks - a->steal_ticks) / (double)lw->hz;
	limit = loadwatch_threshold(lw, r->wall_s);
	r->shared = r->other_s > limit || r->steal_s > limit;
}

void loadwatch_cpus_text(const struct loadwatch *lw, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int c = 0; c < MAX_CPU && off < len; c++) {
		int e = c;

		if (!watched(lw, c))
			continue;
		while (e + 1 < MAX_CPU && watched(lw, e + 1))
			e++;
		off += e > c ? snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "", c, e)
			     : snprintf(buf + off, len - off, "%s%d", off ? "," : "", c);
		c = e;
	}
}

json_t *loadwatch_json(const struct loadwatch *lw, const struct load_rep *r, size_t n)
{
	json_t *shared = json_array(), *other = json_array(), *steal = json_array();
	json_t *wall = json_array();
	char cpus[256];

	for (size_t i = 0; i < n; i++) {
		json_array_append_new(shared, json_boolean(r[i].shared));
		json_array_append_new(other, json_real(r[i].other_s));
		json_array_append_new(steal, json_real(r[i].steal_s));
		json_array_append_new(wall, json_real(r[i].wall_s));
	}
	loadwatch_cpus_text(lw, cpus, sizeof(cpus));
	return json_pack("{sssfsfsosososo}", "cpus", cpus, "shared_above_share", LOAD_SHARED_SHARE,
			 "tick_s", 1.0 / (double)lw->hz, "shared", shared, "other_cpu_s", other,
			 "steal_s", steal, "wall_s", wall);
}
