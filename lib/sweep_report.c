/* The report of `mmbench sweep`: per case family a table of every value, and the recommendation lines of sweep.txt. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "runload.h"
#include "stats.h"
#include "sweep.h"

/* The metric a family is judged by: --metric, else the first one with a better direction. */
static const struct metric *judged_metric(const struct sweep *sw, const struct bench_case *c)
{
	for (int m = 0; m < c->nr_metrics; m++)
		if (sw->metric ? !strcmp(c->metrics[m].name, sw->metric) :
		    c->metrics[m].better != BETTER_NONE)
			return &c->metrics[m];
	return NULL;
}

struct family {
	const struct bench *b;
	const struct bench_case *at[SWEEP_MAX_VALUES];	/* the family's case at each value */
	char name[192];		/* the key without the knob */
	int best;		/* value index, -1 when nothing was measured */
	double p, q, ratio, lo, hi;
	struct summary s[SWEEP_MAX_VALUES];
};

static void family_table(FILE *f, const struct sweep *sw, struct family *fam)
{
	const struct bench_case *c0 = NULL;
	const struct metric *shown[3];
	int ns = 0;
	char a[16], b[16], d[16];

	for (unsigned v = 0; v < sw->nr_values && !c0; v++)
		if (fam->at[v]->nr_metrics)
			c0 = fam->at[v];
	fprintf(f, "\n%s %s\n", fam->b->name, fam->name);
	if (!c0) {
		fprintf(f, "  %s: %s\n", fam->at[0]->status == CASE_SKIP ? "SKIP" : "no samples",
			fam->at[0]->reason);
		return;
	}
	for (int m = 0; m < c0->nr_metrics && ns < 3; m++)
		if (c0->metrics[m].better != BETTER_NONE || !strcmp(c0->metrics[m].name,
								   sw->metric ? sw->metric : ""))
			shown[ns++] = &c0->metrics[m];
	fprintf(f, "  %-10s", "value");
	for (int m = 0; m < ns; m++)
		fprintf(f, " %-21.21s", shown[m]->name);
	fputc('\n', f);
	for (unsigned v = 0; v < sw->nr_values; v++) {
		fprintf(f, "%c %-10.10s", v == sw->orig ? '*' : ' ', sw->values[v]);
		for (int m = 0; m < ns; m++) {
			struct metric *mm = case_find_metric((struct bench_case *)fam->at[v],
							     shown[m]->name);
			struct summary s = { 0 };
			char cell[64];

			if (!mm || stats_summary(mm->samples, mm->n, &s))
				snprintf(cell, sizeof(cell), "-");
			else
				snprintf(cell, sizeof(cell), "%s [%s,%s]",
					 rl_fmt(s.median, a, sizeof(a)), rl_fmt(s.ci_lo, b, sizeof(b)),
					 rl_fmt(s.ci_hi, d, sizeof(d)));
			fprintf(f, " %-21s", cell);
		}
		fputc('\n', f);
	}
}

/* Best value by median of the judged metric, and the test of it against the machine's value. */
static void family_judge(const struct sweep *sw, struct family *fam, const struct metric **jm)
{
	const struct metric *ms[SWEEP_MAX_VALUES] = { 0 };

	fam->best = -1;
	fam->p = fam->ratio = fam->lo = fam->hi = NAN;
	*jm = NULL;
	for (unsigned v = 0; v < sw->nr_values; v++) {
		const struct metric *m = judged_metric(sw, fam->at[v]);

		if (!m || stats_summary(m->samples, m->n, &fam->s[v]))
			continue;
		ms[v] = m;
		*jm = m;
		if (fam->best < 0 ||
		    (m->better == BETTER_HIGHER ? fam->s[v].median > fam->s[fam->best].median :
		     fam->s[v].median < fam->s[fam->best].median))
			fam->best = v;
	}
	if (fam->best < 0 || !ms[sw->orig] || (unsigned)fam->best == sw->orig)
		return;
	stats_ratio_ci(ms[sw->orig]->samples, ms[sw->orig]->n, ms[fam->best]->samples,
		       ms[fam->best]->n, &fam->ratio, &fam->lo, &fam->hi);
	fam->p = stats_mann_whitney_p(ms[sw->orig]->samples, ms[sw->orig]->n,
				      ms[fam->best]->samples, ms[fam->best]->n);
}

