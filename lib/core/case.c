/* Cases: building the list a bench offers, and recording what a case measured. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include "core/bench.h"
#include "knobs/knobs.h"
#include "sys/counters.h"
#include "sys/procfs.h"
#include "sys/vmstat.h"

/*
 * A case that measured more than its storage holds fails with the reason rather than
 * dropping what did not fit: a result missing a metric or a sample would read as whole.
 */
static void overflow(struct bench_case *c, const char *what, int max, const char *name)
{
	if (c->status == CASE_ERROR)
		return;
	case_fail(c, 0, "more than %d %s: '%s' could not be recorded", max, what, name);
}

struct bench_case *case_new(struct case_list *list)
{
	struct bench_case *c;

	if (list->nr == list->alloc) {
		int n = list->alloc ? list->alloc * 2 : 16;
		struct bench_case *p = realloc(list->cases, n * sizeof(*p));

		if (!p)
			return NULL;
		list->cases = p;
		list->alloc = n;
	}
	c = &list->cases[list->nr++];
	memset(c, 0, sizeof(*c));
	return c;
}

void case_list_free(struct case_list *list)
{
	for (int i = 0; i < list->nr; i++)
		for (int m = 0; m < list->cases[i].nr_metrics; m++)
			free(list->cases[i].metrics[m].samples);
	free(list->cases);
	memset(list, 0, sizeof(*list));
}

static struct case_param *param_slot(struct bench_case *c, const char *name)
{
	for (int i = 0; i < c->nr_params; i++)
		if (!strcmp(c->params[i].name, name))
			return &c->params[i];
	if (c->nr_params == CASE_MAX_PARAMS) {
		overflow(c, "params", CASE_MAX_PARAMS, name);
		return NULL;
	}
	struct case_param *p = &c->params[c->nr_params++];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	/* params named before the key is frozen make up the key */
	p->in_key = !c->key[0];
	return p;
}

void case_param_str(struct bench_case *c, const char *name, const char *value)
{
	struct case_param *p = param_slot(c, name);

	if (!p)
		return;
	snprintf(p->str, sizeof(p->str), "%s", value);
	p->is_num = false;
}

void case_param_num(struct bench_case *c, const char *name, double value)
{
	struct case_param *p = param_slot(c, name);

	if (!p)
		return;
	snprintf(p->str, sizeof(p->str), "%.15g", value);
	p->num = value;
	p->is_num = true;
}

const struct case_param *case_param(const struct bench_case *c, const char *name)
{
	for (int i = 0; i < c->nr_params; i++)
		if (!strcmp(c->params[i].name, name))
			return &c->params[i];
	return NULL;
}

void case_freeze_key(struct bench_case *c)
{
	size_t off = 0;

	if (c->key[0])
		return;
	for (int i = 0; i < c->nr_params && off < sizeof(c->key); i++) {
		if (!c->params[i].in_key)
			continue;
		off += snprintf(c->key + off, sizeof(c->key) - off, "%s%s=%s",
				off ? " " : "", c->params[i].name, c->params[i].str);
	}
	if (!c->key[0])
		snprintf(c->key, sizeof(c->key), "default");
}

/*
 * A number when the text is one, so a knob swept along a case family can be a plot's
 * x axis (docs/DESIGN.md); a choice knob's word as text. The path is in the manifest, so only
 * the cause after "<path>: " goes into the param.
 */
void case_param_knob(struct bench_case *c, const char *param, const char *knob)
{
	char val[96], why[256], *end;
	int r = knob_read(knob, val, sizeof(val));

	if (!r) {
		double d = strtod(val, &end);

		if (end != val && !*end)
			case_param_num(c, param, d);
		else
			case_param_str(c, param, val);
		return;
	}
	/* knob_probe_write() names a cause knob_read() does not: a missing file, lockdown */
	knob_probe_write(knob, why, sizeof(why));
	if (!why[0])
		snprintf(why, sizeof(why), "%s", strerror(-r));
	end = strstr(why, ": ");
	snprintf(val, sizeof(val), "unreadable: %s", end ? end + 2 : why);
	case_param_str(c, param, val);
}

