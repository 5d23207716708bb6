/* A bench's cost before it runs (plan.h): seconds from this host's history or the bench's duration option, memory from its size option. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "cmd/plan.h"
#include "core/options.h"
#include "sys/kconfig.h"
#include "sys/timing.h"
#include "sys/topology.h"

#define HISTORY_RUNS	64	/* newest run directories looked at */
/* Decimals for seconds: a smoke bench takes well under one, a full one hours. */
#define DIGITS(s)	((s) < 10 ? 2 : 0)
#define REP_OVERHEAD_S	1.0	/* model: setup and a child process per repetition, beyond its duration */

int plan_history_rate(json_t *manifest, const char *bench, const char *profile, const char *options,
		      unsigned ncpus, unsigned nodes, double *s_per_unit)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(manifest, "plan"), i, e) {
		double took = json_number_value(json_object_get(e, "actual_s"));
		json_int_t units = json_integer_value(json_object_get(e, "units"));
		const char *b = json_string_value(json_object_get(e, "bench"));
		const char *pr = json_string_value(json_object_get(e, "profile"));
		const char *op = json_string_value(json_object_get(e, "options"));

		/* another machine shape, profile or options: its repetitions cost something else */
		if (!b || !pr || !op || strcmp(b, bench) || strcmp(pr, profile) || strcmp(op, options) ||
		    units <= 0 || took <= 0 ||
		    json_integer_value(json_object_get(e, "cpus")) != ncpus ||
		    json_integer_value(json_object_get(e, "nodes")) != nodes)
			continue;
		*s_per_unit = took / (double)units;
		return 0;
	}
	return -ENOENT;
}

/* "name=value name=value": the options as the run had them, to match history by. */
static void options_text(const struct bench_ctx *ctx, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < opt_values_count(ctx->opts) && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s=%s", i ? " " : "",
				opt_values_name(ctx->opts, i), opt_values_text(ctx->opts, i));
}

