/* Performance counters through libperf: software, hardware and tracepoint events, around the timed region only. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <perf/core.h>
#include <perf/cpumap.h>
#include <perf/evsel.h>
#include <perf/threadmap.h>

#include "sys/counters.h"
#include "sys/tracepoint.h"
#include "sys/privs.h"

struct counter {
	char label[64];
	char event[96];
	char filter[128];
	struct perf_event_attr attr;
	bool supported;
	char reason[96];
	struct perf_evsel *evsel;	/* libperf: every event without a filter */
	int *fds;			/* raw perf_event_open: filtered tracepoints, one per CPU */
	struct perf_counts_values *base;	/* per CPU, at the last reset */
};

struct counters {
	enum counters_scope scope;
	struct counter *v;
	int nr, alloc;
	struct perf_cpu_map *cpus;
	struct perf_thread_map *threads;
	int nr_cpus;
	bool opened;
};

struct event_name {
	const char *name;
	__u32 type;
	__u64 config;
};

#define HW_CACHE(c, op, res) \
	(PERF_COUNT_HW_CACHE_##c | (PERF_COUNT_HW_CACHE_OP_##op << 8) | \
	 (PERF_COUNT_HW_CACHE_RESULT_##res << 16))

static const struct event_name event_names[] = {
	{ "page-faults",	PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "faults",		PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "minor-faults",	PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major-faults",	PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "context-switches",	PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations",	PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "task-clock",		PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "cpu-clock",		PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
	{ "cycles",		PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions",	PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-misses",	PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "branch-misses",	PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	{ "dTLB-loads",		PERF_TYPE_HW_CACHE, HW_CACHE(DTLB, READ, ACCESS) },
	{ "dTLB-load-misses",	PERF_TYPE_HW_CACHE, HW_CACHE(DTLB, READ, MISS) },
	{ "dTLB-store-misses",	PERF_TYPE_HW_CACHE, HW_CACHE(DTLB, WRITE, MISS) },
	{ "iTLB-load-misses",	PERF_TYPE_HW_CACHE, HW_CACHE(ITLB, READ, MISS) },
	{ NULL, 0, 0 },
};

/* libperf prints its debug chatter to stderr by default; keep only errors. */
static int quiet_print(enum libperf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBPERF_ERR ? vfprintf(stderr, fmt, ap) : 0;
}

static void (*region_enter)(void), (*region_leave)(void);

void counters_region_hook(void (*enter)(void), void (*leave)(void))
{
	region_enter = enter;
	region_leave = leave;
}

void counters_libperf_init(void)
{
	static bool libperf_ready;

	if (!libperf_ready) {
		libperf_init(quiet_print);
		libperf_ready = true;
	}
}

struct counters *counters_new(enum counters_scope scope)
{
	struct counters *c;

	counters_libperf_init();
	c = calloc(1, sizeof(*c));
	if (c)
		c->scope = scope;
	return c;
}

static struct counter *find(struct counters *c, const char *label)
{
	for (int i = 0; i < c->nr; i++)
		if (!strcmp(c->v[i].label, label))
			return &c->v[i];
	return NULL;
}

int counters_add(struct counters *c, const char *label, const char *event, const char *filter)
{
	const struct event_name *e;
	struct counter *k;

	if (!label)
		label = event;
	if (c->opened || !*event || strlen(label) >= sizeof(k->label) ||
	    strlen(event) >= sizeof(k->event) || (filter && strlen(filter) >= sizeof(k->filter)))
		return -EINVAL;
	if (find(c, label))
		return -EEXIST;
	for (e = event_names; e->name; e++)
		if (!strcmp(e->name, event))
			break;
	/* Filters exist only for tracepoints; an unknown name without ':' is a typo. */
	if ((!e->name && !strchr(event, ':')) || (e->name && filter))
		return -EINVAL;
	if (c->nr == c->alloc) {
		int n = c->alloc ? 2 * c->alloc : 8;
		struct counter *v = realloc(c->v, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->alloc = n;
	}
	k = &c->v[c->nr++];
	memset(k, 0, sizeof(*k));
	snprintf(k->label, sizeof(k->label), "%s", label);
	snprintf(k->event, sizeof(k->event), "%s", event);
	snprintf(k->filter, sizeof(k->filter), "%s", filter ? filter : "");
	k->attr.size = sizeof(k->attr);
	k->attr.disabled = 1;
	k->attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	/* Threads a bench creates after counters_open() count too (their child events are summed on read). */
	k->attr.inherit = c->scope == COUNTERS_SELF;
	if (e->name) {
		k->attr.type = e->type;
		k->attr.config = e->config;
	} else {
		k->attr.type = PERF_TYPE_TRACEPOINT;	/* config (the id) is read at open */
	}
	return 0;
}

static void unsupported(struct counter *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void unsupported(struct counter *k, const char *fmt, ...)
{
	va_list ap;

	k->supported = false;
	va_start(ap, fmt);
	vsnprintf(k->reason, sizeof(k->reason), fmt, ap);
	va_end(ap);
}

/* Why an event would not open, in words a reader of the results understands. */
static void open_failed(const struct counters *c, struct counter *k, int err)
{
	struct privs p;

	if (err == ENOENT || err == EOPNOTSUPP || err == ENODEV) {
		unsupported(k, "not supported here: %s", strerror(err));
	} else if (err == EACCES || err == EPERM) {
		/* the sysctl's value and the capability that would lift it */
		privs_read(&p);
		privs_why_perf(&p, c->scope == COUNTERS_SYSTEM, k->reason, sizeof(k->reason));
		k->supported = false;
	} else {
		unsupported(k, "cannot open: %s", strerror(err));
	}
}

/*
 * No event id: tracefs is root's. perf_event_paranoid, when it would refuse the event
 * anyway, is the reason that matters; else the id is.
 */
static void no_tracepoint(const struct counters *c, struct counter *k, int err)
{
	/* counting kernel-side events: per task up to 1, every task of a CPU up to 0 */
	long most = c->scope == COUNTERS_SYSTEM ? 0 : 1;
	struct privs p;

	privs_read(&p);
	if (err != -EACCES && err != -EPERM)
		unsupported(k, "no tracepoint %s: %s", k->event, strerror(-err));
	else if (!privs_has(&p, PRIV_CAP_PERFMON) &&
		 (!p.paranoid_known || p.perf_event_paranoid > most))
		open_failed(c, k, -err);
	else
		unsupported(k, "no id of %s: tracefs unmounted or root's (uid %u)", k->event,
			    (unsigned)p.uid);
}

/* The raw path: libperf 6.1 has no filter API, and a filter must be set on each fd before enable. */
static int open_filtered(struct counters *c, struct counter *k)
{
	pid_t pid = c->scope == COUNTERS_SELF ? 0 : -1;
	int err;

	k->fds = malloc(c->nr_cpus * sizeof(*k->fds));
	if (!k->fds)
		return -ENOMEM;
	for (int i = 0; i < c->nr_cpus; i++)
		k->fds[i] = -1;
	for (int i = 0; i < c->nr_cpus; i++) {
		int cpu = perf_cpu_map__cpu(c->cpus, i).cpu;
		int fd = syscall(__NR_perf_event_open, &k->attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);

		if (fd < 0) {
			err = errno;
			open_failed(c, k, err);
			return 0;
		}
		k->fds[i] = fd;
		if (ioctl(fd, PERF_EVENT_IOC_SET_FILTER, k->filter)) {
			err = errno;
			unsupported(k, "filter \"%s\" rejected: %s", k->filter, strerror(err));
			return 0;
		}
	}
	k->supported = true;
	return 0;
}

static int open_one(struct counters *c, struct counter *k)
{
	int err;

	if (k->attr.type == PERF_TYPE_TRACEPOINT) {
		int id = tracepoint_id(k->event);

		if (id < 0) {
			no_tracepoint(c, k, id);
			return 0;
		}
		k->attr.config = id;
		if (k->filter[0])
			return open_filtered(c, k);
	}
	k->evsel = perf_evsel__new(&k->attr);
	if (!k->evsel)
		return -ENOMEM;
	err = perf_evsel__open(k->evsel, c->cpus, c->threads);
	if (err) {
		open_failed(c, k, -err);
		perf_evsel__delete(k->evsel);
		k->evsel = NULL;
		return 0;
	}
	k->supported = true;
	return 0;
}

static void close_one(struct counters *c, struct counter *k)
{
	if (k->evsel) {
		perf_evsel__close(k->evsel);
		perf_evsel__delete(k->evsel);
		k->evsel = NULL;
	}
	if (k->fds) {
		for (int i = 0; i < c->nr_cpus; i++)
			if (k->fds[i] >= 0)
				close(k->fds[i]);
		free(k->fds);
		k->fds = NULL;
	}
	free(k->base);
	k->base = NULL;
}

int counters_open(struct counters *c)
{
	pid_t self = 0;
	int err = -ENOMEM;

	if (c->opened)
		return -EBUSY;
	if (c->scope == COUNTERS_SELF) {
		/* pid 0 on any CPU: this process and, through inherit, what it creates. */
		c->cpus = perf_cpu_map__dummy_new();
		c->threads = perf_thread_map__new_array(1, &self);
	} else {
		/* Every online CPU, any task: summed over CPUs on read. */
		c->cpus = perf_cpu_map__new(NULL);
		c->threads = perf_thread_map__new_dummy();
	}
	if (!c->cpus || !c->threads)
		goto out_maps;
	c->nr_cpus = perf_cpu_map__nr(c->cpus);
	for (int i = 0; i < c->nr; i++) {
		struct counter *k = &c->v[i];

		k->base = calloc(c->nr_cpus, sizeof(*k->base));
		if (!k->base)
			goto out_close;
		err = open_one(c, k);
		if (err)
			goto out_close;
		if (!k->supported)
			close_one(c, k);
	}
	c->opened = true;
	return 0;

out_close:
	for (int i = 0; i < c->nr; i++)
		close_one(c, &c->v[i]);
out_maps:
	perf_thread_map__put(c->threads);
	perf_cpu_map__put(c->cpus);
	c->threads = NULL;
	c->cpus = NULL;
	return err;
}

static void ioctl_all(struct counters *c, struct counter *k, unsigned long req)
{
	/* Without PERF_IOC_FLAG_GROUP the kernel applies it to the inherited child events too. */
	for (int i = 0; i < c->nr_cpus; i++)
		ioctl(k->fds[i], req, 0);
}

void counters_enable(struct counters *c)
{
	if (region_enter)
		region_enter();	/* e.g. --kprofile samples the same region */
	for (int i = 0; i < c->nr; i++) {
		struct counter *k = &c->v[i];

		if (k->evsel)
			perf_evsel__enable(k->evsel);
		else if (k->fds)
			ioctl_all(c, k, PERF_EVENT_IOC_ENABLE);
	}
}

void counters_disable(struct counters *c)
{
	for (int i = 0; i < c->nr; i++) {
		struct counter *k = &c->v[i];

		if (k->evsel)
			perf_evsel__disable(k->evsel);
		else if (k->fds)
			ioctl_all(c, k, PERF_EVENT_IOC_DISABLE);
	}
	if (region_leave)
		region_leave();
}

/* Raw val/ena/run of one CPU's event (this process's fd when COUNTERS_SELF). */
static int read_raw(struct counter *k, int idx, struct perf_counts_values *v)
{
	uint64_t buf[3];

	if (k->evsel)
		return perf_evsel__read(k->evsel, idx, 0, v);
	memset(v, 0, sizeof(*v));
	if (read(k->fds[idx], buf, sizeof(buf)) != sizeof(buf))
		return -EIO;
	v->val = buf[0];
	v->ena = buf[1];
	v->run = buf[2];
	return 0;
}

/*
 * PERF_EVENT_IOC_RESET zeroes the count but not the enabled/running times, so
 * a reset is a baseline that reads subtract instead: val, ena and run stay consistent.
 */
void counters_reset(struct counters *c)
{
	for (int i = 0; i < c->nr; i++) {
		struct counter *k = &c->v[i];

		if (!k->supported)
			continue;
		for (int j = 0; j < c->nr_cpus; j++)
			if (read_raw(k, j, &k->base[j]))
				memset(&k->base[j], 0, sizeof(k->base[j]));
	}
}

int counters_read(struct counters *c, const char *label, struct counter_value *v)
{
	struct counter *k = find(c, label);

	memset(v, 0, sizeof(*v));
	if (!k)
		return -ENOENT;
	if (!c->opened) {
		snprintf(v->reason, sizeof(v->reason), "not opened");
		return 0;
	}
	if (!k->supported) {
		snprintf(v->reason, sizeof(v->reason), "%s", k->reason);
		return 0;
	}
	for (int j = 0; j < c->nr_cpus; j++) {
		struct perf_counts_values now;
		uint64_t val, ena, run;
		int err = read_raw(k, j, &now);

		if (err) {
			snprintf(v->reason, sizeof(v->reason), "read failed: %s", strerror(-err));
			return err;
		}
		val = now.val - k->base[j].val;
		ena = now.ena - k->base[j].ena;
		run = now.run - k->base[j].run;
		/* Multiplexed (run < ena): estimate the count over the whole enabled time. */
		if (run && run < ena)
			val = (uint64_t)((double)val * ena / run);
		v->val += val;
		v->ena += ena;
		v->run += run;
	}
	v->supported = true;
	return 0;
}

int counters_read_all(struct counters *c, struct counter_value *v, int max)
{
	int n = 0;

	for (; n < c->nr && n < max; n++)
		counters_read(c, c->v[n].label, &v[n]);
	return n;
}

int counters_nr(const struct counters *c)
{
	return c->nr;
}

const char *counters_label(const struct counters *c, int i)
{
	return i >= 0 && i < c->nr ? c->v[i].label : NULL;
}

void counters_free(struct counters *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nr; i++)
		close_one(c, &c->v[i]);
	perf_thread_map__put(c->threads);
	perf_cpu_map__put(c->cpus);
	free(c->v);
	free(c);
}
