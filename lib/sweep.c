/* `mmbench sweep KNOB=V1,V2,..`: run benches at each value of one knob and say which value is best. */
#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cmds.h"
#include "driver.h"
#include "knobs.h"
#include "manifest.h"
#include "report.h"
#include "results.h"
#include "runload.h"
#include "stats.h"
#include "sweep.h"
#include "timing.h"
#include "topology.h"

struct sweep {
	char knob[96];
	char param[32];			/* the knob's name as a case param (they are shorter) */
	char values[SWEEP_MAX_VALUES][64];
	unsigned nr_values;
	unsigned orig;			/* index of the value the machine had */
	bool numeric;
	const char *metric;		/* --metric, or NULL: each family's first judged metric */
	FILE *txt;			/* sweep.txt */
};

/* splitmix64: a small, well-mixed generator whose whole state is the seed. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sweep_order(unsigned n, unsigned rep, uint64_t seed, unsigned *out)
{
	uint64_t s = seed ^ ((uint64_t)rep * 0xd1b54a32d192ed03ull);

	for (unsigned i = 0; i < n; i++)
		out[i] = i;
	/* Fisher-Yates; the modulo bias is nil for lists this short */
	for (unsigned i = n; i > 1; i--) {
		unsigned j = mix(&s) % i, t = out[i - 1];

		out[i - 1] = out[j];
		out[j] = t;
	}
}

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mmbench sweep: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return KSFT_USAGE;
}

static bool is_number(const char *s)
{
	char *end;

	strtod(s, &end);
	return *s && !*end;
}

/* Whether @value is one of the words of a choice file ("always [madvise] never"). */
static bool is_choice(const char *raw, const char *value)
{
	char words[512], *save, *w;

	snprintf(words, sizeof(words), "%s", raw);
	for (w = strtok_r(words, " []", &save); w; w = strtok_r(NULL, " []", &save))
		if (!strcmp(w, value))
			return true;
	return false;
}

/* "thp.hugepages-2048kB.shmem_enabled" is too long for a param: "2048kB.shmem_enabled". */
static void param_name(const char *knob, char *buf, size_t len)
{
	const char *p = knob;

	if (strlen(p) >= len && !strncmp(p, "thp.hugepages-", 14))
		p += 14;
	if (strlen(p) >= len)
		p += strlen(p) - (len - 1);
	snprintf(buf, len, "%s", p);
}

static int parse_values(struct sweep *sw, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char list[1024], *save, *tok;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(sw->knob))
		return usage("takes KNOB=V1,V2,.. (got '%s')", arg);
	snprintf(sw->knob, sizeof(sw->knob), "%.*s", (int)(eq - arg), arg);
	if (!knob_known(sw->knob))
		return usage("unknown knob '%s' (see 'mmbench list --knobs')", sw->knob);
	param_name(sw->knob, sw->param, sizeof(sw->param));
	snprintf(list, sizeof(list), "%s", eq + 1);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (sw->nr_values == SWEEP_MAX_VALUES)
			return usage("at most %d values", SWEEP_MAX_VALUES);
		if (strlen(tok) >= sizeof(sw->values[0]))
			return usage("value '%.20s..' is too long", tok);
		for (unsigned i = 0; i < sw->nr_values; i++)
			if (!strcmp(sw->values[i], tok))
				return usage("%s: value '%s' is listed twice", sw->knob, tok);
		snprintf(sw->values[sw->nr_values++], sizeof(sw->values[0]), "%s", tok);
	}
	if (!sw->nr_values || strstr(eq + 1, ",,") || eq[1] == ',' ||
	    eq[strlen(eq) - 1] == ',')
		return usage("%s: empty value in the list '%s'", sw->knob, eq + 1);
	return 0;
}

/* Readable and writable here, else one line naming the alternative and exit 4. */
static int check_access(struct sweep *sw)
{
	char orig[64], why[256];
	int r = knob_read(sw->knob, orig, sizeof(orig));

	if (!r && !knob_probe_write(sw->knob, why, sizeof(why)))
		return 0;
	if (r)
		knob_probe_write(sw->knob, why, sizeof(why));
	fprintf(stderr, "mmbench sweep: %s cannot be %s here: %s; './run.sh vm --kernel "
		"IMAGE -- sweep %s=..' runs it on a kernel that allows it\n", sw->knob,
		r ? "read" : "written", why[0] ? why : strerror(-r), sw->knob);
	return KSFT_SKIP;
}

