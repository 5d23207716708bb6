/*
 * The report's kernel profile section. The cost of sampling is measured in every run:
 * its repetitions alternate sampled and unsampled (lib/core/kprofile.c), so the same cases ran
 * with and without, interleaved, and the verdict engine judges the two like any A/B.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/bench.h"
#include "results/kprofile_file.h"
#include "report/kprofile_report.h"
#include "report/wrap.h"

#define COST_MAX	CASE_MAX_SAMPLES

/* Values of one side of one case, scaled by @centre, appended at @x[*n]; false when one is not positive. */
static bool scaled(json_t *a, double centre, double *x, size_t *n)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (*n == COST_MAX)
			return false;
		x[(*n)++] = json_number_value(v) / centre;
	}
	return true;
}

/* The geometric mean of both sides' values; NaN when one is not positive (logs are taken). */
static double centre_of(json_t *w, json_t *wo)
{
	double s = 0;
	size_t n = 0, i;
	json_t *v;

	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(pass ? wo : w, i, v) {
			if (json_number_value(v) <= 0)
				return NAN;
			s += log(json_number_value(v));
			n++;
		}
	return n ? exp(s / n) : NAN;
}

void kprofile_cost_measure(const struct kprofile_file *f, const char *metric, struct kprofile_cost *c)
{
	static double xw[COST_MAX], xo[COST_MAX];
	static const double *pw[COST_MAX], *po[COST_MAX];
	static size_t nw_[COST_MAX], no_[COST_MAX];
	size_t nw = 0, no = 0;
	struct vside sw, so;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < f->nr; i++) {
		json_t *m = json_object_get(f->cases[i].overhead, metric);
		json_t *w = json_object_get(m, "with"), *wo = json_object_get(m, "without");
		double ctr = centre_of(w, wo);
		size_t nw0 = nw, no0 = no;

		if (!f->cases[i].ok || !json_array_size(w) || !json_array_size(wo) || isnan(ctr))
			continue;
		if (!scaled(w, ctr, xw, &nw) || !scaled(wo, ctr, xo, &no)) {
			nw = nw0;
			no = no0;
			continue;
		}
		c->cases++;
	}
	vside_of_samples(&sw, xw, nw, pw, nw_);
	vside_of_samples(&so, xo, no, po, no_);
	verdict_measure(&so, &sw, NULL, &c->res);
}

/* The metrics of a profile file's overhead records, once each, with their better direction. */
static json_t *cost_metrics(const struct kprofile_file *f)
{
	json_t *names = json_object();

	for (size_t i = 0; i < f->nr; i++) {
		const char *k;
		json_t *m;

		json_object_foreach(f->cases[i].overhead, k, m)
			if (!json_object_get(names, k))
				json_object_set_new(names, k, json_integer(
					!strcmp(json_string_value(json_object_get(m, "better")), "higher") ?
					BETTER_HIGHER : BETTER_LOWER));
	}
	return names;
}

static void cost_txt(FILE *out, const struct kprofile_file *f)
{
	json_t *names = cost_metrics(f), *b;
	size_t n = json_object_size(names), i = 0;
	struct kprofile_cost *c = calloc(n + 1, sizeof(*c));
	struct vresult **rs = calloc(n + 1, sizeof(*rs));
	const char *k;

	if (!c || !rs || !n) {
		if (n)
			fprintf(out, "  sampling cost: out of memory\n");
		else
			fprintf(out, "  sampling cost: no metric had both sampled and unsampled repetitions\n");
		goto out;
	}
	json_object_foreach(names, k, b) {
		kprofile_cost_measure(f, k, &c[i]);
		rs[i] = &c[i].res;
		i++;
	}
	verdict_correct(rs, n);
	fprintf(out, "  sampling cost (sampled / unsampled repetitions of the same cases, interleaved;\n"
		"  each scaled by its case's mean, each repetition a run, verdicts as compare's):\n");
	i = 0;
	json_object_foreach(names, k, b) {
		struct vresult *r = &c[i].res;
		char line[400];

		verdict_decide(r, (int)json_integer_value(b));
		if (isnan(r->ratio))
			snprintf(line, sizeof(line), "%s: %s (%s)", k, verdict_name(r->v), r->why);
		else
			snprintf(line, sizeof(line), "%s: %+.1f%% [%+.1f%%, %+.1f%%] mde %.0f%%, %zu cases, "
				 "%zu/%zu repetitions: %s", k, (r->ratio - 1) * 100, (r->lo - 1) * 100,
				 (r->hi - 1) * 100, r->mde * 100, c[i].cases, r->nc, r->nb,
				 verdict_name(r->v));
		wrap_words(out, "    ", 6, line);
		i++;
	}
out:
	free(c);
	free(rs);
	json_decref(names);
}

