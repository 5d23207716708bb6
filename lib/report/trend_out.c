/* What mmbench trend prints and writes: a table per case (text or markdown), JSON, chart data. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/atomic.h"
#include "core/bench.h"
#include "report/plot_file.h"
#include "report/plots.h"
#include "report/vtext.h"
#include "analysis/trend.h"
#include "sys/util.h"

static const char *better_text(int better)
{
	return better == BETTER_LOWER ? "lower is better" :
	       better == BETTER_HIGHER ? "higher is better" : "no better direction";
}

static const char *kernel_name(const struct tr_kernel *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", k->release, k->emulated ? " [tcg]" : "");
	return buf;
}

static void print_head(FILE *f, const struct trend *t, bool md)
{
	size_t runs = 0, n;
	json_t *s;

	for (size_t k = 0; k < t->nr_k; k++)
		runs += t->k[k].nr;
	fprintf(f, "%smmbench trend: %s %s (%s, %s): %zu kernels, %zu runs under %s%s%s\n",
		md ? "# " : "", t->bench, t->metric, t->unit ?: "", better_text(t->better),
		t->nr_k, runs, t->root, t->label ? ", label " : "", t->label ?: "");
	fprintf(f, "%s%s options: %s\n", md ? "\n" : "", t->bench, t->options ?: "none");
	fprintf(f, "%scentre: the geometric mean of a kernel's boots (each the mean of its runs' "
		"medians; with zeros: the median of its samples), with its 95%% interval\n",
		md ? "\n" : "");
	fprintf(f, "%ssteps: the verdict engine, each kernel's boots as replicates%s; one BH "
		"correction over the %zu steps; change points: binary segmentation on the same "
		"engine, %d runs a side at least\n", md ? "\n" : "",
		t->history && !strcmp(t->history, "none") ? "" :
		", with this host's history of the same kernels and options (--history DIR: runs "
		"outside the trend) where an F test finds it alike",
		t->nr_steps, CP_MIN_RUNS);
	for (size_t k = 0; k < t->nr_k; k++)
		if (t->k[k].emulated) {
			fprintf(f, "%s[tcg]: %s\n", md ? "\n" : "", RL_EMULATED_NOTE);
			break;
		}
	json_array_foreach(t->skipped, n, s)
		fprintf(f, "%sskipped: %s\n", md ? "\n" : "",
			json_string_value(json_object_get(s, "why")));
}

/* " (x0.5, 95% [0.4, 0.6]), mde 12%, q 0.001", or less where the result has less. */
static const char *cp_numbers(const struct vresult *r, char *buf, size_t len)
{
	char x[32], lo[32], hi[32], m[16];
	int n = snprintf(buf, len, " (x%s", rl_fmt(r->ratio, x, sizeof(x)));

	if (isfinite(r->lo))
		n += snprintf(buf + n, len - n, ", 95%% [%s, %s]", rl_fmt(r->lo, lo, sizeof(lo)),
			      rl_fmt(r->hi, hi, sizeof(hi)));
	n += snprintf(buf + n, len - n, ")");
	if (isfinite(r->mde))
		n += snprintf(buf + n, len - n, ", mde %s", vt_pct(r->mde, m, sizeof(m)));
	if (isfinite(r->q))
		snprintf(buf + n, len - n, ", q %.2g", r->q);
	else if (r->why[0])
		snprintf(buf + n, len - n, ", %s", r->why);
	return buf;
}

static void print_cps(FILE *f, const struct trend *t, const struct tr_case *tc, bool md)
{
	for (size_t i = 0; i < tc->nr_cp; i++) {
		const struct cp_point *p = &tc->cp[i];
		char a[32], b[32], nums[300];

		fprintf(f, "%schange point at %s: %s, %s -> %s%s; segment %s .. %s\n",
			md ? "\n" : "  ", t->k[p->at].release, verdict_name(p->res.v),
			rl_fmt(p->res.base, a, sizeof(a)), rl_fmt(p->res.cur, b, sizeof(b)),
			cp_numbers(&p->res, nums, sizeof(nums)), t->k[p->lo].release,
			t->k[p->hi - 1].release);
	}
	if (!tc->nr_cp)
		fprintf(f, "%sno change point\n", md ? "\n" : "  ");
}

