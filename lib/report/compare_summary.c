/*
 * The first screen of a comparison, fit for the top of a mail: the changes, largest first,
 * each with the bench's own mechanism beside it (lib/core/bench.h's .mechanism, as each run's file recorded it), then the rest
 * counted. A change whose mechanism did not move is marked: that is how a result too good
 * to be true is caught.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "analysis/compare.h"
#include "report/compare_summary.h"
#include "report/vtext.h"
#include "report/wrap.h"
#include "analysis/kprofile_diff.h"

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

/* Whether @name (with its kind's prefix, "" for a metric) is part of the @mech patterns. */
static bool in_mechanism(json_t *mech, const char *prefix, const char *name)
{
	char full[160];
	json_t *m;
	size_t i;

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	json_array_foreach(mech, i, m)
		if (!fnmatch(json_string_value(m), full, 0))
			return true;
	return false;
}

/* The bench's mechanism as the runs recorded it: the first run of any side that has it. */
static json_t *run_mechanism(const struct cmp *c, const char *bench)
{
	for (size_t s = 0; s < c->nr_sides; s++)
		for (size_t r = 0; r < c->sides[s].set.nr; r++) {
			const struct rl_bench *b = rl_find_bench(c->sides[s].set.runs[r], bench);

			if (b && b->mechanism)
				return b->mechanism;
		}
	return NULL;
}

/* The mechanism metrics of the row's case and side, with their verdicts; whether any moved. */
/* Items appended to one line of text, printed wrapped (wrap_words()). */
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

static bool mechanism_metrics(struct line *l, const struct cmp *c, const struct cmp_row *row,
			      json_t *b)
{
	bool moved = false;
	char ch[32];

	for (size_t i = 0; i < c->nr_rows; i++) {
		const struct cmp_row *m = &c->rows[i];

		if (m == row || m->side != row->side || strcmp(m->bench, row->bench) ||
		    strcmp(m->key, row->key) || !in_mechanism(b, "", m->metric) ||
		    m->res.v == VERDICT_NA || !m->nb || !m->nc)
			continue;
		moved |= m->res.v == VERDICT_BETTER || m->res.v == VERDICT_WORSE;
		item(l, "%s %s (%s)", m->metric, vt_change(&m->res, ch, sizeof(ch)),
		     verdict_name(m->res.v));
	}
	return moved;
}

/* The mechanism counters and vmstat deltas of the case, per repetition; whether any moved. */
static bool mechanism_events(struct line *l, const struct cmp *c, const struct cmp_row *row,
			     json_t *b)
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

/* Where the kernel spent the time in the case on each side (--kprofile), and what moved most. */
static void profile_change(FILE *f, const struct cmp *c, const struct cmp_row *r)
{
	const struct runset *a = &c->sides[0].set, *b = &c->sides[r->side].set;
	char wa[240], wb[240], buf[2048], lead[48];
	struct kprofile pa, pb;
	int ea = kprofile_side_profile(a->runs, a->nr, r->bench, r->key, &pa, wa, sizeof(wa));
	int eb = kprofile_side_profile(b->runs, b->nr, r->bench, r->key, &pb, wb, sizeof(wb));
	struct kprofile_diff d;

	snprintf(lead, sizeof(lead), "    kernel profile (self, A -> %c): ", (int)('A' + r->side));
	if (ea && eb && !strcmp(wa, wb) && strstr(wa, "--kprofile")) {
		;	/* neither side profiled: nothing to say on every line */
	} else if (ea || eb) {
		snprintf(buf, sizeof(buf), "A: %s; %c: %s", ea ? wa : "profiled", (int)('A' + r->side),
			 eb ? wb : "profiled");
		wrap_words(f, lead, 7, buf);
	} else if (!kprofile_diff_build(&pa, &pb, &d)) {
		kprofile_diff_text(&d, KPROFILE_DIFF_TOP, buf, sizeof(buf));
		wrap_words(f, lead, 7, buf);
		kprofile_diff_free(&d);
	}
	kprofile_free(&pa);
	kprofile_free(&pb);
}