/* A case's top kernel symbols by self share, one line. */
static void case_txt(FILE *out, const struct kprofile *p)
{
	const struct kprofile_entry **v = kprofile_sorted(&p->syms, false);
	char line[600];
	size_t off, shown = 0;

	off = (size_t)snprintf(line, sizeof(line), "%s:", p->key);
	if (!p->ok)
		snprintf(line + off, sizeof(line) - off, " skipped: %s", p->reason);
	for (size_t i = 0; p->ok && v && i < p->syms.nr && shown < KPROFILE_REPORT_TOP; i++) {
		if (v[i]->kind != KPROFILE_KERNEL || off >= sizeof(line))
			continue;
		off += snprintf(line + off, sizeof(line) - off, "%s %s %.1f%%", shown++ ? "," : "",
				v[i]->name, 100 * kprofile_share(p, v[i]->self));
	}
	if (p->ok && off < sizeof(line))
		snprintf(line + off, sizeof(line) - off, " (%llu samples, %llu kernel, %llu lost%s)",
			 (unsigned long long)p->samples, (unsigned long long)p->kernel_samples,
			 (unsigned long long)p->lost, p->whole ? "; whole repetitions, setup included" : "");
	wrap_words(out, "    ", 6, line);
	free(v);
}

static void bench_profile(FILE *out, const struct kprofile_file *f)
{
	uint64_t samples = 0, lost = 0, frames = 0;
	char line[600], every[48];

	if (!f->ok) {
		fprintf(out, "\n%s: kernel profile skipped: %s\n", f->bench, f->reason);
		return;
	}
	for (size_t i = 0; i < f->nr; i++) {
		samples += f->cases[i].samples;
		lost += f->cases[i].lost;
		frames += f->cases[i].unresolved_frames;
	}
	if (f->freq)
		snprintf(every, sizeof(every), "at %llu Hz", (unsigned long long)f->period);
	else
		snprintf(every, sizeof(every), "every %.3g ms", f->period / 1e6);
	snprintf(line, sizeof(line), "%s %s, every other repetition sampled: %llu samples, %llu lost, "
		 "%llu unresolved frames; %.0f ms reading them, outside the timed regions", f->event,
		 every, (unsigned long long)samples, (unsigned long long)lost,
		 (unsigned long long)frames, f->process_ms);
	fprintf(out, "\n");
	snprintf(every, sizeof(every), "%s: kernel profile: ", f->bench);
	wrap_words(out, every, 2, line);
	wrap_words(out, "  covers: ", 4, f->covers);
	cost_txt(out, f);
	fprintf(out, "  top kernel symbols (self) per case ('./run.sh profile DIR --case KEY' for more):\n");
	for (size_t i = 0; i < f->nr; i++)
		case_txt(out, &f->cases[i]);
}

void kprofile_report(FILE *out, const char *dir, const struct rl_run *run, bool md)
{
	bool any = false;

	for (size_t b = 0; b < run->nr_benches; b++) {
		struct kprofile_file f;

		if (kprofile_file_load_run(dir, run->benches[b].name, &f))
			continue;
		if (!any && md)
			fprintf(out, "\n## Kernel profiles\n\n```");
		any = true;
		bench_profile(out, &f);
		kprofile_file_free(&f);
	}
	if (any && md)
		fprintf(out, "```\n");
}
