/* The arguments run and sweep share: parsing, checking every bench's options, taking the run lock. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "driver.h"
#include "knobs.h"
#include "kprofile.h"
#include "options.h"

static int parse_profile(const char *s, enum profile *p)
{
	for (int i = 0; i < NR_PROFILES; i++)
		if (!strcmp(s, profile_names[i])) {
			*p = i;
			return 0;
		}
	return -EINVAL;
}

int run_usage(const char *who, const char *fmt, ...)
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

static int add_benches(struct run_args *a, const char *list)
{
	char buf[256], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct bench *b = bench_find(tok);

		if (!b)
			return run_usage("mmbench", "unknown bench '%s' (see 'mmbench list')", tok);
		if (a->nr_benches == MAX_BENCHES)
			return run_usage("mmbench", "too many benches");
		a->benches[a->nr_benches++] = b;
	}
	return a->nr_benches ? 0 : run_usage("mmbench", "--bench needs a name");
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

int run_args_parse(int argc, char **argv, int first, struct run_args *a, char ***rest, int *nr_rest)
{
	memset(a, 0, sizeof(*a));
	a->profile = PROFILE_QUICK;
	a->runs = 1;
	/* run.sh points this at the tree's results/, whatever the working directory */
	a->out_root = getenv("MMBENCH_RESULTS") ? getenv("MMBENCH_RESULTS") : "results";
	if (nr_rest)
		*nr_rest = 0;
	for (int i = first; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;
		int r = 0;

		if (!strcmp(arg, "--profile")) {
			if (!val || parse_profile(val, &a->profile))
				return run_usage("mmbench", "--profile takes smoke, quick or full");
		} else if (!strcmp(arg, "--bench")) {
			if (!val)
				return run_usage("mmbench", "--bench needs a name");
			r = add_benches(a, val);
		} else if (!strcmp(arg, "--reps")) {
			uint64_t n;

			if (!val || parse_u64(val, &n) || n < 1 || n > 1000)
				return run_usage("mmbench", "--reps takes a number from 1 to 1000");
			a->reps = n;
		} else if (!strcmp(arg, "--runs")) {
			uint64_t n;

			if (!val || parse_u64(val, &n) || n < 1 || n > 100)
				return run_usage("mmbench", "--runs takes a number from 1 to 100");
			a->runs = n;
		} else if (!strcmp(arg, "--seed")) {
			if (!val || parse_u64(val, &a->seed) || !a->seed)
				return run_usage("mmbench", "--seed takes a number above 0");
		} else if (!strcmp(arg, "--label")) {
			if (!val || !label_ok(val))
				return run_usage("mmbench", "--label takes up to 48 of [A-Za-z0-9._+-]");
			a->label = val;
		} else if (!strcmp(arg, "--out")) {
			if (!val || !*val)
				return run_usage("mmbench", "--out needs a directory");
			a->out_root = val;
		} else if (!strcmp(arg, "--set")) {
			struct name_value *nv = &a->sets[a->nr_sets];

			if (!val || a->nr_sets == MAX_SETS || split_pair(val, nv))
				return run_usage("mmbench", "--set takes KNOB=VALUE");
			if (!knob_known(nv->name))
				return run_usage("mmbench", "--set: unknown knob '%s' (see 'mmbench list --knobs')", nv->name);
			a->nr_sets++;
		} else if (!strcmp(arg, "--opt")) {
			if (!val || a->nr_opts == MAX_SETS || split_pair(val, &a->opts[a->nr_opts]))
				return run_usage("mmbench", "--opt takes [BENCH.]NAME=VALUE");
			a->nr_opts++;
		} else {
			takes = false;
			if (!strcmp(arg, "-v") || !strcmp(arg, "--verbose"))
				a->verbose = true;
			else if (!strcmp(arg, "--no-report"))
				a->no_report = true;
			else if (!strcmp(arg, "--kprofile"))
				a->kprofile = true;
			else if (rest && arg[0] != '-')
				(*rest)[(*nr_rest)++] = argv[i];
			else
				return run_usage("mmbench", "unknown argument '%s'", arg);
		}
		if (r)
			return r;
		i += takes;
	}
	if (!a->nr_benches)
		for (int i = 0; i < nr_benches; i++)
			a->benches[a->nr_benches++] = benches[i];
	/* every --opt must mean something to a selected bench */
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
			return run_usage("mmbench", "--opt %s: no selected bench has that option", name);
	}
	return 0;
}

int run_check_opts(const struct run_args *a)
{
	for (int i = 0; i < a->nr_benches; i++) {
		struct bench_ctx ctx;

		if (bench_ctx_init(&ctx, a->benches[i], a, NULL))
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

static int run_check_sets(const struct run_args *a, const char *who)
{
	for (int i = 0; i < a->nr_sets; i++) {
		char why[600];

		if (knob_try_value(a->sets[i].name, a->sets[i].value, why, sizeof(why)))
			return run_usage(who, "--set %s", why);
	}
	return 0;
}

int run_prepare(const struct run_args *a, const char *who)
{
	int r = run_check_opts(a);

	if (!r)
		r = run_lock_knobs(who);
	/* a trial write of each --set value needs the lock */
	if (!r)
		r = run_check_sets(a, who);
	/* after every check: a run refused changes nothing, and opens no sampler */
	if (!r && a->kprofile)
		kprofile_start(stderr);
	return r;
}
