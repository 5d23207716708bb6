/* The arguments the running subcommands share: parsing, checking every bench's options, taking the run lock. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/registry.h"
#include "cmd/args.h"
#include "sys/timing.h"
#include "core/kprofile.h"
#include "core/options.h"
#include "knobs/knobs.h"
#include "stats/sequential.h"
#include "knobs/tune.h"

enum {
	A_PROFILE = 0x100, A_BENCH, A_REPS, A_RUNS, A_SEED, A_LABEL, A_OUT, A_SET, A_OPT,
	A_NO_REPORT, A_KPROFILE, A_MDE, A_BUDGET, A_MAX_TIME, A_TUNE, A_VERBOSE = 'v',
};

static const struct option shared_opts[] = {
	{ "profile", required_argument, NULL, A_PROFILE },
	{ "bench", required_argument, NULL, A_BENCH },
	{ "reps", required_argument, NULL, A_REPS },
	{ "runs", required_argument, NULL, A_RUNS },
	{ "seed", required_argument, NULL, A_SEED },
	{ "label", required_argument, NULL, A_LABEL },
	{ "out", required_argument, NULL, A_OUT },
	{ "set", required_argument, NULL, A_SET },
	{ "opt", required_argument, NULL, A_OPT },
	{ "no-report", no_argument, NULL, A_NO_REPORT },
	{ "kprofile", no_argument, NULL, A_KPROFILE },
	{ "mde", required_argument, NULL, A_MDE },
	{ "budget", required_argument, NULL, A_BUDGET },
	{ "max-time", required_argument, NULL, A_MAX_TIME },
	{ "tune", no_argument, NULL, A_TUNE },
	{ "verbose", no_argument, NULL, A_VERBOSE },
};
#define NR_SHARED (sizeof(shared_opts) / sizeof(shared_opts[0]))
#define MAX_OPTS 48

static int parse_profile(const char *s, enum profile *p)
{
	for (int i = 0; i < NR_PROFILES; i++)
		if (!strcmp(s, profile_names[i])) {
			*p = i;
			return 0;
		}
	return -EINVAL;
}

int args_usage(const char *who, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return KSFT_USAGE;
}

static int split_pair(const char *arg, struct name_value *nv)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1] || (size_t)(eq - arg) >= sizeof(nv->name) ||
	    strlen(eq + 1) >= sizeof(nv->value))
		return -EINVAL;
	snprintf(nv->name, sizeof(nv->name), "%.*s", (int)(eq - arg), arg);
	snprintf(nv->value, sizeof(nv->value), "%s", eq + 1);
	return 0;
}

static int add_benches(struct run_args *a, const char *list, const char *who)
{
	char buf[256], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct bench *b = bench_find(tok);

		if (!b)
			return args_usage(who, "unknown bench '%s' (see 'mmbench list')", tok);
		if (a->nr_benches == MAX_BENCHES)
			return args_usage(who, "too many benches");
		a->benches[a->nr_benches++] = b;
	}
	return a->nr_benches ? 0 : args_usage(who, "--bench needs a name");
}

static bool label_ok(const char *s)
{
	if (!*s || strlen(s) > 48)
		return false;
	for (; *s; s++)
		if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') ||
		      ('0' <= *s && *s <= '9') || strchr("._-+", *s)))
			return false;
	return true;
}

int arg_flag(void *priv, int code, const char *arg)
{
	(void)code;
	(void)arg;
	*(bool *)priv = true;
	return 0;
}

int arg_next(int argc, char **argv, const char *shorts, const struct option *opts,
	     const char *who)
{
	char sh[32];
	int code;

	/* ':' first: a missing value is ':', not '?', and getopt prints nothing */
	snprintf(sh, sizeof(sh), ":%s", shorts);
	opterr = 0;
	code = getopt_long(argc, argv, sh, opts, NULL);
	if (code == ':') {
		args_usage(who, "%s needs a value", argv[optind - 1]);
		return '?';
	}
	if (code == '?') {
		const char *arg = argv[optind - 1];

		/* getopt sets optopt to the code of a known option given a value it does not take */
		if (optopt && !strncmp(arg, "--", 2))
			args_usage(who, "%.*s takes no value", (int)strcspn(arg, "="), arg);
		else if (optopt)
			args_usage(who, "unknown option '-%c'", optopt);
		else
			args_usage(who, "unknown option '%s'", arg);
	}
	return code;
}

int arg_looks(const char *s, double max, double *t, unsigned *n)
{
	char buf[1024], *save, *tok;
	uint64_t v;

	*n = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == SEQ_MAX_LOOKS || parse_u64(tok, &v) || !v || (double)v > max ||
		    (*n && (double)v / max <= t[*n - 1]))
			return -EINVAL;
		t[(*n)++] = (double)v / max;
	}
	return *n ? 0 : -EINVAL;
}

