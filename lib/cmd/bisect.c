/*
 * mmbench bisect-decide: the decision of one `git bisect run` step (flows/bisect.sh boots and
 * measures; this judges). The step's runs are judged against the good references and
 * against the bad ones by the verdict engine, one BH correction over the two, and
 * verdict_belongs() says which they belong with (alike one only within half the good-bad
 * gap). Each further boot of a step is a look of a group-sequential design
 * (stats/sequential.h): with --looks the results are read at the level that look may spend
 * (seq_at_level()), so booting until it tells does not inflate the error rate. --check only
 * asks whether the two references can be told apart at all, before anything is built.
 * Exit: 0 good, 1 bad, 3 neither (boot more), 4 the step's runs have no sample of the
 * metric (skip the commit), 2 bad input (also runs of other bench options than the
 * references').
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "core/options.h"
#include "cmd/args.h"
#include "cmd/cmds.h"
#include "analysis/compare.h"
#include "analysis/runset.h"
#include "report/vtext.h"
#include "stats/sequential.h"

#define EXIT_NEITHER	3	/* the shell boots more, or gives the commit up (125) */

struct bisect_args {
	const char *good, *bad, *bench, *metric, *key, *runs, *looks;
	unsigned max_boots;	/* --max-boots: the most boots a step may take (with --looks) */
	bool check;
};

/* A side's samples of the one metric and case. */
struct bside {
	struct runset set;
	const double *x[RUNSET_MAX];
	size_t n[RUNSET_MAX];
	struct vside v;
	int better;
	char *options;
};

static int usage(const char *fmt, const char *arg)
{
	fputs("mmbench: bisect-decide: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (usage: bisect-decide --good RUNS --bad RUNS --bench NAME --metric NAME --case KEY"
	      " [--check] [--looks N1,N2,.. --max-boots M] [RUNS])\n", stderr);
	return KSFT_USAGE;
}