/*
 * Every value must be one the kernel takes (else exit 2). Values are tried by writing
 * them; knob_restore_all() puts the original back at once. The machine's value joins
 * the list when it is not there: the recommendation is measured against it.
 */
static int check_values(struct sweep *sw)
{
	char orig[64], raw[512];
	int r = knob_read(sw->knob, orig, sizeof(orig));

	if (r)
		return check_access(sw);
	knob_read_raw(sw->knob, raw, sizeof(raw));
	sw->numeric = is_number(orig);
	for (unsigned i = 0; i < sw->nr_values; i++) {
		const char *v = sw->values[i];

		if (sw->numeric ? !is_number(v) : !is_choice(raw, v))
			return usage("%s=%s: not a value of this knob (%s)", sw->knob, v,
				     sw->numeric ? "a number" : raw);
	}
	for (unsigned i = 0; i < sw->nr_values; i++) {
		r = knob_set(sw->knob, sw->values[i]);
		if (r) {
			knob_restore_all();
			return usage("the kernel rejects %s=%s: %s", sw->knob, sw->values[i],
				     r == -EIO ? "it reads back another value" : strerror(-r));
		}
	}
	if (knob_restore_all())
		return KSFT_FAIL;
	for (sw->orig = 0; sw->orig < sw->nr_values; sw->orig++)
		if (sw->numeric ? strtod(sw->values[sw->orig], NULL) == strtod(orig, NULL) :
		    !strcmp(sw->values[sw->orig], orig))
			break;
	if (sw->orig == sw->nr_values) {
		if (sw->nr_values == SWEEP_MAX_VALUES)
			return usage("at most %d values with the machine's own", SWEEP_MAX_VALUES);
		fprintf(stderr, "mmbench sweep: adding the machine's value %s=%s to the sweep\n",
			sw->knob, orig);
		snprintf(sw->values[sw->nr_values++], sizeof(sw->values[0]), "%s", orig);
	}
	return 0;
}

/* The benches a sweep of @knob runs by default: those that name it, else all. */
static void default_benches(struct run_args *a, const char *knob, bool given)
{
	int n = 0;

	if (given)
		return;
	for (int i = 0; i < nr_benches; i++) {
		const struct bench *b = benches[i];

		for (const char *const *k = b && b->knobs ? b->knobs : NULL; k && *k; k++)
			if (!fnmatch(*k, knob, 0)) {
				a->benches[n++] = b;
				break;
			}
	}
	if (n)
		a->nr_benches = n;
}

/* Every case once per value; the knob is the case's own and its value a param of the key. */
static int sweep_list(const struct sweep *sw, const struct case_list *base, struct case_list *out)
{
	for (unsigned v = 0; v < sw->nr_values; v++) {
		for (int i = 0; i < base->nr; i++) {
			struct bench_case *c = case_new(out);

			if (!c)
				return -ENOMEM;
			*c = base->cases[i];
			c->key[0] = 0;
			if (sw->numeric)
				case_param_num(c, sw->param, strtod(sw->values[v], NULL));
			else
				case_param_str(c, sw->param, sw->values[v]);
			case_freeze_key(c);
			case_knob(c, sw->knob, sw->values[v]);
		}
	}
	return 0;
}

static int sweep_bench(struct sweep *sw, const struct bench *b, struct run_args *a,
		       struct run_dir *rd, struct case_list *list)
{
	struct case_list base = { 0 };
	struct bench_ctx ctx;
	unsigned order[SWEEP_MAX_VALUES];
	const char *why;
	int errors = 0, r;
	uint64_t t0 = now_ns();

