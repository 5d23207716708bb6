/*
 * mmbench seq-alpha and seq-check: the looks of a sequential design for the shell that
 * boots (flows/ab.sh --boots auto): the level a look may test at, and whether a compare at
 * that level decided every judged headline metric (stats/sequential.h). seq-runs: what
 * `run --runs auto` would say of a set already made.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/args.h"
#include "cmd/cmds.h"
#include "core/bench.h"
#include "core/options.h"
#include "analysis/runset.h"
#include "analysis/seq_set.h"
#include "stats/sequential.h"

#define EXIT_MORE	3	/* seq-check: something is undecided, another look may tell */

static int seq_usage(const char *who, const char *why)
{
	fprintf(stderr, "mmbench %s: %s (usage: mmbench seq-alpha --max N [--alpha A] N1,N2,..; "
		"mmbench seq-check --alpha A [--mde PCT] COMPARE_JSON; mmbench seq-runs [--mde PCT] RUNS)\n",
		who, why);
	return KSFT_USAGE;
}

static int parse_level(const char *s, double *a)
{
	char *end;

	errno = 0;
	*a = strtod(s, &end);
	return end == s || *end || errno || !(*a > 0 && *a < 1) ? -EINVAL : 0;
}

/* seq-alpha --max N [--alpha A] N1,N2,..: the two-sided level of the last look. */
int cmd_seq_alpha(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max", required_argument, NULL, 'm' }, { "alpha", required_argument, NULL, 'a' },
		{ 0 },
	};
	struct seq_plan p = seq_plan_default(SEQ_MDE_DEFAULT);
	double t[SEQ_MAX_LOOKS];
	uint64_t max = 0;
	unsigned n;
	int code;

	optind = 0;
	while ((code = arg_next(argc, argv, "", opts, "mmbench seq-alpha")) != -1) {
		if (code == 'm' && (parse_u64(optarg, &max) || !max || max > 10000))
			return seq_usage("seq-alpha", "--max takes the most replicates the budget allows");
		if (code == 'a' && parse_level(optarg, &p.alpha))
			return seq_usage("seq-alpha", "--alpha takes a level between 0 and 1");
		if (code == '?')
			return KSFT_USAGE;
	}
	if (!max || optind != argc - 1)
		return seq_usage("seq-alpha", "needs --max and one list of looks");
	if (arg_looks(argv[optind], (double)max, t, &n))
		return seq_usage("seq-alpha", "the looks are replicate counts, increasing, at most --max");
	printf("%.6g %.6g\n", seq_nominal(&p, t, n), seq_spent(&p, t[n - 1]));
	return 0;
}

/* A number of a JSON object, NaN when null or absent. */
static double num_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A compare JSON row back as the engine's result (what seq_decide() reads of it). */
static int row_result(json_t *row, struct vresult *r, int *better)
{
	const char *v = json_string_value(json_object_get(row, "verdict"));
	const char *b = json_string_value(json_object_get(row, "better"));
	json_t *ci = json_object_get(row, "ratio_ci95"), *noise = json_object_get(row, "noise");
	const char *test = json_string_value(json_object_get(json_object_get(row, "replicates"),
							     "test"));

	if (!v || !b || !json_is_array(ci))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->v = NR_VERDICTS;
	for (int k = 0; k < NR_VERDICTS; k++)
		if (!strcmp(v, verdict_name(k)))
			r->v = k;
	*better = !strcmp(b, "higher") ? BETTER_HIGHER : !strcmp(b, "lower") ? BETTER_LOWER :
		  BETTER_NONE;
	if (*better == BETTER_NONE)
		r->v = VERDICT_INFO;
	/* nulls (no ratio, untested) read as NaN; no noise is the engine's path for zeros */
	r->ratio = num_of(row, "ratio");
	r->lo = json_is_number(json_array_get(ci, 0)) ? json_number_value(json_array_get(ci, 0)) : NAN;
	r->hi = json_is_number(json_array_get(ci, 1)) ? json_number_value(json_array_get(ci, 1)) : NAN;
	r->p = num_of(row, "p");
	r->q = num_of(row, "q");
	/* the engine's log-scale t test is the only one with an interval to widen */
	r->linear = !test || strcmp(test, "t");
	r->df = r->linear ? NAN : json_is_number(json_object_get(noise, "df")) ?
		json_number_value(json_object_get(noise, "df")) : 1e9;
	return r->v == NR_VERDICTS ? -EINVAL : 0;
}