static int newest_first(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Run directories are named by their start time: the newest earlier one that ran this bench here. */
static int from_history(const struct bench_ctx *ctx, const char *out_root, const char *this_run,
			double *rate, char *source, size_t len)
{
	char dir[4096], path[8300], options[1024];
	struct dirent **names;
	int n, found = -ENOENT;

	options_text(ctx, options, sizeof(options));
	snprintf(dir, sizeof(dir), "%s/%s", out_root, kernel_release());
	n = scandir(dir, &names, NULL, NULL);
	if (n < 0)
		return -errno;
	qsort(names, n, sizeof(*names), newest_first);
	for (int i = 0; i < n && i < HISTORY_RUNS && found; i++) {
		json_t *m;

		if (names[i]->d_name[0] == '.' || (this_run && strstr(this_run, names[i]->d_name)))
			continue;
		snprintf(path, sizeof(path), "%s/%s/manifest.json", dir, names[i]->d_name);
		m = json_load_file(path, 0, NULL);
		if (m && !plan_history_rate(m, ctx->bench->name, profile_names[ctx->profile], options, ctx->ncpus,
					    topo_numa_nodes(), rate)) {
			snprintf(source, len, "history: run %s, %.*f s a repetition", names[i]->d_name, DIGITS(*rate), *rate);
			found = 0;
		}
		json_decref(m);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return found;
}

/* Index of option @name in the bench's table, -1 when it has none. */
static int opt_index(const struct bench *b, const char *name)
{
	for (int i = 0; b->opts && b->opts[i].name; i++)
		if (!strcmp(b->opts[i].name, name))
			return i;
	return -1;
}

static const char *opt_text(const struct bench_ctx *ctx, const char *name)
{
	for (int i = 0; i < opt_values_count(ctx->opts); i++)
		if (!strcmp(opt_values_name(ctx->opts, i), name))
			return opt_values_text(ctx->opts, i);
	return NULL;
}

/* The model: a bench that runs each repetition for `duration` seconds costs that, plus its setup. */
static int from_duration(const struct bench_ctx *ctx, double *rate, char *source, size_t len)
{
	const char *t = opt_text(ctx, "duration");
	uint64_t d;

	if (!t || parse_u64(t, &d))
		return -ENOENT;
	*rate = (double)d + REP_OVERHEAD_S;
	snprintf(source, len, "model: duration %s s + %.0f s setup a repetition (no history here)",
		 t, REP_OVERHEAD_S);
	return 0;
}

/*
 * Memory of the largest case: the `size` option, times the case's threads when the
 * bench's help says the size is each thread's. What else a case maps is not counted.
 */
static uint64_t case_bytes(const struct bench_ctx *ctx, const struct bench_case *c)
{
	int i = opt_index(ctx->bench, "size");
	const char *t = opt_text(ctx, "size"), *th = strstr(c->key, "threads=");
	uint64_t size, threads = 1;

	if (i < 0 || !t || parse_size(t, &size))
		return 0;
	if (th && ctx->bench->opts[i].help && strstr(ctx->bench->opts[i].help, "each thread"))
		threads = strtoull(th + strlen("threads="), NULL, 10);
	return size * (threads ? threads : 1);
}

/* The largest case's memory, spread over the nodes, against the smallest node's memory. */
static void say_memory(const struct bench_ctx *ctx, uint64_t bytes, unsigned nodes)
{
	unsigned long long least = 0;
	int at = -1;

	for (unsigned n = 0; n < nodes; n++) {
		unsigned long long m = topo_node_memory((int)n);

		if (m && (at < 0 || m < least)) {
			least = m;
			at = (int)n;
		}
	}
	bench_log(ctx, "plan: largest case maps about %.0f MiB (%.0f MiB a node over %u node%s)%s",
		  bytes / 1048576.0, bytes / 1048576.0 / nodes, nodes, nodes > 1 ? "s" : "",
		  at >= 0 && bytes / nodes > least ? ": more than a node holds" : "");
	if (at >= 0 && bytes / nodes > least)
		bench_log(ctx, "plan: node %d has %.0f MiB in all", at, least / 1048576.0);
}

void plan_begin(struct plan *p, const struct bench_ctx *ctx, const struct case_list *list,
		const char *out_root, const char *this_run)
{
	unsigned nodes = topo_numa_nodes(), cases = 0;
	double rate = 0;

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < list->nr; i++) {
		uint64_t b = case_bytes(ctx, &list->cases[i]);

		if (list->cases[i].status == CASE_SKIP)
			continue;
		cases++;
		if (b > p->est_bytes)
			p->est_bytes = b;
	}
	p->units = cases * ctx->reps;
	p->est_s = -1;
	if (!from_history(ctx, out_root, this_run, &rate, p->source, sizeof(p->source)) ||
	    !from_duration(ctx, &rate, p->source, sizeof(p->source)))
		p->est_s = rate * p->units;
	else
		snprintf(p->source, sizeof(p->source), "no estimate: no run of it here yet (%s profile, %u CPUs, %u node(s))",
			 profile_names[ctx->profile], ctx->ncpus, nodes);
	if (p->est_s >= 0)
		bench_log(ctx, "plan: %u cases x %u reps, about %.*f s (%s)", cases, ctx->reps,
			  DIGITS(p->est_s), p->est_s, p->source);
	else
		bench_log(ctx, "plan: %u cases x %u reps, %s", cases, ctx->reps, p->source);
	if (p->est_bytes)
		say_memory(ctx, p->est_bytes, nodes ? nodes : 1);
	p->t0_ns = now_ns();
}

/* Largest resident set of this process or of any child so far (KiB): what the run has needed at most. */
static long peak_rss_kib(void)
{
	struct rusage self, kids;

	if (getrusage(RUSAGE_SELF, &self) || getrusage(RUSAGE_CHILDREN, &kids))
		return -1;
	return self.ru_maxrss > kids.ru_maxrss ? self.ru_maxrss : kids.ru_maxrss;
}

json_t *plan_end(const struct plan *p, const struct bench_ctx *ctx)
{
	double took = (now_ns() - p->t0_ns) / 1e9;
	long rss = peak_rss_kib();
	char options[1024];

	if (p->est_s > 0)
		bench_log(ctx, "took %.*f s, estimated %.*f s (%+.0f%%); peak RSS so far %.0f MiB",
			  DIGITS(took), took, DIGITS(p->est_s), p->est_s, 100 * (took - p->est_s) / p->est_s, rss / 1024.0);
	else
		bench_log(ctx, "took %.*f s (no estimate); peak RSS so far %.0f MiB", DIGITS(took), took, rss / 1024.0);
	options_text(ctx, options, sizeof(options));
	return json_pack("{sssssssIsIsIsfsfsssIsI}", "bench", ctx->bench->name,
			 "profile", profile_names[ctx->profile], "options", options, "cpus", (json_int_t)ctx->ncpus,
			 "nodes", (json_int_t)topo_numa_nodes(), "units", (json_int_t)p->units,
			 "estimate_s", p->est_s, "actual_s", took, "estimate_from", p->source,
			 "estimate_bytes", (json_int_t)p->est_bytes, "peak_rss_kib", (json_int_t)rss);
}