static int parse_args(int argc, char **argv, struct bisect_args *a)
{
	static const struct option opts[] = {
		{ "good", required_argument, NULL, 'g' }, { "bad", required_argument, NULL, 'x' },
		{ "bench", required_argument, NULL, 'b' }, { "metric", required_argument, NULL, 'm' },
		{ "case", required_argument, NULL, 'c' }, { "check", no_argument, NULL, 'k' },
		{ "looks", required_argument, NULL, 'l' },
		{ "max-boots", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t max;
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'g': a->good = optarg; break;
		case 'x': a->bad = optarg; break;
		case 'b': a->bench = optarg; break;
		case 'm': a->metric = optarg; break;
		case 'c': a->key = optarg; break;
		case 'k': a->check = true; break;
		case 'l': a->looks = optarg; break;
		case 'M':
			if (parse_u64(optarg, &max) || !max || max > SEQ_MAX_LOOKS)
				return usage("--max-boots %s: a number from 1 to 100", optarg);
			a->max_boots = max;
			break;
		case ':': return usage("%s needs a value", argv[optind - 1]);
		default: return usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!a->good || !a->bad || !a->bench || !a->metric || !a->key)
		return usage("%s", "--good, --bad, --bench, --metric and --case are required");
	if (optind < argc)
		a->runs = argv[optind++];
	if (optind < argc)
		return usage("unexpected argument '%s' (join runs with commas)", argv[optind]);
	if (a->check == !!a->runs)
		return usage("%s", a->check ? "--check takes no runs" : "the step's RUNS are missing");
	if (!a->looks != !a->max_boots)
		return usage("%s", "--looks and --max-boots go together");
	return 0;
}

static int side_load(const struct bisect_args *a, const char *what, const char *spec,
		     struct bside *s)
{
	const struct rl_case *cs[RUNSET_MAX];
	double cv;

	memset(s, 0, sizeof(*s));
	if (runset_load_metric(spec, NULL, a->bench, a->metric, &s->set))
		return -EINVAL;
	s->better = BETTER_NONE;
	for (size_t r = 0; r < s->set.nr; r++) {
		const struct rl_bench *b = rl_find_bench(s->set.runs[r], a->bench);
		const struct rl_case *c = rl_find_case(b, a->key);
		const struct rl_metric *m = c ? rl_find_metric(c, a->metric) : NULL;

		cs[r] = c && !strcmp(c->status, "ok") ? c : NULL;
		if (m && cs[r])
			s->better = m->better;
		if (b && !s->options)
			s->options = rl_bench_options(b);
	}
	s->v = (struct vside){ .x = s->x, .n = s->n };
	s->v.nr_runs = cmp_side_samples(cs, s->set.nr, a->metric, s->x, s->n, &cv);
	if (!s->v.nr_runs) {
		fprintf(stderr, "mmbench: bisect-decide: %s %s: no run measured %s in %s case '%s'\n",
			what, spec, a->metric, a->bench, a->key);
		return -EINVAL;
	}
	return 0;
}

static void side_free(struct bside *s)
{
	runset_free(&s->set);
	free(s->options);
}

static bool differs(const struct vresult *r)
{
	return r->v == VERDICT_BETTER || r->v == VERDICT_WORSE;
}

/* Good against bad: must be told apart, or the bisect would be decided by noise. */
static int check_refs(const struct bisect_args *a, struct bside *g, struct bside *b)
{
	struct vresult r, *rs[1] = { &r };
	char t[160];

	if ((g->options || b->options) &&
	    (!g->options || !b->options || strcmp(g->options, b->options))) {
		fprintf(stderr, "mmbench: bisect-decide: --good and --bad ran %s with different "
			"options (%s; %s)\n", a->bench, g->options ?: "none", b->options ?: "none");
		return KSFT_USAGE;
	}
	verdict_measure(&g->v, &b->v, NULL, &r);
	verdict_correct(rs, 1);
	verdict_decide(&r, g->better);
	if (!differs(&r) && isnan(r.p) && r.reps_b == 1 && r.reps_c == 1) {
		/*
		 * One run a reference: no noise is measured between them yet. The steps' boots
		 * measure it, and a step is put with a reference only when it differs from the
		 * other, so a bisect still never follows noise.
		 */
		fprintf(stderr, "mmbench: bisect-decide: --good and --bad have one run each (x%s): "
			"the noise is measured from each step's boots\n", rl_fmt(r.ratio, t, sizeof(t)));
		return 0;
	}
	if (!differs(&r)) {
		size_t k = r.runs_needed ? r.runs_needed : 3;

		/* the engine's own reason says how many runs, when it is about the mde */
		if (!strstr(r.why, "a side would see"))
			snprintf(r.why + strlen(r.why), sizeof(r.why) - strlen(r.why),
				 "%s%s%zu runs a side would see %.0f%%", r.why[0] ? "; " : "",
				 k > VERDICT_MAX_RUNS_HINT ? "more than " : "about ",
				 k > VERDICT_MAX_RUNS_HINT ? (size_t)VERDICT_MAX_RUNS_HINT : k,
				 VERDICT_MDE_MAX * 100);
		fprintf(stderr, "mmbench: bisect-decide: --good and --bad are not distinguishable "
			"for %s in '%s': %s: %s\n", a->metric, a->key, vt_line(&r, t, sizeof(t)),
			r.why);
		return KSFT_USAGE;
	}
	if (a->check)
		printf("bisect: bad against good: %s (%zu and %zu runs)\n", vt_line(&r, t, sizeof(t)),
		       r.runs_b, r.runs_c);
	return 0;
}

/*
 * The level this look may test at: the step's looks so far (its runs at each, from
 * --looks) over --max-boots, O'Brien-Fleming spending; the engine's alpha without --looks.
 * -1 when --looks is not a list of increasing counts ending at the step's @runs.
 */
static double look_alpha(const struct bisect_args *a, size_t runs)
{
	struct seq_plan p = seq_plan_default(SEQ_MDE_DEFAULT);
	double t[SEQ_MAX_LOOKS];
	unsigned n;

	if (!a->looks)
		return VERDICT_ALPHA;
	if (arg_looks(a->looks, a->max_boots, t, &n) ||
	    fabs(t[n - 1] * a->max_boots - (double)runs) > 0.5)
		return -1;
	return seq_nominal(&p, t, n);
}

static int decide(const struct bisect_args *a, struct bside *g, struct bside *b, struct bside *s)
{
	struct vresult rg, rb, *rs[2] = { &rg, &rb }, lg, lb;
	static const char *const names[] = { "neither", "good", "bad" };
	double alpha = look_alpha(a, s->v.nr_runs);
	char tg[160], tb[160];
	enum vbelong w;

	/* other sizes or cases measure something else: no verdict could mean anything */
	if ((s->options || g->options) &&
	    (!s->options || !g->options || strcmp(s->options, g->options))) {
		fprintf(stderr, "mmbench: bisect-decide: the step ran %s with options %s, the "
			"references with %s\n", a->bench, s->options ?: "none", g->options ?: "none");
		return KSFT_USAGE;
	}
	if (alpha < 0) {
		fprintf(stderr, "mmbench: bisect-decide: --looks %s: increasing counts of the step's "
			"runs, the last %zu, at most --max-boots %u\n", a->looks, s->v.nr_runs,
			a->max_boots);
		return KSFT_USAGE;
	}
	verdict_measure(&g->v, &s->v, NULL, &rg);
	verdict_measure(&b->v, &s->v, NULL, &rb);
	verdict_correct(rs, 2);
	verdict_decide(&rg, g->better);
	verdict_decide(&rb, g->better);
	/* the engine's rule, read at the level this look may spend */
	seq_at_level(&rg, alpha, &lg);
	seq_at_level(&rb, alpha, &lb);
	w = verdict_belongs(&lg, &lb);
	printf("%s: %zu runs; against good %s; against bad %s; at level %.3g\n", names[w],
	       s->v.nr_runs, vt_line(&lg, tg, sizeof(tg)), vt_line(&lb, tb, sizeof(tb)), alpha);
	return w == VBELONG_GOOD ? 0 : w == VBELONG_BAD ? 1 : EXIT_NEITHER;
}

int cmd_bisect_decide(int argc, char **argv)
{
	struct bisect_args a = { 0 };
	struct bside g, b, s;
	int rc = parse_args(argc, argv, &a);

	if (rc)
		return rc;
	rc = KSFT_USAGE;
	if (side_load(&a, "--good", a.good, &g))
		goto out_g;
	if (side_load(&a, "--bad", a.bad, &b))
		goto out_b;
	if (g.better == BETTER_NONE) {
		fprintf(stderr, "mmbench: bisect-decide: %s has no better direction: nothing to "
			"bisect on\n", a.metric);
		goto out_b;
	}
	rc = check_refs(&a, &g, &b);
	if (rc || a.check)
		goto out_b;
	/* runs that could not measure it (a case this kernel skips): this commit cannot tell */
	rc = KSFT_SKIP;
	if (side_load(&a, "the step's runs", a.runs, &s))
		goto out_s;
	rc = decide(&a, &g, &b, &s);
out_s:
	side_free(&s);
out_b:
	side_free(&b);
out_g:
	side_free(&g);
	return rc;
}