/* "  <case>: <best value> <median> x<ratio to the machine's value> [<CI>] <verdict>" */
static void family_line(FILE *f, const struct sweep *sw, const struct family *fam,
			const struct metric *m)
{
	const struct summary *sb = &fam->s[fam->best], *so = &fam->s[sw->orig];
	struct verdict_in in = {
		.better = m->better, .nb = so->n, .nc = sb->n, .ratio = fam->ratio,
		.lo = fam->lo, .hi = fam->hi, .q = fam->q, .cv_base = so->cv, .cv_new = sb->cv,
	};
	const char *why;
	enum verdict v;
	char a[16], b[16], c[16];

	fprintf(f, "  %s: %s %s %s", fam->name, sw->values[fam->best],
		rl_fmt(sb->median, a, sizeof(a)), m->unit);
	if ((unsigned)fam->best == sw->orig) {
		fprintf(f, " (the machine's value)\n");
		return;
	}
	v = stats_verdict(&in, &why);
	fprintf(f, " x%s [%s,%s] %s%s%s\n", rl_fmt(fam->ratio, a, sizeof(a)),
		rl_fmt(fam->lo, b, sizeof(b)), rl_fmt(fam->hi, c, sizeof(c)), verdict_name(v),
		why ? ": " : "", why ? why : "");
}

/* Tables and one recommendation line per case family, BH-corrected over all of them. */
void sweep_report(struct sweep *sw, const struct bench *const *bs,
		  struct case_list *lists, int nr)
{
	struct family *fams = NULL;
	const struct metric **jm = NULL;
	double *p = NULL, *q = NULL;
	size_t nf = 0, np = 0;

	for (int i = 0; i < nr; i++)
		nf += lists[i].nr / sw->nr_values;
	fams = calloc(nf + 1, sizeof(*fams));
	jm = calloc(nf + 1, sizeof(*jm));
	p = calloc(nf + 1, sizeof(*p));
	q = calloc(nf + 1, sizeof(*q));
	if (!fams || !jm || !p || !q)
		goto out;
	nf = 0;
	for (int i = 0; i < nr; i++) {
		int per = lists[i].nr / sw->nr_values;

		for (int k = 0; k < per; k++, nf++) {
			struct family *fam = &fams[nf];
			const char *key = lists[i].cases[k].key, *cut = strrchr(key, ' ');

			fam->b = bs[i];
			for (unsigned v = 0; v < sw->nr_values; v++)
				fam->at[v] = &lists[i].cases[v * per + k];
			snprintf(fam->name, sizeof(fam->name), "%.*s",
				 cut ? (int)(cut - key) : 0, key);
			family_judge(sw, fam, &jm[nf]);
			if (!isnan(fam->p))
				p[np++] = fam->p;
		}
	}
	stats_bh(p, np, q);
	np = 0;
	for (size_t i = 0; i < nf; i++)
		fams[i].q = isnan(fams[i].p) ? NAN : q[np++];

	fprintf(sw->txt, "\nMedian [95%% CI] at each value; * marks the machine's value.\n");
	for (size_t i = 0; i < nf; i++)
		family_table(sw->txt, sw, &fams[i]);
	fprintf(sw->txt, "\nRecommendations: per case the best value (median), its ratio to the\n"
		"machine's %s with a 95%% CI, and whether it is distinguishable from it\n"
		"(better) or not (same) by the rule of DESIGN.md, Benjamini-Hochberg over %zu.\n",
		sw->values[sw->orig], np);
	for (size_t i = 0; i < nf; i++) {
		if (!i || fams[i].b != fams[i - 1].b || !jm[i] != !jm[i - 1] ||
		    (jm[i] && strcmp(jm[i]->name, jm[i - 1]->name))) {
			if (jm[i])
				fprintf(sw->txt, "%s, %s (%s is better):\n", fams[i].b->name,
					jm[i]->name, jm[i]->better == BETTER_HIGHER ? "higher" : "lower");
			else
				fprintf(sw->txt, "%s:\n", fams[i].b->name);
		}
		if (fams[i].best < 0)
			fprintf(sw->txt, "  %s: nothing measured\n", fams[i].name);
		else
			family_line(sw->txt, sw, &fams[i], jm[i]);
	}
out:
	free(fams);
	free(jm);
	free(p);
	free(q);
}
