/* One run as text for an email (report.txt) and as markdown with plots (report.md): `mmbench report DIR`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sys/atomic.h"
#include "core/bench.h"
#include "knobs/knobs.h"
#include "report/plots.h"
#include "report/report.h"
#include "results/results_read.h"
#include "report/wrap.h"
#include "report/kprofile_report.h"
#include "report/report_watch.h"


/* "label      value" with the value's words wrapped under it (a kernel command line is long). */
static void words_txt(FILE *f, const char *label, const char *value)
{
	char lead[32] = "";

	if (*label)
		snprintf(lead, sizeof(lead), "%-11s ", label);
	wrap_words(f, lead, *label ? 12 : 0, value);
}

/* The first manifest field present among @paths (writers name fields differently over time). */
static const char *first_of(const struct rl_run *run, const char *const *paths, char *buf, size_t len)
{
	const char *v;

	for (; *paths; paths++) {
		v = rl_manifest_str(run, *paths, buf, len);
		if (v && *v)
			return v;
	}
	return NULL;
}

static const char *when_text(const struct rl_run *run, char *buf, size_t len)
{
	json_t *t = json_object_get(run->manifest, "start_time");
	time_t secs;
	struct tm tm;

	if (json_is_number(t)) {
		secs = (time_t)json_number_value(t);
		gmtime_r(&secs, &tm);
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
		return buf;
	}
	return json_is_string(t) ? rl_json_text(t, buf, len) : "-";
}

/* The lines that say what machine and kernel the numbers belong to. */
struct field {
	const char *label;
	const char *const *paths;
};

#define PATHS(...) ((const char *const[]){ __VA_ARGS__, NULL })
static const struct field header_fields[] = {
	{ "kernel", PATHS("kernel.release") },
	{ "version", PATHS("kernel.version") },
	{ "cmdline", PATHS("kernel.cmdline") },
	{ "run id", PATHS("run_id") },
	{ "label", PATHS("label") },
	{ "profile", PATHS("profile") },
	{ "CPU", PATHS("cpu.model", "cpu.model_name", "cpu.name") },
	{ "sockets", PATHS("topology.sockets", "topology.packages", "cpu.sockets") },
	{ "NUMA nodes", PATHS("topology.numa_nodes", "topology.nodes", "cpu.numa_nodes") },
	{ "cores", PATHS("topology.cores", "cpu.cores") },
	{ "threads", PATHS("topology.pus", "topology.threads", "cpu.threads", "cpu.online") },
	{ "virt", PATHS("virtualization") },
	{ "memory kB", PATHS("memory.MemTotal") },
	{ "SMT", PATHS("smt", "cpu.smt") },
	{ "governor", PATHS("cpufreq_governor", "cpu.governor", "governor") },
	{ "ASLR", PATHS("aslr") },
	{ "mmbench", PATHS("mmbench_version") },
	{ NULL, NULL },
};

static void knob_item(struct wrap *p, bool md, const char *item)
{
	if (md) {		/* a table cell is one line, however long */
		p->col += fprintf(p->f, "%s%s", p->first ? "" : ", ", item);
		p->first = false;
	} else {
		wrap_item(p, " ", item);
	}
}

/*
 * The knobs in force, short enough for an email: the per-size mTHP knobs as one
 * item per leaf ("thp.hugepages-*.enabled=never, 2048kB=inherit"), and the
 * unreadable ones named together with their reason once.
 */