int arg_mde(const char *s, double *mde)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || (*end && strcmp(end, "%")) || !(v >= 0.1 && v <= 50))
		return -EINVAL;
	*mde = v / 100;
	return 0;
}

/* "600", "600s", "30m", "2h", "1d": seconds. */
static int parse_budget(const char *s, double *secs)
{
	static const char units[] = "smhd";
	static const double mult[] = { 1, 60, 3600, 86400 };
	const char *u = units;
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || (*end && (end[1] || !(u = strchr(units, *end)))))
		return -EINVAL;
	v *= *end ? mult[u - units] : 1;
	if (!(v >= 1 && v <= 7 * 86400))
		return -EINVAL;
	*secs = v;
	return 0;
}

static int take_shared(struct run_args *a, int code, const char *val, const char *who)
{
	uint64_t n;

	switch (code) {
	case A_PROFILE:
		if (parse_profile(val, &a->profile))
			return args_usage(who, "--profile takes smoke, quick or full");
		return 0;
	case A_BENCH:
		a->benches_given = true;
		return add_benches(a, val, who);
	case A_REPS:
		if (parse_u64(val, &n) || n < 1 || n > 1000)
			return args_usage(who, "--reps takes a number from 1 to 1000");
		a->reps = n;
		return 0;
	case A_RUNS:
		a->runs_auto = !strcmp(val, "auto");
		if (!a->runs_auto && (parse_u64(val, &n) || n < 1 || n > 100))
			return args_usage(who, "--runs takes a number from 1 to 100, or auto");
		a->runs = a->runs_auto ? 0 : n;
		return 0;
	case A_MDE:
		if (arg_mde(val, &a->mde))
			return args_usage(who, "--mde takes a percentage from 0.1 to 50 (5%%, 2.5)");
		return 0;
	case A_BUDGET:
		if (parse_budget(val, &a->budget_s))
			return args_usage(who, "--budget takes a time from 1s to 7d (600s, 30m, 2h)");
		return 0;
	case A_MAX_TIME:
		if (parse_budget(val, &a->max_time_s))
			return args_usage(who, "--max-time takes a time from 1s to 7d (600s, 30m, 2h)");
		return 0;
	case A_SEED:
		if (parse_u64(val, &a->seed) || !a->seed)
			return args_usage(who, "--seed takes a number above 0");
		return 0;
	case A_LABEL:
		if (!label_ok(val))
			return args_usage(who, "--label takes up to 48 of [A-Za-z0-9._+-]");
		a->label = val;
		return 0;
	case A_OUT:
		if (!*val)
			return args_usage(who, "--out needs a directory");
		a->out_root = val;
		return 0;
	case A_SET:
		if (a->nr_sets == MAX_SETS || split_pair(val, &a->sets[a->nr_sets]))
			return args_usage(who, "--set takes KNOB=VALUE");
		if (!knob_known(a->sets[a->nr_sets].name))
			return args_usage(who, "--set: unknown knob '%s' (see 'mmbench list --knobs')",
					 a->sets[a->nr_sets].name);
		a->nr_sets++;
		return 0;
	case A_OPT:
		if (a->nr_opts == MAX_SETS || split_pair(val, &a->opts[a->nr_opts]))
			return args_usage(who, "--opt takes [BENCH.]NAME=VALUE");
		a->nr_opts++;
		return 0;
	case A_NO_REPORT:
		a->no_report = true;
		return 0;
	case A_KPROFILE:
		a->kprofile = true;
		return 0;
	case A_TUNE:
		a->tune = true;
		return 0;
	case A_VERBOSE:
		a->verbose = true;
		return 0;
	}
	return args_usage(who, "internal: option code %d", code);
}

/* Every --opt must mean something to a selected bench. */
static int check_opt_names(const struct run_args *a, const char *who)
{
	for (int k = 0; k < a->nr_opts; k++) {
		const char *name = a->opts[k].name, *dot = strchr(name, '.');
		bool used = false;

		for (int b = 0; b < a->nr_benches; b++) {
			const struct bench *bench = a->benches[b];
			const char *opt = name;

			if (dot) {
				if (strncmp(name, bench->name, dot - name) || bench->name[dot - name])
					continue;
				opt = dot + 1;
			}
			for (const struct bench_opt *o = bench->opts; o && o->name; o++)
				used |= !strcmp(o->name, opt);
		}
		if (!used)
			return args_usage(who, "--opt %s: no selected bench has that option", name);
	}
	return 0;
}

/*
 * --tune: each low-noise value that can be set here is held like a --set value (set for
 * every case, put back after each bench, at exit, on a signal, by the next run after a
 * kill); a --set of the same knob wins.
 */