	if (bench_ctx_init(&ctx, b, a, rd))
		return 1;
	why = b->probe ? b->probe(&ctx) : NULL;
	if (why) {
		bench_log(&ctx, "SKIP: %s", why);
		results_write(rd->path, &ctx, NULL, "skip", why);
		bench_ctx_fini(&ctx);
		return 0;
	}
	r = b->cases(&ctx, &base);
	for (int i = 0; !r && i < base.nr; i++)
		case_freeze_key(&base.cases[i]);
	if (!r)
		r = sweep_list(sw, &base, list);
	free(base.cases);	/* no samples yet: the copies own nothing */
	if (r < 0) {
		bench_log(&ctx, "ERROR: cannot list cases: %s", strerror(-r));
		results_write(rd->path, &ctx, list, "error", strerror(-r));
		bench_ctx_fini(&ctx);
		return 1;
	}
	for (unsigned rep = 0; rep < ctx.reps; rep++) {
		sweep_order(sw->nr_values, rep, SWEEP_SEED, order);
		if (sw->txt && b == a->benches[0]) {
			fprintf(sw->txt, "  repetition %u:", rep + 1);
			for (unsigned v = 0; v < sw->nr_values; v++)
				fprintf(sw->txt, " %s", sw->values[order[v]]);
			fputc('\n', sw->txt);
		}
		for (unsigned v = 0; v < sw->nr_values; v++) {
			int per = list->nr / sw->nr_values;

			for (int i = 0; i < per; i++) {
				struct bench_case *c = &list->cases[order[v] * per + i];

				bench_log(&ctx, "[value %u/%u, rep %u/%u] %s (%.1fs)", v + 1,
					  sw->nr_values, rep + 1, ctx.reps, c->key,
					  (now_ns() - t0) / 1e9);
				driver_case_once(&ctx, c, rep);
			}
		}
	}
	for (int i = 0; i < list->nr; i++) {
		struct bench_case *c = &list->cases[i];

		if (c->status == CASE_ERROR) {
			bench_log(&ctx, "%s: ERROR: %s", c->key, c->reason);
			errors++;
		} else if (c->status == CASE_SKIP) {
			bench_log(&ctx, "%s: SKIP: %s", c->key, c->reason);
		}
	}
	results_write(rd->path, &ctx, list, "ok", NULL);
	bench_ctx_fini(&ctx);
	return errors;
}

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
static void sweep_report(struct sweep *sw, const struct bench *const *bs,
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

/* --metric is the sweep's own: taken out before the shared parser sees the rest. */
static int take_metric(int *argc, char **argv, const char **metric)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--metric"))
			continue;
		if (i + 1 >= *argc)
			return usage("--metric needs a metric name");
		*metric = argv[i + 1];
		memmove(&argv[i], &argv[i + 2], (*argc - i - 2) * sizeof(*argv));
		*argc -= 2;
		i--;
	}
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep sw = { 0 };
	struct run_args a;
	struct run_dir rd;
	struct case_list lists[MAX_BENCHES] = { 0 };
	char **rest, path[PATH_MAX + 32];
	bool given = false;
	int nr_rest = 0, errors = 0, r;

	for (int i = 1; i < argc; i++)
		given |= !strcmp(argv[i], "--bench");
	r = take_metric(&argc, argv, &sw.metric);
	if (r)
		return r;
	rest = calloc(argc + 1, sizeof(*rest));
	if (!rest)
		return KSFT_FAIL;
	r = run_args_parse(argc, argv, 1, &a, &rest, &nr_rest);
	if (!r && nr_rest != 1)
		r = usage("takes one KNOB=V1,V2,.. (got %d)", nr_rest);
	if (!r)
		r = parse_values(&sw, rest[0]);
	free(rest);
	if (r)
		return r;
	default_benches(&a, sw.knob, given);
	r = run_check_opts(&a);
	if (!r)
		r = run_lock_knobs("mmbench sweep");
	if (r)
		return r;
	/* after knobs_init(): reading a debugfs knob may mount debugfs, unmounted at exit */
	r = check_access(&sw);
	if (!r)
		r = check_values(&sw);
	if (r)
		return r;

	topo_init();
	/* the manifest is taken before the first value is set: the machine as found */
	if (run_dir_create(&a, argc, argv, &rd))
		return KSFT_FAIL;
	snprintf(path, sizeof(path), "%s/sweep.txt", rd.path);
	sw.txt = fopen(path, "we");
	if (sw.txt) {
		fprintf(sw.txt, "Sweep of %s over", sw.knob);
		for (unsigned v = 0; v < sw.nr_values; v++)
			fprintf(sw.txt, " %s", sw.values[v]);
		fprintf(sw.txt, " (the machine had %s).\nEach repetition applies the values in "
			"its own random order (seed %#llx):\n", sw.values[sw.orig],
			(unsigned long long)SWEEP_SEED);
	}

	for (int i = 0; i < a.nr_benches; i++)
		errors += sweep_bench(&sw, a.benches[i], &a, &rd, &lists[i]);
	if (knob_restore_all())
		errors++;

	if (sw.txt) {
		sweep_report(&sw, a.benches, lists, a.nr_benches);
		fclose(sw.txt);
	}
	for (int i = 0; i < a.nr_benches; i++)
		case_list_free(&lists[i]);
	errors += run_dir_finish(&rd);
	return errors ? KSFT_FAIL : KSFT_PASS;
}