static void knobs_items(struct wrap *p, json_t *knobs, bool md)
{
	char buf[512], val[128], item[1024], leaf[64], maj[64];
	size_t off;
	json_t *leaves = json_object(), *unreadable = json_object(), *l, *v;
	const char *k, *lk;

	json_object_foreach(knobs, k, v) {
		const char *dot;

		knob_choice_word(rl_json_text(v, buf, sizeof(buf)), val, sizeof(val));
		if (!strncmp(val, "unreadable", 10)) {
			json_t *names = json_object_get(unreadable, val);

			if (!names)
				json_object_set_new(unreadable, val, names = json_array());
			json_array_append_new(names, json_string(k));
			continue;
		}
		if (strncmp(k, "thp.hugepages-", 14) || !(dot = strchr(k + 14, '.'))) {
			snprintf(item, sizeof(item), "%s=%s", k, val);
			knob_item(p, md, item);
			continue;
		}
		/* leaf -> { size: value } */
		snprintf(leaf, sizeof(leaf), "%s", dot + 1);
		l = json_object_get(leaves, leaf);
		if (!l)
			json_object_set_new(leaves, leaf, l = json_object());
		snprintf(buf, sizeof(buf), "%.*s", (int)(dot - k - 14), k + 14);
		json_object_set_new(l, buf, json_string(val));
	}
	json_object_foreach(leaves, lk, l) {
		size_t best = 0;
		json_t *x, *y;
		const char *sz, *sz2;

		/* the value most sizes have; the others are listed as exceptions */
		maj[0] = '\0';
		json_object_foreach(l, sz, x) {
			size_t n = 0;

			json_object_foreach(l, sz2, y)
				n += !strcmp(json_string_value(x), json_string_value(y));
			if (n > best) {
				best = n;
				snprintf(maj, sizeof(maj), "%s", json_string_value(x));
			}
		}
		if (json_object_size(l) == 1) {		/* one size: its own name says more than '*' */
			json_object_foreach(l, sz, x)
				snprintf(item, sizeof(item), "thp.hugepages-%s.%s=%s", sz, lk, maj);
			knob_item(p, md, item);
			continue;
		}
		off = snprintf(item, sizeof(item), "thp.hugepages-*.%s=%s", lk, maj);
		json_object_foreach(l, sz, x)
			if (strcmp(json_string_value(x), maj) && off < sizeof(item))
				off += snprintf(item + off, sizeof(item) - off, ",%s=%s", sz,
						json_string_value(x));
		knob_item(p, md, item);
	}
	json_object_foreach(unreadable, lk, l) {
		size_t i;
		json_t *x;

		/* "unreadable: why:" once, then the names, so the text can wrap between them */
		snprintf(item, sizeof(item), "%s:", lk);
		knob_item(p, md, item);
		json_array_foreach(l, i, x) {
			if (md)
				p->col += fprintf(p->f, " %s", json_string_value(x));
			else
				wrap_item(p, " ", json_string_value(x));
		}
	}
	json_decref(leaves);
	json_decref(unreadable);
}

static void header_txt(FILE *f, const struct rl_run *run, bool md)
{
	char buf[4096];
	const struct field *fl;
	struct wrap p;

	if (rl_emulated(run))
		fprintf(f, md ? "> **%s**\n\n" : "*** %s ***\n\n", RL_EMULATED_NOTE);
	if (rl_incomplete(run, buf, sizeof(buf)))
		fprintf(f, md ? "> **INCOMPLETE run: %s**\n\n" : "*** INCOMPLETE run: %.56s ***\n\n", buf);
	if (md)
		fprintf(f, "| | |\n|---|---|\n");
	for (fl = header_fields; fl->label; fl++) {
		const char *s = first_of(run, fl->paths, buf, sizeof(buf));

		if (!s && strcmp(fl->label, "run id") && strcmp(fl->label, "kernel"))
			continue;
		if (md) {
			fprintf(f, "| %s | %s |\n", fl->label, s ? s : "-");
			continue;
		}
		words_txt(f, fl->label, s ? s : "-");
	}
	if (md)
		fprintf(f, "| date | %s |\n", when_text(run, buf, sizeof(buf)));
	else
		fprintf(f, "%-11s %s\n", "date", when_text(run, buf, sizeof(buf)));
	/* Knobs as in force: the bracketed word of a choice. */
	wrap_start(&p, f, md ? "| knobs | " : "knobs       ", 12);
	knobs_items(&p, json_object_get(run->manifest, "knobs"), md);
	if (md)
		fprintf(f, " |");
	wrap_end(&p);
	fputc('\n', f);
}

/* Counters per repetition (scaled for multiplexing), the supported ones only. */
static void counters_txt(FILE *f, const struct rl_case *c, bool md)
{
	char item[128], num[32];
	struct wrap p;
	const char *k;
	json_t *v;
	bool any = false;

	/* val is already scaled for multiplexing where it was read (counters_read) */
	json_object_foreach(c->counters, k, v) {
		double val = json_number_value(json_object_get(v, "val"));

		if (!json_is_number(json_object_get(v, "val")))
			continue;
		if (!any)
			wrap_start(&p, f, md ? "\ncounters per repetition: " : "    counters/rep: ", 6);
		any = true;
		snprintf(item, sizeof(item), "%s %s", k, rl_fmt(val / c->reps, num, sizeof(num)));
		wrap_item(&p, ", ", item);
	}
	if (any)
		wrap_end(&p);
	any = false;
	json_object_foreach(c->vmstat, k, v) {
		if (!json_is_number(v) || json_number_value(v) == 0)
			continue;
		if (!any)
			wrap_start(&p, f, md ? "\nvmstat per repetition: " : "    vmstat/rep: ", 6);
		any = true;
		snprintf(item, sizeof(item), "%s %s", k,
			 rl_fmt(json_number_value(v) / c->reps, num, sizeof(num)));
		wrap_item(&p, ", ", item);
	}
	if (any)
		wrap_end(&p);
}

