/* The report of `mmbench sweep`: per case family a table of every value, and the recommendation lines of sweep.txt. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/bench.h"
#include "results/results_read.h"
#include "stats/stats.h"
#include "report/sweep_report.h"
#include "stats/verdict.h"
#include "stats/paired.h"

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
	const struct metric *jm[SWEEP_MAX_VALUES];	/* the judged metric at each value */
	struct vresult res[SWEEP_MAX_VALUES];		/* each value against the machine's */
	bool judged[SWEEP_MAX_VALUES];
	int best;		/* the best value judged better, else -1 */
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

/*
 * Every value against the machine's, paired by repetition: a repetition runs every value
 * side by side (sweep_orders() balances their places), so it is a block, and what the
 * machine does between repetitions cancels in the differences within it. Sample i of a
 * case is its repetition i; a case that stopped early gives the blocks it has.
 */
static void family_measure(const struct sweep *sw, struct family *fam)
{
	const struct metric *mo;

	for (unsigned v = 0; v < sw->nr_values; v++)
		fam->jm[v] = judged_metric(sw, fam->at[v]);
	mo = fam->jm[sw->orig];
	for (unsigned v = 0; v < sw->nr_values; v++) {
		const struct metric *m = fam->jm[v];

		if (v == sw->orig || !m || !mo || !m->n || !mo->n)
			continue;
		verdict_measure_paired(mo->samples, m->samples, m->n < mo->n ? m->n : mo->n,
				       NULL, &fam->res[v]);
		fam->judged[v] = true;
	}
}

/* After the correction: the verdicts, and the best of the values judged better. */
static void family_decide(const struct sweep *sw, struct family *fam)
{
	fam->best = -1;
	for (unsigned v = 0; v < sw->nr_values; v++) {
		if (!fam->judged[v])
			continue;
		verdict_decide(&fam->res[v], fam->jm[v]->better);
		if (fam->res[v].v != VERDICT_BETTER)
			continue;
		if (fam->best < 0 ||
		    (fam->jm[v]->better == BETTER_HIGHER ? fam->res[v].cur > fam->res[fam->best].cur :
		     fam->res[v].cur < fam->res[fam->best].cur))
			fam->best = v;
	}
}

/* "  <case>: <value> (better, x0.81 [..]) | the machine's <value> (<why>)", then every value's verdict. */
static void family_line(FILE *f, const struct sweep *sw, const struct family *fam)
{
	const struct metric *m = fam->jm[sw->orig];
	char a[16], b[16], c[16], mde[16];
	bool any = false;

	fprintf(f, "  %s: ", fam->name);
	if (fam->best >= 0) {
		const struct vresult *r = &fam->res[fam->best];

		fprintf(f, "%s (better than the machine's %s: x%s [%s,%s])\n", sw->values[fam->best],
			sw->values[sw->orig], rl_fmt(r->ratio, a, sizeof(a)),
			rl_fmt(r->lo, b, sizeof(b)), rl_fmt(r->hi, c, sizeof(c)));
	} else {
		fprintf(f, "the machine's %s (no value was better)\n", sw->values[sw->orig]);
	}
	for (unsigned v = 0; v < sw->nr_values; v++) {
		const struct vresult *r = &fam->res[v];

		if (!fam->judged[v])
			continue;
		any = true;
		fprintf(f, "    %-10.10s %s x%s [%s,%s] mde %s%s%s\n", sw->values[v], verdict_name(r->v),
			rl_fmt(r->ratio, a, sizeof(a)), rl_fmt(r->lo, b, sizeof(b)),
			rl_fmt(r->hi, c, sizeof(c)),
			isnan(r->mde) ? "-" : (snprintf(mde, sizeof(mde), "%.1f%%", r->mde * 100), mde),
			r->why[0] && r->v != VERDICT_SAME ? ": " : "",
			r->v != VERDICT_SAME ? r->why : "");
	}
	if (!any)
		fprintf(f, "    nothing to judge%s%s\n", m ? "" : ": no ",
			m ? "" : "measurement at the machine's value");
}

/* Tables and the recommendation lines, one Benjamini-Hochberg correction over every value judged. */
void sweep_report(struct sweep *sw, const struct bench *const *bs,
		  struct case_list *lists, int nr)
{
	struct family *fams = NULL;
	struct vresult **rs = NULL;
	size_t nf = 0, nt = 0;

	for (int i = 0; i < nr; i++)
		nf += lists[i].nr / sw->nr_values;
	fams = calloc(nf + 1, sizeof(*fams));
	rs = calloc((nf + 1) * sw->nr_values, sizeof(*rs));
	if (!fams || !rs)
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
			family_measure(sw, fam);
			for (unsigned v = 0; v < sw->nr_values; v++)
				if (fam->judged[v])
					rs[nt++] = &fam->res[v];
		}
	}
	verdict_correct(rs, nt);
	for (size_t i = 0; i < nf; i++)
		family_decide(sw, &fams[i]);

	fprintf(sw->txt, "\nMedian [95%% CI] at each value; * marks the machine's value.\n");
	for (size_t i = 0; i < nf; i++)
		family_table(sw->txt, sw, &fams[i]);
	fprintf(sw->txt, "\nRecommendations: per case the best value judged better than the machine's\n"
		"%s, then every value against it: ratio with a 95%% CI, mde, verdict (compare's\n"
		"verdict engine, paired: each repetition a block; Benjamini-Hochberg over %zu tests).\n",
		sw->values[sw->orig], nt);
	for (size_t i = 0; i < nf; i++) {
		const struct metric *jm = fams[i].jm[sw->orig], *pm = i ? fams[i - 1].jm[sw->orig] : NULL;

		if (!i || fams[i].b != fams[i - 1].b || !jm != !pm || (jm && strcmp(jm->name, pm->name))) {
			if (jm)
				fprintf(sw->txt, "%s, %s (%s is better):\n", fams[i].b->name,
					jm->name, jm->better == BETTER_HIGHER ? "higher" : "lower");
			else
				fprintf(sw->txt, "%s:\n", fams[i].b->name);
		}
		family_line(sw->txt, sw, &fams[i]);
	}
out:
	free(fams);
	free(rs);
}