static void print_row(FILE *f, const struct trend *t, const struct tr_case *tc, size_t k,
		      int w, bool md)
{
	const struct tr_row *r = &tc->rows[k];
	char name[200], c[32], lo[32], hi[32], st[32], mde[16], ci[80];

	kernel_name(&t->k[k], name, sizeof(name));
	if (r->runs)
		snprintf(ci, sizeof(ci), "[%s, %s]", rl_fmt(r->lo, lo, sizeof(lo)),
			 rl_fmt(r->hi, hi, sizeof(hi)));
	else
		snprintf(ci, sizeof(ci), "-");
	rl_fmt(r->centre, c, sizeof(c));
	if (r->has_step)
		vt_step(&r->step, st, sizeof(st));
	else
		snprintf(st, sizeof(st), "-");
	vt_pct(r->has_step ? r->step.mde : NAN, mde, sizeof(mde));
	if (md)
		fprintf(f, "| %s | %zu | %s | %s | %s | %s | %s | %s |\n", name, r->runs, c, ci, st,
			r->has_step ? verdict_name(r->step.v) : "-", mde, r->cp >= 0 ? "**change**" : "");
	else
		fprintf(f, "  %-*s %4zu %9s %-21s %9s %-12s %5s%s\n", w, name, r->runs, c, ci, st,
			r->has_step ? verdict_name(r->step.v) : "-", mde, r->cp >= 0 ? "  <- change" : "");
}

static void print_case(FILE *f, const struct trend *t, const struct tr_case *tc, bool md)
{
	int w = 6;
	char name[200];

	for (size_t k = 0; k < t->nr_k; k++)
		w = (int)fmax(w, (double)strlen(kernel_name(&t->k[k], name, sizeof(name))));
	fprintf(f, md ? "\n## %s\n\n" : "\n%s\n", tc->key);
	if (md)
		fputs("| kernel | runs | centre | 95% interval | step | verdict | mde | |\n"
		      "| --- | ---: | ---: | --- | ---: | --- | ---: | --- |\n", f);
	else
		fprintf(f, "  %-*s %4s %9s %-21s %9s %-12s %5s\n", w, "kernel", "runs", "centre",
			"95% interval", "step", "verdict", "mde");
	for (size_t k = 0; k < t->nr_k; k++)
		print_row(f, t, tc, k, w, md);
	print_cps(f, t, tc, md);
}

void trend_print_text(FILE *f, const struct trend *t)
{
	print_head(f, t, false);
	for (size_t c = 0; c < t->nr_cases; c++)
		print_case(f, t, &t->cases[c], false);
}

void trend_print_md(FILE *f, const struct trend *t)
{
	print_head(f, t, true);
	for (size_t c = 0; c < t->nr_cases; c++)
		print_case(f, t, &t->cases[c], true);
}

/* A number, or null where there is none (JSON has no NaN). */
static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *result_json(const struct vresult *r)
{
	return json_pack("{sssosososososososssisiss}", "verdict", verdict_name(r->v),
			 "ratio", num(r->ratio), "lo", num(r->lo), "hi", num(r->hi), "p", num(r->p),
			 "q", num(r->q), "mde", num(r->mde), "sd", num(r->sd),
			 "noise", r->noise ?: "none", "runs_base", (json_int_t)r->runs_b,
			 "runs_new", (json_int_t)r->runs_c, "why", r->why);
}

static json_t *case_json(const struct trend *t, const struct tr_case *tc)
{
	json_t *rows = json_array(), *cps = json_array();

	for (size_t k = 0; k < t->nr_k; k++) {
		const struct tr_row *r = &tc->rows[k];
		json_t *dirs = json_array();

		for (size_t i = 0; i < t->k[k].nr; i++)
			json_array_append_new(dirs, json_string(t->k[k].runs[i]->dir));
		json_array_append_new(rows, json_pack("{sssisosososbsososb}", "kernel",
			t->k[k].release, "runs", (json_int_t)r->runs, "centre", num(r->centre),
			"lo", num(r->lo), "hi", num(r->hi), "emulated", t->k[k].emulated,
			"run_dirs", dirs, "step", r->has_step ? result_json(&r->step) : json_null(),
			"change_point", r->cp >= 0));
	}
	for (size_t i = 0; i < tc->nr_cp; i++)
		json_array_append_new(cps, json_pack("{ssssssso}", "at", t->k[tc->cp[i].at].release,
			"from", t->k[tc->cp[i].lo].release, "to", t->k[tc->cp[i].hi - 1].release,
			"result", result_json(&tc->cp[i].res)));
	return json_pack("{sssoso}", "case", tc->key, "kernels", rows, "change_points", cps);
}