/* Counters the machine could not count, once per bench rather than per case. */
static void unsupported_txt(FILE *f, const struct rl_bench *b)
{
	struct wrap p;
	bool any = false;
	size_t c;
	const char *k;
	json_t *v;
	char item[256], seen[1024] = ";", name[80];

	for (c = 0; c < b->nr_cases; c++) {
		json_object_foreach(b->cases[c].counters, k, v) {
			json_t *sup = json_object_get(v, "supported");

			/* ";name;": "faults" is not "page-faults" */
			snprintf(name, sizeof(name), ";%s;", k);
			if (!json_is_false(sup) || strstr(seen, name))
				continue;
			if (strlen(seen) + strlen(k) + 2 < sizeof(seen)) {
				strcat(seen, k);
				strcat(seen, ";");
			}
			if (!any)
				wrap_start(&p, f, "not counted here: ", 4);
			any = true;
			snprintf(item, sizeof(item), "%s (%s)", k,
				 json_string_value(json_object_get(v, "reason")) ?: "?");
			wrap_item(&p, "; ", item);
		}
	}
	if (any)
		wrap_end(&p);
}

static void params_txt(FILE *f, const struct rl_bench *b)
{
	char item[256], val[160];
	struct wrap p;
	const char *k;
	json_t *v;

	if (!json_object_size(b->params))
		return;
	wrap_start(&p, f, "params: ", 8);
	json_object_foreach(b->params, k, v) {
		snprintf(item, sizeof(item), "%s=%s", k, rl_json_text(v, val, sizeof(val)));
		wrap_item(&p, " ", item);
	}
	wrap_end(&p);
}

/* "  key: skip: reason", the reason on its own line when it does not fit. */
static void reason_txt(FILE *f, const struct rl_case *c)
{
	if (strlen(c->key) + strlen(c->status) + strlen(c->reason) + 6 <= WRAP_WIDTH) {
		fprintf(f, "  %s: %s: %s\n", c->key, c->status, c->reason);
		return;
	}
	/* a long reason wraps at word boundaries, indented under its case */
	fprintf(f, "  %s: %s:\n", c->key, c->status);
	wrap_words(f, "      ", 6, c->reason);
}

static void bench_txt(FILE *f, const struct rl_bench *b)
{
	char med[32], lo[32], hi[32], ci[80], cv[32];
	const char *summary = json_string_value(json_object_get(b->root, "summary"));
	const char *uow = json_string_value(json_object_get(b->root, "unit_of_work"));
	size_t c, m, skipped = 0;

	fprintf(f, "== %s ", b->name);
	for (int i = strlen(b->name) + 4; i < WRAP_WIDTH; i++)
		fputc('=', f);
	fputc('\n', f);
	if (summary)
		words_txt(f, "", summary);
	if (uow)
		words_txt(f, "unit of work:", uow);
	params_txt(f, b);
	if (strcmp(b->status, "ok"))
		fprintf(f, "bench %s: %s\n", b->status, b->reason);
	fprintf(f, "\n%-26s %9s  %-20s %6s  %s\n", "case / metric", "median", "95% CI of median",
		"cv", "unit");
	for (c = 0; c < b->nr_cases; c++) {
		const struct rl_case *cs = &b->cases[c];

		if (strcmp(cs->status, "ok")) {
			skipped++;
			continue;
		}
		fprintf(f, "%s  (%g reps)\n", cs->key, cs->reps);
		for (m = 0; m < cs->nr_metrics; m++) {
			const struct rl_metric *rm = &cs->metrics[m];

			snprintf(ci, sizeof(ci), "[%s, %s]", rl_fmt(rm->s.ci_lo, lo, sizeof(lo)),
				 rl_fmt(rm->s.ci_hi, hi, sizeof(hi)));
			snprintf(cv, sizeof(cv), "%.1f%%", rm->s.cv * 100);
			/* Fewer samples than repetitions: say so, the interval is weaker. */
			fprintf(f, "  %-24s %9s  %-20s %6s  %s", rm->name,
				rl_fmt(rm->s.median, med, sizeof(med)), ci,
				isnan(rm->s.cv) ? "-" : cv, rm->unit);
			if (rm->n && rm->n < cs->reps)
				fprintf(f, " (n=%zu)", rm->n);
			fputc('\n', f);
		}
		counters_txt(f, cs, false);
	}
	if (skipped) {
		fprintf(f, "\nnot run (%zu):\n", skipped);
		for (c = 0; c < b->nr_cases; c++)
			if (strcmp(b->cases[c].status, "ok"))
				reason_txt(f, &b->cases[c]);
	}
	unsupported_txt(f, b);
	fputc('\n', f);
}