static void say_more(json_t *row, const struct vresult *r, double alpha, double mde)
{
	double lo, hi;

	printf("  %s '%s' %s: x%.4g", json_string_value(json_object_get(row, "bench")),
	       json_string_value(json_object_get(row, "case")),
	       json_string_value(json_object_get(row, "metric")), r->ratio);
	if (seq_interval(r, alpha, &lo, &hi))
		printf(", no interval\n");
	else
		printf(" [%.4g, %.4g] at %.4g%%: neither within +-%.1f%% nor clear of 1 at q <= %.3g\n",
		       lo, hi, 100 * (1 - alpha), mde * 100, alpha);
}

/* seq-check --alpha A [--mde PCT] COMPARE_JSON: 0 all decided, 3 some not, 2 bad input. */
int cmd_seq_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "alpha", required_argument, NULL, 'a' }, { "mde", required_argument, NULL, 'm' },
		{ 0 },
	};
	struct seq_plan p = seq_plan_default(SEQ_MDE_DEFAULT);
	size_t count[SEQ_UNJUDGED + 1] = { 0 };
	double alpha = NAN;
	json_t *root, *rows;
	int code;

	optind = 0;
	while ((code = arg_next(argc, argv, "", opts, "mmbench seq-check")) != -1) {
		if (code == 'a' && parse_level(optarg, &alpha))
			return seq_usage("seq-check", "--alpha takes a level between 0 and 1");
		if (code == 'm' && arg_mde(optarg, &p.mde))
			return seq_usage("seq-check", "--mde takes a percentage from 0.1 to 50");
		if (code == '?')
			return KSFT_USAGE;
	}
	if (isnan(alpha) || optind != argc - 1)
		return seq_usage("seq-check", "needs --alpha and one compare JSON");
	root = json_load_file(argv[optind], 0, NULL);
	rows = json_object_get(root, "rows");
	if (!json_is_array(rows)) {
		json_decref(root);
		return seq_usage("seq-check", "not a compare JSON with rows");
	}
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *row = json_array_get(rows, i);
		struct vresult r;
		enum seq_call call;
		int better;

		if (row_result(row, &r, &better)) {
			json_decref(root);
			return seq_usage("seq-check", "a row without verdict, better or ratio_ci95");
		}
		call = seq_decide(&p, alpha, &r);
		count[call]++;
		if (call == SEQ_MORE)
			say_more(row, &r, alpha, p.mde);
	}
	printf("look at %.3g: %zu differ, %zu same within %.1f%%, %zu undecided (%zu not judged)\n",
	       alpha, count[SEQ_DIFFERS], count[SEQ_SAME], p.mde * 100, count[SEQ_MORE],
	       count[SEQ_UNJUDGED]);
	json_decref(root);
	return count[SEQ_MORE] ? EXIT_MORE : 0;
}

/* seq-runs [--mde PCT] RUNS: --runs auto's rule over a set already made. */
int cmd_seq_runs(int argc, char **argv)
{
	static const struct option opts[] = { { "mde", required_argument, NULL, 'm' }, { 0 } };
	struct seq_plan p = seq_plan_default(SEQ_MDE_DEFAULT);
	struct runset set;
	int code, err;

	optind = 0;
	while ((code = arg_next(argc, argv, "", opts, "mmbench seq-runs")) != -1) {
		if (code == 'm' && arg_mde(optarg, &p.mde))
			return seq_usage("seq-runs", "--mde takes a percentage from 0.1 to 50");
		if (code == '?')
			return KSFT_USAGE;
	}
	if (optind != argc - 1)
		return seq_usage("seq-runs", "needs one set: a set directory or RUN,RUN,..");
	if (runset_load(argv[optind], NULL, &set))
		return KSFT_USAGE;
	printf("%zu runs\n", set.nr);
	err = seq_set_report(set.runs, set.nr, &p, stdout, "", true);
	runset_free(&set);
	return err ? KSFT_FAIL : 0;
}
