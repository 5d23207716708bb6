/* The items of mmbench system show about what else runs and what is underneath: interrupts, load, memory, the host. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/system.h"
#include "sys/loadwatch.h"
#include "sys/procfs.h"
#include "sys/virt.h"

/* Whether CPU list @list ("0-3,8") names a CPU of @lw's. */
static bool meets(const struct loadwatch *lw, const char *list)
{
	const char *p = list;

	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b = a;

		if (end == p)
			return false;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long c = a; c <= b && c < 1024; c++)
			if (c >= 0 && (lw->cpus[c / 64] >> (c % 64) & 1))
				return true;
		p = *end == ',' ? end + 1 : end;
		if (*p && *p != ',' && (*p < '0' || *p > '9'))
			break;
	}
	return false;
}

void sys_irq_affinity(struct sys_item *it)
{
	struct loadwatch lw;
	char pat[512], buf[256], cpus[128];
	int total = 0, ours = 0;
	glob_t g;

	loadwatch_init(&lw);
	loadwatch_cpus_text(&lw, cpus, sizeof(cpus));
	sysroot_path(pat, sizeof(pat), "/proc/irq/[0-9]*/smp_affinity_list");
	if (!lw.ok || glob(pat, 0, NULL, &g)) {
		snprintf(it->value, sizeof(it->value), "no /proc/irq/*/smp_affinity_list");
		sys_judge(it, SYS_UNKNOWN, "where interrupts land cannot be read here");
		return;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		if (read_text(g.gl_pathv[i], buf, sizeof(buf)))
			continue;
		total++;
		ours += meets(&lw, buf);
	}
	globfree(&g);
	snprintf(it->value, sizeof(it->value), "%d of %d IRQs may land on CPUs %s (a run's: this "
		 "process's affinity, %d of %u online)", ours, total, cpus, lw.ncpus, online_cpus());
	if (ours)
		sys_judge(it, SYS_NOISE, "the benches' CPUs take device interrupts; moving them needs "
			  "CPUs a run leaves free (taskset the run, point /proc/irq/*/smp_affinity_list "
			  "at the others): tune does not");
	else
		sys_judge(it, SYS_OK, "no interrupt is routed to the benches' CPUs");
}

void sys_load(struct sys_item *it)
{
	struct load_snap a, b;
	struct load_rep r;
	struct loadwatch lw;
	char avg[128] = "", run[32] = "?";

	loadwatch_init(&lw);
	loadwatch_snap(&lw, &a);
	usleep(SYS_LOAD_MS * 1000);
	loadwatch_snap(&lw, &b);
	loadwatch_between(&lw, &a, &b, &r);
	if (!read_text("/proc/loadavg", avg, sizeof(avg)))
		sscanf(avg, "%*s %*s %*s %31s", run);
	avg[strcspn(avg, " ")] = '\0';
	if (!a.ok || !b.ok) {
		snprintf(it->value, sizeof(it->value), "loadavg %s", avg[0] ? avg : "?");
		sys_judge(it, SYS_UNKNOWN, "/proc/stat cannot be read: %s", lw.ok ? "no per-CPU lines" : lw.why);
		return;
	}
	snprintf(it->value, sizeof(it->value), "loadavg %s, runnable/tasks %s (with this one); over "
		 "%.1f s others used %.0f%% of a CPU, steal %.0f%%", avg, run, r.wall_s,
		 100 * r.other_s / r.wall_s, 100 * r.steal_s / r.wall_s);
	if (r.shared)
		sys_judge(it, SYS_NOISE, "other work shares the CPUs now (more than %.0f%% of a CPU): "
			  "a run's repetitions that share them are marked in its results",
			  LOAD_SHARED_SHARE * 100);
	else
		sys_judge(it, SYS_OK, "quiet now (under %.0f%% of a CPU); each run watches its "
			  "repetitions again", LOAD_SHARED_SHARE * 100);
}

void sys_swap(struct sys_item *it)
{
	long long total = meminfo_kb("SwapTotal"), free_ = meminfo_kb("SwapFree");

	if (total < 0 || free_ < 0) {
		snprintf(it->value, sizeof(it->value), "unreadable");
		sys_judge(it, SYS_UNKNOWN, "/proc/meminfo has no SwapTotal");
		return;
	}
	if (!total) {
		snprintf(it->value, sizeof(it->value), "none");
		sys_judge(it, SYS_OK, "nothing is swapped in or out during runs");
		return;
	}
	snprintf(it->value, sizeof(it->value), "%lld MiB of %lld MiB in use", (total - free_) >> 10,
		 total >> 10);
	if (total > free_)
		sys_judge(it, SYS_NOISE, "memory was short enough to swap: reclaim may run during "
			  "runs; tune turns no swap off");
	else
		sys_judge(it, SYS_OK, "configured, nothing swapped out");
}

void sys_memory(struct sys_item *it)
{
	long long total = meminfo_kb("MemTotal"), avail = meminfo_kb("MemAvailable");

	if (total <= 0 || avail < 0) {
		snprintf(it->value, sizeof(it->value), "unreadable");
		sys_judge(it, SYS_UNKNOWN, "/proc/meminfo has no MemAvailable");
		return;
	}
	snprintf(it->value, sizeof(it->value), "MemAvailable %lld MiB of %lld MiB (%.0f%%)",
		 avail >> 10, total >> 10, 100.0 * avail / total);
	if (avail * 2 < total)
		sys_judge(it, SYS_NOISE, "under half the memory is available: benches size "
			  "themselves below it, but reclaim and compaction run more");
	else
		sys_judge(it, SYS_OK, "at least half the memory is available");
}

/* Steal's share of all CPU time since boot, from /proc/stat's first line; negative when unknown. */
static double steal_since_boot(void)
{
	unsigned long long v[8] = { 0 }, sum = 0;
	char buf[512];

	if (read_text("/proc/stat", buf, sizeof(buf)) ||
	    sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) != 8)
		return -1;
	for (int i = 0; i < 8; i++)
		sum += v[i];
	return sum ? 100.0 * v[7] / sum : -1;
}

void sys_virt(struct sys_item *it)
{
	const char *v = virtualization();
	double steal = steal_since_boot();

	if (steal >= 0)
		snprintf(it->value, sizeof(it->value), "%s; steal %.2f%% of CPU time since boot", v, steal);
	else
		snprintf(it->value, sizeof(it->value), "%s", v);
	if (!strcmp(v, "none"))
		sys_judge(it, SYS_OK, "bare metal");
	else if (!strcmp(v, "container"))
		sys_judge(it, SYS_NOISE, "a container: the host's other work shares the kernel and CPUs");
	else
		sys_judge(it, SYS_NOISE, "a guest: the host's other work and its clock reach these "
			  "numbers (steal shows part of it); nothing here tunes the host");
}