int trend_write_json(const char *path, const struct trend *t)
{
	json_t *cases = json_array(), *j;
	int err;

	for (size_t c = 0; c < t->nr_cases; c++)
		json_array_append_new(cases, case_json(t, &t->cases[c]));
	j = json_pack("{sssssssssssosOsosisiso}", "schema", TREND_SCHEMA, "bench", t->bench,
		      "metric", t->metric, "unit", t->unit ?: "", "better", better_text(t->better),
		      "label", t->label ? json_string(t->label) : json_null(), "skipped", t->skipped,
		      "options", t->options ? json_string(t->options) : json_null(),
		      "steps", (json_int_t)t->nr_steps, "min_runs_a_side", (json_int_t)CP_MIN_RUNS,
		      "cases", cases);
	if (!j)
		return -(errno = ENOMEM);
	json_object_set_new(j, "root", json_string(t->root));
	err = atomic_write_json(path, j, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(j);
	if (err)
		errno = -err;
	return err;
}

/* The .dat of one case: x, centre, lo, hi, centre again where a change point starts, label. */
static void put_dat(FILE *d, const struct trend *t, const struct tr_case *tc)
{
	for (size_t k = 0; k < t->nr_k; k++) {
		const struct tr_row *r = &tc->rows[k];

		fprintf(d, "%zu", k);
		plot_num(d, r->centre);
		plot_num(d, r->lo);
		plot_num(d, r->hi);
		plot_num(d, r->cp >= 0 ? r->centre : NAN);
		fputc(' ', d);
		plot_str(d, t->k[k].release);
		fputc('\n', d);
	}
}

static void put_vars(FILE *v, const struct trend *t, const struct tr_case *tc, const char *name)
{
	char title[400], ylab[200];
	double lo = INFINITY, hi = 0;

	for (size_t k = 0; k < t->nr_k; k++)
		if (tc->rows[k].runs) {
			lo = fmin(lo, tc->rows[k].lo);
			hi = fmax(hi, tc->rows[k].hi);
		}
	snprintf(title, sizeof(title), "%s %s: %s over kernels", t->bench, tc->key, t->metric);
	snprintf(ylab, sizeof(ylab), "%s (%s), %s", t->metric, t->unit ?: "",
		 better_text(t->better));
	plot_head(v, "trend", name, title, ylab, "kernel (version order)");
	fprintf(v, "nkernels = %zu\nlogy = %d\n", t->nr_k, lo > 0 && hi / lo > 100);
}

static int write_chart(const char *dir, const struct trend *t, size_t c)
{
	char name[300], path[PATH_MAX + 400];
	char *buf[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };
	FILE *d = open_memstream(&buf[0], &len[0]), *v = open_memstream(&buf[1], &len[1]);
	int err = 0;

	snprintf(name, sizeof(name), "trend-%s-%s-%zu", t->bench, t->metric, c + 1);
	plot_sanitize(name);
	if (!d || !v) {
		if (d)
			fclose(d);
		if (v)
			fclose(v);
		err = -ENOMEM;
	} else {
		put_dat(d, t, &t->cases[c]);
		put_vars(v, t, &t->cases[c], name);
		err = fclose(d) | fclose(v) ? -EIO : 0;
	}
	for (int i = 0; i < 2 && !err; i++) {
		snprintf(path, sizeof(path), "%s/plots/%s.%s", dir, name, i ? "vars" : "dat");
		err = atomic_write_buf(path, buf[i], len[i]);
	}
	free(buf[0]);
	free(buf[1]);
	return err;
}

int trend_write_plots(const char *dir, const struct trend *t)
{
	char path[PATH_MAX + 16];
	int err = 0;

	snprintf(path, sizeof(path), "%s/plots", dir);
	if (mkdir_p(path))
		return -1;
	for (size_t c = 0; c < t->nr_cases && !err; c++)
		err = write_chart(dir, t, c);
	if (err)
		errno = -err;
	return err;
}