void case_knob(struct bench_case *c, const char *knob, const char *value)
{
	struct case_knob *k = NULL;

	for (int i = 0; i < c->nr_knobs; i++)
		if (!strcmp(c->knobs[i].knob, knob))
			k = &c->knobs[i];
	if (!k) {
		if (c->nr_knobs == CASE_MAX_KNOBS) {
			overflow(c, "knobs", CASE_MAX_KNOBS, knob);
			return;
		}
		k = &c->knobs[c->nr_knobs++];
	}
	snprintf(k->knob, sizeof(k->knob), "%s", knob);
	snprintf(k->value, sizeof(k->value), "%s", value);
}

int case_skip(struct bench_case *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	c->status = CASE_SKIP;
	return BENCH_SKIP;
}

int case_fail(struct bench_case *c, int err, const char *fmt, ...)
{
	va_list ap;
	size_t off;

	va_start(ap, fmt);
	off = vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	if (err && off < sizeof(c->reason))
		snprintf(c->reason + off, sizeof(c->reason) - off, ": %s", strerror(abs(err)));
	c->status = CASE_ERROR;
	return err ? -abs(err) : -EIO;
}

struct metric *case_find_metric(struct bench_case *c, const char *name)
{
	for (int i = 0; i < c->nr_metrics; i++)
		if (!strcmp(c->metrics[i].name, name))
			return &c->metrics[i];
	return NULL;
}

void case_metric(struct bench_case *c, const char *name, const char *unit,
		 enum better better, double value)
{
	struct metric *m = case_find_metric(c, name);

	if (!m) {
		if (c->nr_metrics == CASE_MAX_METRICS) {
			overflow(c, "metrics", CASE_MAX_METRICS, name);
			return;
		}
		m = &c->metrics[c->nr_metrics++];
		memset(m, 0, sizeof(*m));
		snprintf(m->name, sizeof(m->name), "%s", name);
		snprintf(m->unit, sizeof(m->unit), "%s", unit);
		m->better = better;
	}
	if (m->n >= CASE_MAX_SAMPLES) {
		overflow(c, "samples of a metric", CASE_MAX_SAMPLES, name);
		return;
	}
	/* the array doubles whenever n reaches a power of two (or zero) */
	if (!(m->n & (m->n - 1))) {
		size_t cap = m->n ? m->n * 2 : 1;
		double *p = realloc(m->samples, cap * sizeof(double));

		if (!p) {
			if (c->status != CASE_ERROR)
				case_fail(c, -ENOMEM, "sample %zu of %s", m->n + 1, name);
			return;
		}
		m->samples = p;
	}
	m->samples[m->n++] = value;
}

double metric_median(const struct metric *m)
{
	double *s, med;

	if (!m->n || !(s = malloc(m->n * sizeof(*s))))
		return NAN;
	memcpy(s, m->samples, m->n * sizeof(*s));
	gsl_sort(s, 1, m->n);
	med = gsl_stats_median_from_sorted_data(s, 1, m->n);
	free(s);
	return med;
}

