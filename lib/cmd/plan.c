/* A bench's cost before it runs (plan.h): seconds from this host's history or the bench's duration option, memory from its size option. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "cmd/args.h"
#include "cmd/plan.h"
#include "core/case.h"
#include "core/options.h"
#include "sys/kconfig.h"
#include "sys/procfs.h"
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
	const char *x = strrchr(*(char *const *)a, '/'), *y = strrchr(*(char *const *)b, '/');

	return strcmp(y ? y : *(char *const *)b, x ? x : *(char *const *)a);
}

/* Run directories "<release>/<run>" of @release under @root, or of every release (NULL); how many. */
static int run_dirs(const char *root, const char *release, char ***out)
{
	char **dirs = NULL, path[4096];
	struct dirent **rel = NULL, **runs;
	int nrel, n = 0;

	nrel = release ? 1 : scandir(root, &rel, NULL, NULL);
	for (int r = 0; r < nrel; r++) {
		const char *name = release ? release : rel[r]->d_name;
		int nr;

		if (name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, name);
		nr = scandir(path, &runs, NULL, NULL);
		for (int i = 0; i < nr; i++) {
			char **more = runs[i]->d_name[0] != '.' ? realloc(dirs, (n + 1) * sizeof(*dirs)) : NULL;

			if (more) {
				dirs = more;
				if (asprintf(&dirs[n], "%s/%s", name, runs[i]->d_name) > 0)
					n++;
			}
			free(runs[i]);
		}
		if (nr >= 0)
			free(runs);
	}
	for (int r = 0; r < nrel && rel; r++)
		free(rel[r]);
	free(rel);
	qsort(dirs, n, sizeof(*dirs), newest_first);
	*out = dirs;
	return n;
}

/*
 * Run directories are named by their start time: the newest earlier one that ran this
 * bench on a machine of this shape, under this kernel; for an assumed machine under
 * any (a vm guest's runs are filed under its own kernel).
 */
