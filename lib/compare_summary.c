/*
 * The first screen of a comparison, fit for the top of a mail: the changes, largest first,
 * each with the bench's own mechanism beside it (lib/bench.h's .mechanism), then the rest
 * counted. A change whose mechanism did not move is marked: that is how a result too good
 * to be true is caught.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "compare.h"

#define SUMMARY_MAX_CHANGES	8
#define COUNTER_MOVED		0.10	/* a counter moved when its ratio is beyond +-10% */

static const struct cmp *sort_cmp;

static double effect(const struct cmp_row *r)
{
	if (isinf(r->res.ratio) || r->res.ratio == 0)
		return INFINITY;
	return isnan(r->res.ratio) ? 0 : fabs(log(r->res.ratio));
}

static int by_effect(const void *a, const void *b)
{
	double ea = effect(&sort_cmp->rows[*(const size_t *)a]);
	double eb = effect(&sort_cmp->rows[*(const size_t *)b]);

	return ea < eb ? 1 : ea > eb ? -1 : 0;
}

/* Whether @name (with its kind's prefix, "" for a metric) is part of @b's mechanism. */
static bool in_mechanism(const struct bench *b, const char *prefix, const char *name)
{
	char full[160];

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	for (const char *const *m = b && b->mechanism ? b->mechanism : NULL; m && *m; m++)
		if (!fnmatch(*m, full, 0))
			return true;
	return false;
}

static const char *change_text(const struct vresult *r, char *buf, size_t len)
{
	if (isinf(r->ratio))
		snprintf(buf, len, "from 0");
	else if (r->ratio == 0)
		snprintf(buf, len, "to 0");
	else if (isnan(r->ratio))
		snprintf(buf, len, "changed");
	else
		snprintf(buf, len, "%+.1f%%", (r->ratio - 1) * 100);
	return buf;
}

/* The mechanism metrics of the row's case and side, with their verdicts; whether any moved. */
/* Items appended to one line of text, printed wrapped at 78 columns. */
struct line {
	char buf[2048];
	size_t len;
	int items;
};

static void item(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void item(struct line *l, const char *fmt, ...)
{
	va_list ap;

	if (l->len >= sizeof(l->buf) - 1)
		return;
	l->len += snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s", l->items++ ? ", " : "");
	va_start(ap, fmt);
	l->len += vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (l->len > sizeof(l->buf) - 1)
		l->len = sizeof(l->buf) - 1;
}

static void line_print(FILE *f, const struct line *l, const char *lead)
{
	const char *p = l->buf;
	int col = fprintf(f, "%s", lead);

	while (*p) {
		size_t w = strcspn(p, " ");

		if (col + 1 + (int)w > 78 && col > (int)strlen(lead)) {
			fputc('\n', f);
			col = fprintf(f, "      ");
		}
		col += fprintf(f, "%s%.*s", col ? " " : "", (int)w, p);
		p += w;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

static bool mechanism_metrics(struct line *l, const struct cmp *c, const struct cmp_row *row,
			      const struct bench *b)
{
	bool moved = false;
	char ch[32];

	for (size_t i = 0; i < c->nr_rows; i++) {
		const struct cmp_row *m = &c->rows[i];

		if (m == row || m->side != row->side || strcmp(m->bench, row->bench) ||
		    strcmp(m->key, row->key) || !in_mechanism(b, "", m->metric) ||
		    m->res.v == VERDICT_NA)
			continue;
		moved |= m->res.v == VERDICT_BETTER || m->res.v == VERDICT_WORSE;
		item(l, "%s %s (%s)", m->metric, change_text(&m->res, ch, sizeof(ch)),
		     verdict_name(m->res.v));
	}
	return moved;
}

/* The mechanism counters and vmstat deltas of the case, per repetition; whether any moved. */
static bool mechanism_events(struct line *l, const struct cmp *c, const struct cmp_row *row,
			     const struct bench *b)
{
	const struct rl_case *cb[RUNSET_MAX], *cc[RUNSET_MAX];
	bool moved = false;

	cmp_side_cases(c, 0, row->bench, row->key, cb);
	cmp_side_cases(c, row->side, row->bench, row->key, cc);
	for (int pass = 0; pass < 2; pass++) {
		const char *prefix = pass ? "vmstat:" : "counter:", *k;
		json_t *v;

		if (!cb[0])
			continue;
		json_object_foreach(pass ? cb[0]->vmstat : cb[0]->counters, k, v) {
			double x, y;

			if (!in_mechanism(b, prefix, k))
				continue;
			x = cmp_side_event(cb, c->sides[0].set.nr, k, pass);
			y = cmp_side_event(cc, c->sides[row->side].set.nr, k, pass);
			if (isnan(x) || isnan(y) || (x == 0 && y == 0))
				continue;
			if (x == 0 || y == 0 || fabs(y / x - 1) > COUNTER_MOVED)
				moved = true;
			if (x > 0)
				item(l, "%s%s x%.2f", pass ? "vmstat " : "", k, y / x);
			else
				item(l, "%s%s from 0", pass ? "vmstat " : "", k);
		}
	}
	return moved;
}

static void one_change(FILE *f, const struct cmp *c, const struct cmp_row *r)
{
	const struct bench *b = bench_find(r->bench);
	struct line l = { .len = 0 };
	bool moved;
	char ch[32];

	struct line head = { .len = 0 };
	char side[4] = "";

	if (c->nr_sides > 2)
		snprintf(side, sizeof(side), "%c ", (int)('A' + r->side));
	item(&head, "%s%s: %s %s (%s) in %s", side, r->bench, r->metric,
	     change_text(&r->res, ch, sizeof(ch)), verdict_name(r->res.v), r->key);
	line_print(f, &head, "");
	if (!b || !b->mechanism || in_mechanism(b, "", r->metric))
		return;
	moved = mechanism_metrics(&l, c, r, b);
	moved |= mechanism_events(&l, c, r, b);
	if (l.items)
		line_print(f, &l, "    mechanism:");
	if (!moved)
		fprintf(f, "    mechanism unchanged: look for another cause\n");
}

void cmp_print_summary(FILE *f, const struct cmp *c, bool md)
{
	size_t *idx = calloc(c->nr_rows + 1, sizeof(*idx)), n = 0;

	if (!idx)
		return;
	for (size_t i = 0; i < c->nr_rows; i++)
		if (c->rows[i].res.v == VERDICT_BETTER || c->rows[i].res.v == VERDICT_WORSE)
			idx[n++] = i;
	sort_cmp = c;
	qsort(idx, n, sizeof(*idx), by_effect);
	fprintf(f, md ? "```\nsummary: %zu changed\n" : "summary: %zu changed\n", n);
	for (size_t i = 0; i < n && i < SUMMARY_MAX_CHANGES; i++)
		one_change(f, c, &c->rows[idx[i]]);
	if (n > SUMMARY_MAX_CHANGES)
		fprintf(f, "and %zu more changes below\n", n - SUMMARY_MAX_CHANGES);
	fprintf(f, "%zu same, %zu inconclusive, %zu n/a, %zu info\n", c->count[VERDICT_SAME],
		c->count[VERDICT_INCONCLUSIVE], c->count[VERDICT_NA], c->count[VERDICT_INFO]);
	if (c->nr_warn)
		fprintf(f, "WARNING: the sides differ in %zu setting%s besides the kernel (marked below)\n",
			c->nr_warn, c->nr_warn == 1 ? "" : "s");
	fprintf(f, md ? "```\n\n" : "\n");
	free(idx);
}