void case_counter(struct bench_case *c, const char *name, bool supported,
		  const char *reason, uint64_t val, uint64_t ena, uint64_t run)
{
	struct counter_total *t = NULL;

	for (int i = 0; i < c->nr_counters; i++)
		if (!strcmp(c->counters[i].name, name))
			t = &c->counters[i];
	if (!t) {
		if (c->nr_counters == CASE_MAX_COUNTERS) {
			overflow(c, "counters", CASE_MAX_COUNTERS, name);
			return;
		}
		t = &c->counters[c->nr_counters++];
		memset(t, 0, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->supported = true;
	}
	if (!supported) {
		t->supported = false;
		snprintf(t->reason, sizeof(t->reason), "%s", reason ? reason : "not supported");
		return;
	}
	t->val += val;
	t->ena += ena;
	t->run += run;
}

void case_vmstat(struct bench_case *c, const char *name, int64_t delta)
{
	for (int i = 0; i < c->nr_vmstat; i++) {
		if (!strcmp(c->vmstat[i].name, name)) {
			c->vmstat[i].delta += delta;
			return;
		}
	}
	if (c->nr_vmstat == CASE_MAX_VMSTAT) {
		overflow(c, "vmstat fields", CASE_MAX_VMSTAT, name);
		return;
	}
	snprintf(c->vmstat[c->nr_vmstat].name, sizeof(c->vmstat[0].name), "%s", name);
	c->vmstat[c->nr_vmstat++].delta = delta;
}

static void add_vmstat(void *c, const char *name, int64_t delta)
{
	case_vmstat(c, name, delta);
}

void case_vmstat_deltas(struct bench_case *c, const struct vmstat_snap *a,
			const struct vmstat_snap *b, const char *const *names)
{
	vmstat_deltas(add_vmstat, c, a, b, names);
}

void case_counters(struct bench_case *c, struct counters *cnt)
{
	for (int i = 0; i < counters_nr(cnt); i++) {
		const char *label = counters_label(cnt, i);
		struct counter_value v;

		counters_read(cnt, label, &v);
		case_counter(c, label, v.supported, v.supported ? NULL : v.reason,
			     v.val, v.ena, v.run);
	}
}

void case_counters_between(struct bench_case *c, const struct counters *cnt,
			   const struct counter_value *a, const struct counter_value *b, int n)
{
	for (int i = 0; i < n && i < counters_nr(cnt); i++) {
		bool ok = a[i].supported && b[i].supported;

		case_counter(c, counters_label(cnt, i), ok, ok ? NULL : *b[i].reason ? b[i].reason :
			     a[i].reason, ok ? b[i].val - a[i].val : 0, ok ? b[i].ena - a[i].ena : 0,
			     ok ? b[i].run - a[i].run : 0);
	}
}

/* Room left for the rest of the system when a case sizes itself against MemAvailable. */
#define MEM_MARGIN_KB	(512ull * 1024)

int case_need_mem(struct bench_case *c, uint64_t bytes)
{
	long long avail = meminfo_kb("MemAvailable");

	if (avail < 0)
		return case_skip(c, "cannot read MemAvailable: %s", strerror((int)-avail));
	if ((uint64_t)avail < MEM_MARGIN_KB || bytes / 1024 > (uint64_t)avail - MEM_MARGIN_KB)
		return case_skip(c, "needs %llu MiB, MemAvailable is %lld MiB (less a %llu MiB margin)",
				 (unsigned long long)(bytes >> 20), avail / 1024,
				 MEM_MARGIN_KB / 1024);
	return 0;
}

/*
 * What a node can give without reclaiming much: its free memory and inactive page
 * cache (a node's meminfo has no MemAvailable), in kB; -errno.
 */
static long long node_available_kb(int node)
{
	long long free_kb = node_meminfo_kb(node, "MemFree"), cache_kb = node_meminfo_kb(node, "Inactive(file)");

	if (free_kb < 0)
		return free_kb;
	return free_kb + (cache_kb > 0 ? cache_kb : 0);
}

int case_need_node_mem(struct bench_case *c, const uint64_t *bytes, int nr_nodes)
{
	const uint64_t margin_kb = MEM_MARGIN_KB / (nr_nodes > 1 ? nr_nodes : 1);

	for (int n = 0; n < nr_nodes; n++) {
		long long avail;

		if (!bytes[n])
			continue;
		avail = node_available_kb(n);
		if (avail < 0)
			return case_skip(c, "node %d holds %llu MiB of the case, and its meminfo cannot be read: %s",
					 n, (unsigned long long)(bytes[n] >> 20), strerror((int)-avail));
		if ((uint64_t)avail < margin_kb || bytes[n] / 1024 > (uint64_t)avail - margin_kb)
			return case_skip(c, "needs %llu MiB on node %d, which has %lld MiB free or inactive cache "
					 "(less a %llu MiB margin)", (unsigned long long)(bytes[n] >> 20), n,
					 avail / 1024, (unsigned long long)(margin_kb / 1024));
	}
	return 0;
}