/* The row's mechanism into @l: -1 when the bench names none (or the metric is one), else whether it moved. */
static int mechanism_line(const struct cmp *c, const struct cmp_row *r, struct line *l)
{
	json_t *b = run_mechanism(c, r->bench);
	bool moved;

	if (!json_array_size(b) || in_mechanism(b, "", r->metric))
		return -1;
	moved = mechanism_metrics(l, c, r, b);
	moved |= mechanism_events(l, c, r, b);
	return moved;
}

const char *cmp_mechanism_text(const struct cmp *c, const struct cmp_row *r, char *buf, size_t len)
{
	struct line l = { .len = 0 };
	int moved = mechanism_line(c, r, &l);

	if (moved < 0)
		return NULL;
	snprintf(buf, len, "%s%s%s", l.buf, l.items && !moved ? "; " : "",
		 moved ? "" : "unchanged: look for another cause");
	return buf;
}

static void one_change(FILE *f, const struct cmp *c, const struct cmp_row *r, bool profile)
{
	struct line l = { .len = 0 };
	int moved;
	char ch[32];

	struct line head = { .len = 0 };
	char side[4] = "";

	if (c->nr_sides > 2)
		snprintf(side, sizeof(side), "%c ", (int)('A' + r->side));
	item(&head, "%s%s: %s %s (%s) in %s", side, r->bench, r->metric,
	     vt_change(&r->res, ch, sizeof(ch)), verdict_name(r->res.v), r->key);
	wrap_words(f, "", 7, head.buf);
	if (profile)
		profile_change(f, c, r);
	moved = mechanism_line(c, r, &l);
	if (moved < 0)
		return;
	if (l.items)
		wrap_words(f, "    mechanism: ", 7, l.buf);
	if (!moved)
		fprintf(f, "    mechanism unchanged: look for another cause\n");
}

/* A case's status in the first run of side @s that has the bench; NULL when absent. */
static const struct rl_case *first_case(const struct cmp *c, size_t s, const char *bench,
					const char *key)
{
	for (size_t r = 0; r < c->sides[s].set.nr; r++) {
		const struct rl_bench *b = rl_find_bench(c->sides[s].set.runs[r], bench);

		if (b)
			return rl_find_case(b, key);
	}
	return NULL;
}

/* Whether counter @k of @cs is recorded as unsupported, and why. */
static const char *unsupported(const struct rl_case *cs, const char *k)
{
	json_t *o = json_object_get(cs->counters, k);

	if (!json_is_false(json_object_get(o, "supported")))
		return NULL;
	return json_string_value(json_object_get(o, "reason")) ?: "unsupported";
}

/* Counters one side could not count and the other did (a tracepoint one kernel lacks). */
static void one_sided_counters(json_t *groups, const struct cmp_row *r, const struct rl_case *a,
			       const struct rl_case *b)
{
	const char *k;
	json_t *v;

	for (int pass = 0; pass < 2; pass++) {
		const struct rl_case *x = pass ? b : a, *y = pass ? a : b;

		json_object_foreach(x->counters, k, v) {
			const char *why = unsupported(x, k);
			char gk[512], names[160];
			json_t *g;

			if (!why || !json_object_get(y->counters, k) || unsupported(y, k))
				continue;
			snprintf(gk, sizeof(gk), "%s: counters unsupported in %c, counted in %c|%s",
				 r->bench, pass ? (int)('A' + r->side) : 'A',
				 pass ? 'A' : (int)('A' + r->side), why);
			g = json_object_get(groups, gk);
			if (!g) {
				g = json_pack("{sissss}", "n", 0, "example", r->key, "reason", why);
				json_object_set_new(groups, gk, g);
				json_object_set_new(g, "names", json_string(""));
			}
			snprintf(names, sizeof(names), "%s", json_string_value(json_object_get(g, "names")));
			if (!strstr(names, k) && strlen(names) + strlen(k) + 2 < sizeof(names) &&
			    strlen(names) < 60) {
				strcat(strcat(names, *names ? " " : ""), k);
				json_object_set_new(g, "names", json_string(names));
			}
			json_object_set_new(g, "n", json_integer(json_integer_value(json_object_get(g, "n")) + 1));
		}
	}
}