static void tune_as_set(const char *knob, const char *value, void *arg)
{
	struct run_args *a = arg;

	for (int i = 0; i < a->nr_sets; i++)
		if (!strcmp(a->sets[i].name, knob))
			return;
	if (a->nr_sets == MAX_SETS) {
		fprintf(stderr, "mmbench: --tune: no room for %s=%s (at most %d --set values): "
			"mmbench system tune sets it until reset\n", knob, value, MAX_SETS);
		return;
	}
	snprintf(a->sets[a->nr_sets].name, sizeof(a->sets[0].name), "%s", knob);
	snprintf(a->sets[a->nr_sets].value, sizeof(a->sets[0].value), "%s", value);
	a->nr_sets++;
}

static void tune_unset(const char *knob, const char *why, void *arg)
{
	fprintf(stderr, "%s: --tune leaves %s: %s\n", (const char *)arg, knob, why);
}

int args_parse(int argc, char **argv, const struct arg_extra *extra, struct run_args *a,
		   int *first_operand, int *nr_operands)
{
	struct option opts[MAX_OPTS + 1] = { 0 };
	size_t n = 0;
	char who[64];
	int code, r = 0;

	snprintf(who, sizeof(who), "mmbench %s", argv[0]);
	memset(a, 0, sizeof(*a));
	a->profile = PROFILE_QUICK;
	a->runs = 1;
	/* run.sh points this at the tree's results/, whatever the working directory */
	a->out_root = getenv("MMBENCH_RESULTS") ? getenv("MMBENCH_RESULTS") : "results";
	for (; n < NR_SHARED; n++)
		opts[n] = shared_opts[n];
	for (const struct option *o = extra ? extra->opts : NULL; o && o->name && n < MAX_OPTS; o++)
		opts[n++] = *o;
	optind = 0;	/* 0: getopt starts afresh (commands run more than once in tests) */
	while (!r && (code = arg_next(argc, argv, "v", opts, who)) != -1) {
		if (code == '?')
			r = KSFT_USAGE;
		else if (code >= ARG_OWN)
			r = extra->take(extra->priv, code, optarg);
		else
			r = take_shared(a, code, optarg, who);
	}
	if (r)
		return r;
	if (first_operand) {
		*first_operand = optind;
		*nr_operands = argc - optind;
	} else if (optind < argc) {
		return args_usage(who, "unknown argument '%s'", argv[optind]);
	}
	/* the sequential options mean something only to run's set */
	if (a->runs_auto && strcmp(argv[0], "run"))
		return args_usage(who, "--runs auto is for run only");
	if ((a->mde > 0 || a->budget_s > 0) && !a->runs_auto)
		return args_usage(who, "--mde and --budget go with --runs auto");
	if (a->runs_auto && !a->mde)
		a->mde = SEQ_MDE_DEFAULT;
	if (a->runs_auto && !a->budget_s)
		a->budget_s = ARGS_BUDGET_DEFAULT;
	/* the command's time runs from here */
	if (a->max_time_s)
		a->deadline_ns = now_ns() + (uint64_t)(a->max_time_s * 1e9);
	if (!a->nr_benches)
		for (int i = 0; i < nr_benches; i++)
			a->benches[a->nr_benches++] = benches[i];
	if (a->tune)
		tune_each(tune_as_set, NULL, a);
	return check_opt_names(a, who);
}

int args_check_opts(const struct run_args *a)
{
	for (int i = 0; i < a->nr_benches; i++) {
		struct bench_ctx ctx;

		if (bench_ctx_init(&ctx, a->benches[i], a, NULL, NULL))
			return KSFT_USAGE;
		bench_ctx_fini(&ctx);
	}
	return 0;
}

static int run_lock_knobs(const char *who)
{
	int r = knobs_init(stderr);

	if (r == -EBUSY)
		fprintf(stderr, "%s: another mmbench holds %s: one run at a time\n", who,
			knob_lock_path());
	else if (r && knob_lock_path()[0])
		fprintf(stderr, "%s: knob lock %s: %s\n", who, knob_lock_path(), strerror(-r));
	else if (r)
		fprintf(stderr, "%s: knob journal %s: %s\n", who, knob_journal_path(), strerror(-r));
	return r ? KSFT_FAIL : 0;
}

static int args_check_sets(const struct run_args *a, const char *who)
{
	for (int i = 0; i < a->nr_sets; i++) {
		char why[600];

		if (knob_try_value(a->sets[i].name, a->sets[i].value, why, sizeof(why)))
			return args_usage(who, "--set %s", why);
	}
	return 0;
}

int args_prepare(const struct run_args *a, const char *who)
{
	int r = args_check_opts(a);

	if (!r)
		r = run_lock_knobs(who);
	/* a trial write of each --set value needs the lock */
	if (!r)
		r = args_check_sets(a, who);
	/* what --tune cannot set here is said, once */
	if (!r && a->tune)
		tune_each(NULL, tune_unset, (void *)who);
	/* after every check: a run refused changes nothing, and opens no sampler */
	if (!r && a->kprofile)
		kprofile_start(stderr);
	return r;
}