static int from_history(const struct bench_ctx *ctx, const char *out_root, const char *this_run,
			double *rate, char *source, size_t len)
{
	char path[8300], options[1024], **dirs;
	int n, found = -ENOENT;

	options_text(ctx, options, sizeof(options));
	n = run_dirs(out_root, topo_assumed() ? NULL : kernel_release(), &dirs);
	for (int i = 0; i < n && i < HISTORY_RUNS && found; i++) {
		json_t *m;

		if (this_run && strstr(this_run, dirs[i]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/manifest.json", out_root, dirs[i]);
		m = json_load_file(path, 0, NULL);
		if (m && !plan_history_rate(m, ctx->bench->name, profile_names[ctx->profile], options, ctx->ncpus,
					    topo_numa_nodes(), rate)) {
			snprintf(source, len, "history: run %s, %.*f s a repetition", dirs[i], DIGITS(*rate), *rate);
			found = 0;
		}
		json_decref(m);
	}
	for (int i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
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

/* The bench's own model: its seconds a repetition of each runnable case, @reps of each. */
static int from_model(const struct bench_ctx *ctx, const struct case_list *list, double *est,
		      char *source, size_t len)
{
	double sum = 0;

	if (!ctx->bench->rep_seconds)
		return -ENOENT;
	for (int i = 0; i < list->nr; i++)
		if (list->cases[i].status != CASE_SKIP)
			sum += ctx->bench->rep_seconds(ctx, &list->cases[i]);
	*est = sum * ctx->reps;
	snprintf(source, len, "model: the bench's cost of each case's repetitions (no history here)");
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

/* The bytes of case @c: its size option's, else the bench's most for any case (0: unknown). */
static uint64_t bytes_of(const struct bench_ctx *ctx, const struct bench_case *c)
{
	uint64_t b = case_bytes(ctx, c);

	return b || !ctx->bench->mem_bytes ? b : ctx->bench->mem_bytes(ctx);
}

void plan_dry_memory(const struct bench_ctx *ctx, struct case_list *list)
{
	for (int i = 0; i < list->nr; i++) {
		uint64_t b = bytes_of(ctx, &list->cases[i]);

		if (b && list->cases[i].status != CASE_SKIP)
			case_need_mem(&list->cases[i], b);
	}
}

#define SKIPS_SHOWN	3	/* skipped cases named one a line; the rest counted */

static void say_skips(const struct bench_ctx *ctx, const struct case_list *list)
{
	int shown = 0, more = 0;

	for (int i = 0; i < list->nr; i++) {
		if (list->cases[i].status != CASE_SKIP)
			continue;
		if (shown++ < SKIPS_SHOWN)
			bench_log(ctx, "plan: would skip %s: %s", list->cases[i].key, list->cases[i].reason);
		else
			more++;
	}
	if (more)
		bench_log(ctx, "plan: would skip %d more case%s", more, more > 1 ? "s" : "");
}

#define NODES_SHOWN	16

/*
 * Where the threads of the runnable case with the most of them go, node by node, for
 * the benches whose cases name a placement: threads against each node's CPUs.
 */
static void say_threads(const struct bench_ctx *ctx, const struct case_list *list, unsigned nodes)
{
	const struct bench_case *most = NULL;
	unsigned threads = 0, on[NODES_SHOWN] = { 0 }, over = 0;
	const struct case_param *pl;
	char line[512];
	size_t off = 0;
	int place;

	for (int i = 0; i < list->nr; i++) {
		const struct case_param *t = case_param(&list->cases[i], "threads");

		if (list->cases[i].status != CASE_SKIP && t && t->is_num && t->num > threads &&
		    case_param(&list->cases[i], "placement")) {
			most = &list->cases[i];
			threads = (unsigned)t->num;
		}
	}
	if (!most || nodes > NODES_SHOWN)
		return;
	pl = case_param(most, "placement");
	place = placement_parse(pl->str);
	if (place < 0)
		return;
	for (unsigned i = 0; i < threads; i++) {
		int n = topo_node_of_cpu(topo_cpu_for(i, place));

		if (n >= 0 && n < NODES_SHOWN)
			on[n]++;
	}
	for (unsigned n = 0; n < nodes; n++) {
		static int cpus[4096];
		unsigned have = (unsigned)topo_node_cpus((int)n, cpus, 4096);

		over += on[n] > have;
		off += snprintf(line + off, sizeof(line) - off, " %u/%u", on[n], have);
	}
	bench_log(ctx, "plan: %s: threads/CPUs per node%s%s", most->key, line,
		  over ? " (more threads than a node has CPUs)" : "");
}

void plan_begin(struct plan *p, const struct bench_ctx *ctx, const struct case_list *list,
		const char *out_root, const char *this_run)
{
	unsigned nodes = topo_numa_nodes(), cases = 0;
	double rate = 0;

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < list->nr; i++) {
		uint64_t b = bytes_of(ctx, &list->cases[i]);

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
	else if (from_model(ctx, list, &p->est_s, p->source, sizeof(p->source)))
		snprintf(p->source, sizeof(p->source), "no estimate: no run of it here yet (%s profile, %u CPUs, %u node(s))",
			 profile_names[ctx->profile], ctx->ncpus, nodes);
	if (p->est_s >= 0)
		bench_log(ctx, "plan: %u cases x %u reps, about %.*f s (%s)", cases, ctx->reps,
			  DIGITS(p->est_s), p->est_s, p->source);
	else
		bench_log(ctx, "plan: %u cases x %u reps, %s", cases, ctx->reps, p->source);
	if (p->est_bytes)
		say_memory(ctx, p->est_bytes, nodes ? nodes : 1);
	say_threads(ctx, list, nodes);
	say_skips(ctx, list);
	p->t0_ns = now_ns();
}

double plan_rep_s(const struct plan *p)
{
	return p->est_s > 0 && p->units ? p->est_s / p->units : -1;
}

/* Each case of @list that --max-time cut short, into @cut (bench, case, repetitions left out). */
void plan_note_cuts(const struct bench_ctx *ctx, const struct case_list *list, json_t *cut)
{
	for (int i = 0; i < list->nr; i++) {
		const struct bench_case *c = &list->cases[i];

		if (c->reps_cut)
			json_array_append_new(cut, json_pack("{sssssIsI}", "bench", ctx->bench->name,
							     "case", c->key, "reps_skipped", (json_int_t)c->reps_cut,
							     "reps", (json_int_t)ctx->reps));
	}
}

/*
 * --max-time in the manifest: the bound, the time spent, what it left out (@cut, taken),
 * also said on stdout before the run directory's line (which stays the last).
 */
json_t *plan_max_time_json(const struct run_args *a, json_t *cut)
{
	double spent = (now_ns() - (a->deadline_ns - (uint64_t)(a->max_time_s * 1e9))) / 1e9;
	json_int_t reps = 0;
	json_t *e;
	size_t i;

	json_array_foreach(cut, i, e) {
		json_int_t n = json_integer_value(json_object_get(e, "reps_skipped"));

		reps += n;
		/* the first few by name; the manifest has every one */
		if (i < SKIPS_SHOWN)
			printf("max-time: skipped %lld of %lld repetitions of %s %s\n", (long long)n,
			       (long long)json_integer_value(json_object_get(e, "reps")),
			       json_string_value(json_object_get(e, "bench")),
			       json_string_value(json_object_get(e, "case")));
	}
	if (json_array_size(cut) > SKIPS_SHOWN)
		printf("max-time: and %zu more cases (the manifest's max_time names them)\n",
		       json_array_size(cut) - SKIPS_SHOWN);
	if (reps)
		printf("max-time: %lld repetitions skipped in all, %.0f s spent of %.0f s\n", (long long)reps,
		       spent, a->max_time_s);
	return json_pack("{sfsfsIso}", "limit_s", a->max_time_s, "spent_s", spent,
			 "reps_skipped", reps, "skipped", cut);
}

#define ASSUME_MAX_NODES	64	/* as many as the vm runner boots, and numa-scan places over */
#define ASSUME_MAX_CPUS		1024
#define ASSUME_MIN_NODE_MEM	(128ull << 20)

int plan_assume(const char *text, const char *who)
{
	uint64_t nodes = topo_numa_nodes(), cpus = online_cpus(), mem = 0, *v;
	char buf[256], *save = NULL, *tok;
	long long kb = meminfo_kb("MemTotal");

	if (kb > 0)
		mem = (uint64_t)kb * 1024;
	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int bad;

		if (!eq)
			return args_usage(who, "--assume %s: '%s' is not NAME=VALUE (nodes, cpus, mem)", text, tok);
		*eq = 0;
		v = !strcmp(tok, "nodes") ? &nodes : !strcmp(tok, "cpus") ? &cpus : !strcmp(tok, "mem") ? &mem : NULL;
		if (!v)
			return args_usage(who, "--assume %s: no '%s': nodes, cpus or mem", text, tok);
		bad = v == &mem ? parse_size(eq + 1, v) : parse_u64(eq + 1, v);
		if (bad || !*v)
			return args_usage(who, "--assume %s: %s=%s is not a %s", text, tok, eq + 1,
					 v == &mem ? "size (4G, 512M)" : "positive number");
	}
	if (nodes > ASSUME_MAX_NODES || cpus > ASSUME_MAX_CPUS)
		return args_usage(who, "--assume %s: at most %d nodes and %d CPUs", text,
				 ASSUME_MAX_NODES, ASSUME_MAX_CPUS);
	if (cpus % nodes)
		return args_usage(who, "--assume %s: %llu CPUs do not split evenly over %llu nodes",
				 text, (unsigned long long)cpus, (unsigned long long)nodes);
	if (mem / nodes < ASSUME_MIN_NODE_MEM)
		return args_usage(who, "--assume %s: %llu MiB a node: at least %llu MiB", text,
				 (unsigned long long)(mem / nodes >> 20), ASSUME_MIN_NODE_MEM >> 20);
	if (topo_assume((unsigned)nodes, (unsigned)cpus, mem))
		return args_usage(who, "--assume %s: hwloc cannot build that topology", text);
	fprintf(stderr, "mmbench: plan: for a machine of %llu node%s, %llu CPUs, %llu MiB (assumed, "
		"not this one)\n", (unsigned long long)nodes, nodes > 1 ? "s" : "", (unsigned long long)cpus,
		(unsigned long long)(mem >> 20));
	return 0;
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
	/*
	 * units: the repetitions that ran (--max-time or skips may leave fewer than planned;
	 * none, and history passes over the entry)
	 */
	return json_pack("{sssssssIsIsIsfsfsssIsI}", "bench", ctx->bench->name,
			 "profile", profile_names[ctx->profile], "options", options, "cpus", (json_int_t)ctx->ncpus,
			 "nodes", (json_int_t)topo_numa_nodes(), "units", (json_int_t)ctx->reps_run,
			 "estimate_s", p->est_s, "actual_s", took, "estimate_from", p->source,
			 "estimate_bytes", (json_int_t)p->est_bytes, "peak_rss_kib", (json_int_t)rss);
}
