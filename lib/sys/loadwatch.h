/* Who else used the bench's CPUs: other processes' CPU time and steal over a stretch of time, from /proc/stat. */
#ifndef MMBENCH_LOADWATCH_H
#define MMBENCH_LOADWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/*
 * A repetition shared its CPUs when others ran (or the host stole) more than this share of
 * one CPU over it, and more than what /proc/stat's tick counts can tell (LOAD_TICKS_SLACK
 * ticks per CPU watched, plus one for this process's own time).
 */
#define LOAD_SHARED_SHARE	0.10
#define LOAD_TICKS_SLACK	1

/* What /proc/stat and this process's clocks say at one moment, over the CPUs watched. */
struct load_snap {
	uint64_t wall_ns;
	uint64_t busy_ticks;		/* user+nice+system+irq+softirq of the CPUs watched */
	uint64_t steal_ticks;
	uint64_t own_ns;		/* this process's CPU time and its reaped children's */
	bool ok;
};

/* One stretch (a repetition): seconds of wall time, of others' CPU time, of steal. */
struct load_rep {
	double wall_s, other_s, steal_s;
	bool shared;
};

/* The CPUs watched (this process's affinity when it began) and the tick of /proc/stat. */
struct loadwatch {
	uint64_t cpus[16];		/* bitmap of CPU numbers, up to 1024 */
	int ncpus;
	long hz;
	bool ok;
	char why[128];			/* when !ok */
};

/* Watch the CPUs this process may run on. */
void loadwatch_init(struct loadwatch *lw);
/* Now, as /proc/stat and the clocks say; s->ok false when /proc/stat could not be read. */
void loadwatch_snap(const struct loadwatch *lw, struct load_snap *s);
/* From @a to @b: others' CPU time (never below 0), steal, and whether the stretch was shared. */
void loadwatch_between(const struct loadwatch *lw, const struct load_snap *a,
		       const struct load_snap *b, struct load_rep *r);
/* The seconds of others' time (or steal) above which a stretch of @wall_s counts as shared. */
double loadwatch_threshold(const struct loadwatch *lw, double wall_s);
/*
 * The busy and steal ticks of the CPUs in @lw from /proc/stat's text @stat (per-CPU
 * lines "cpuN user nice system idle iowait irq softirq steal ..."). 0, or -EINVAL.
 */
int loadwatch_parse(const struct loadwatch *lw, const char *stat, uint64_t *busy, uint64_t *steal);
/* "0-1" from the bitmap. */
void loadwatch_cpus_text(const struct loadwatch *lw, char *buf, size_t len);
/*
 * A case's repetitions @r[0..n) as its results' "load": the CPUs watched, the rule, and one
 * entry per repetition in each of "shared", "other_cpu_s", "steal_s", "wall_s" (new reference).
 */
json_t *loadwatch_json(const struct loadwatch *lw, const struct load_rep *r, size_t n);

#endif