/*
 * Cases that ran on one side and skipped on the other (a feature one kernel lacks), one
 * line per bench, side and reason.
 */
static void one_sided(FILE *f, const struct cmp *c)
{
	json_t *groups = json_object(), *g;
	const char *k;

	for (size_t i = 0; i < c->nr_rows; i++) {
		const struct cmp_row *r = &c->rows[i];
		const struct rl_case *a, *b, *skip;
		char gk[512];

		if (i && !strcmp(c->rows[i - 1].bench, r->bench) && !strcmp(c->rows[i - 1].key, r->key) &&
		    c->rows[i - 1].side == r->side)
			continue;
		a = first_case(c, 0, r->bench, r->key);
		b = first_case(c, r->side, r->bench, r->key);
		if (a && b && !strcmp(a->status, "ok") && !strcmp(b->status, "ok"))
			one_sided_counters(groups, r, a, b);
		if (!a || !b || !strcmp(a->status, b->status))
			continue;
		skip = !strcmp(a->status, "skip") ? a : !strcmp(b->status, "skip") ? b : NULL;
		if (!skip || (strcmp(a->status, "ok") && strcmp(b->status, "ok")))
			continue;
		snprintf(gk, sizeof(gk), "%s: skip in %c, measured in %c|%s", r->bench,
			 skip == a ? 'A' : (int)('A' + r->side), skip == a ? (int)('A' + r->side) : 'A',
			 skip->reason);
		g = json_object_get(groups, gk);
		if (!g) {
			g = json_pack("{sissss}", "n", 0, "example", r->key, "reason", skip->reason);
			json_object_set_new(groups, gk, g);
		}
		json_object_set_new(g, "n", json_integer(json_integer_value(json_object_get(g, "n")) + 1));
	}
	json_object_foreach(groups, k, g) {
		struct line l = { .len = 0 };
		json_int_t n = json_integer_value(json_object_get(g, "n"));

		const char *names = json_string_value(json_object_get(g, "names"));

		if (names)
			item(&l, "%.*s (%s): %s", (int)strcspn(k, "|"), k, names,
			     json_string_value(json_object_get(g, "reason")));
		else
			item(&l, "%.*s (%lld case%s, e.g. %s): %s", (int)strcspn(k, "|"), k,
			     (long long)n, n == 1 ? "" : "s",
			     json_string_value(json_object_get(g, "example")),
			     json_string_value(json_object_get(g, "reason")));
		wrap_words(f, "", 7, l.buf);
	}
	json_decref(groups);
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
	for (size_t i = 0; i < n && i < SUMMARY_MAX_CHANGES; i++) {
		const struct cmp_row *r = &c->rows[idx[i]];
		bool first = true;

		/* a case's profile once, beside its largest change */
		for (size_t j = 0; j < i && first; j++)
			first = c->rows[idx[j]].side != r->side || strcmp(c->rows[idx[j]].bench, r->bench) ||
				strcmp(c->rows[idx[j]].key, r->key);
		one_change(f, c, r, first);
	}
	if (n > SUMMARY_MAX_CHANGES)
		fprintf(f, "and %zu more changes below\n", n - SUMMARY_MAX_CHANGES);
	one_sided(f, c);
	fprintf(f, "%zu same, %zu inconclusive, %zu n/a, %zu info\n", c->count[VERDICT_SAME],
		c->count[VERDICT_INCONCLUSIVE], c->count[VERDICT_NA], c->count[VERDICT_INFO]);
	if (c->nr_warn)
		fprintf(f, "WARNING: the sides differ in %zu setting%s besides the kernel (marked below)\n",
			c->nr_warn, c->nr_warn == 1 ? "" : "s");
	fprintf(f, md ? "```\n\n" : "\n");
	free(idx);
}