static void bench_md(FILE *f, const struct rl_bench *b, const struct plot_list *plots)
{
	char med[32], lo[32], hi[32];
	const char *summary = json_string_value(json_object_get(b->root, "summary"));
	size_t c, m, i;

	fprintf(f, "## %s\n\n", b->name);
	if (summary)
		fprintf(f, "%s\n\n", summary);
	if (strcmp(b->status, "ok"))
		fprintf(f, "**bench %s: %s**\n\n", b->status, b->reason);
	for (c = 0; c < b->nr_cases; c++) {
		const struct rl_case *cs = &b->cases[c];

		if (strcmp(cs->status, "ok"))
			continue;
		fprintf(f, "### %s\n\n| metric | median | 95%% CI | cv | unit | better | n |\n"
			"|---|---:|---|---:|---|---|---:|\n", cs->key);
		for (m = 0; m < cs->nr_metrics; m++) {
			const struct rl_metric *rm = &cs->metrics[m];

			fprintf(f, "| %s | %s | [%s, %s] | %.1f%% | %s | %s | %zu |\n", rm->name,
				rl_fmt(rm->s.median, med, sizeof(med)),
				rl_fmt(rm->s.ci_lo, lo, sizeof(lo)), rl_fmt(rm->s.ci_hi, hi, sizeof(hi)),
				rm->s.cv * 100, rm->unit,
				rm->better == BETTER_LOWER ? "lower" :
				rm->better == BETTER_HIGHER ? "higher" : "-", rm->n);
		}
		counters_txt(f, cs, true);
		fputc('\n', f);
	}
	for (c = 0, i = 0; c < b->nr_cases; c++)
		if (strcmp(b->cases[c].status, "ok"))
			fprintf(f, "%s- `%s` %s: %s\n", i++ ? "" : "Not run:\n\n", b->cases[c].key,
				b->cases[c].status, b->cases[c].reason);
	if (i)
		fputc('\n', f);
	for (i = 0; i < plots->nr; i++)
		if (!strcmp(plots->p[i].bench, b->name))
			fprintf(f, "[![%s](plots/%s.png)](plots/%s.svg)\n\n", plots->p[i].title,
				plots->p[i].name, plots->p[i].name);
}

/* A sweep's run directory has sweep.txt (values, orders, recommendations): it belongs in the report. */
static void append_sweep(FILE *f, const char *dir, bool md)
{
	char path[PATH_MAX], line[512];
	FILE *in;

	snprintf(path, sizeof(path), "%s/sweep.txt", dir);
	in = fopen(path, "re");
	if (!in)
		return;
	fprintf(f, md ? "\n## Sweep\n\n```\n" : "\nSweep\n-----\n");
	while (fgets(line, sizeof(line), in))
		fputs(line, f);
	if (md)
		fprintf(f, "```\n");
	fclose(in);
}

struct report_file {
	const char *dir;
	const struct rl_run *run;
	const struct plot_list *plots;
	bool md;
};

static int fill_report(FILE *f, void *arg)
{
	const struct report_file *r = arg;
	char buf[128];
	size_t b;

	fprintf(f, r->md ? "# mmbench report: %s\n\n" : "mmbench report: %s\n\n",
		rl_manifest_str(r->run, "run_id", buf, sizeof(buf)) ?: r->dir);
	report_watch(f, r->run, r->md);
	header_txt(f, r->run, r->md);
	for (b = 0; b < r->run->nr_benches; b++) {
		if (r->md)
			bench_md(f, &r->run->benches[b], r->plots);
		else
			bench_txt(f, &r->run->benches[b]);
	}
	if (!r->run->nr_benches)
		fprintf(f, "no bench results in this run\n");
	kprofile_report(f, r->dir, r->run, r->md);
	append_sweep(f, r->dir, r->md);
	return 0;
}

static int write_file(const char *dir, const char *name, const struct rl_run *run,
		      const struct plot_list *plots, bool md)
{
	struct report_file r = { dir, run, plots, md };
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = atomic_write(path, fill_report, &r);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", __func__, path, strerror(-err));
	return err;
}

int report_render(const char *run_dir)
{
	struct rl_run run, *runs[1] = { &run };
	struct plot_list plots = { 0 };
	char label[160], rel[64], id[96];
	const char *labels[1] = { label };
	int err;

	err = rl_load(run_dir, &run);
	if (err)
		return err;
	snprintf(label, sizeof(label), "%s %s",
		 rl_manifest_str(&run, "kernel.release", rel, sizeof(rel)) ?: "?",
		 rl_manifest_str(&run, "run_id", id, sizeof(id)) ?: "");
	err = plots_write(run_dir, runs, labels, 1, &plots);
	if (err)
		fprintf(stderr, "%s: %s/plots: %s\n", __func__, run_dir, strerror(-err));
	if (!err)
		err = write_file(run_dir, "report.txt", &run, &plots, false);
	if (!err)
		err = write_file(run_dir, "report.md", &run, &plots, true);
	plot_list_free(&plots);
	rl_free(&run);
	return err;
}
