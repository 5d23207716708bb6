/* mmbench: the one binary; subcommands run, list, sysinfo, report, compare, sweep. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include "cmds.h"
#include "driver.h"
#include "knobs.h"
#include "manifest.h"
#include "options.h"
#include "report.h"
#include "results.h"
#include "topology.h"
#include "version.h"

static const char usage_text[] =
"usage: mmbench <command> [args]\n"
"  run [--profile smoke|quick|full] [--bench NAME[,NAME..]] [--reps N] [--runs N] [--seed N]\n"
"      [--label TEXT] [--out ROOT] [--set KNOB=VALUE ...] [--opt [BENCH.]NAME=VALUE ...]\n"
"      [--no-report] [--kprofile] [-v]\n"
"  list [--bench NAME] [--profile P] [--knobs]   benches, cases, options, and what can run here\n"
"  sysinfo                                      the system manifest as JSON\n"
"  report RUN_DIR                               (re)render report.txt and report.md\n"
"  compare BASE NEW [MORE..] [--label TEXT] [--history DIR|none] [--format text|md]\n"
"      [--json FILE] [--plots DIR]   each side a run, a set directory or RUN,RUN,..\n"
"  sweep KNOB=V1,V2,.. [--bench NAME] [--profile P] [--reps N] [--out ROOT]\n"
"  profile RUN_DIR --case KEY [--bench NAME] [--top N] [--folded FILE]   a case's --kprofile\n"
"exit codes: 0 ok, 1 failure, 2 usage error, 3 compare found a regression, 4 skipped\n";

/* One bench of a run: probe, cases, the loop, results. Returns the number of failed cases. */
static int run_bench(const struct bench *b, struct run_args *a, struct run_dir *rd, gsl_rng *rng)
{
	struct case_list list = { 0 };
	struct bench_ctx ctx;
	int errors, r;

	r = driver_bench_start(&ctx, b, a, rd, &list);
	if (r)
		return r == BENCH_SKIP ? 0 : 1;
	errors = driver_run_cases(&ctx, &list, rng);
	if (b->finish)
		b->finish(&ctx, &list);
	/* a result that could not be written fails the run (INCOMPLETE names it) */
	if (results_write(rd->path, &ctx, &list, "ok", NULL))
		errors++;
	case_list_free(&list);
	bench_ctx_fini(&ctx);
	return errors;
}

/* What the harness does against noise, for the manifest: a reader can see it and undo it. */
static json_t *harness_notes(void)
{
	return json_pack("{ssssss}",
			 "case_order", "shuffled per run (benches and cases), seed in run_set",
			 "knobs", "restored after each bench: no bench runs under another's settings",
			 "memory", "each repetition maps its own memory; where it allocates, it first "
			 "touches and frees as much, untimed (each case's prewarm param)");
}

/*
 * One run of a set: its own directory, benches and cases in their own order drawn from
 * (@seed, @index), every knob restored after each bench.
 */
static int run_one(struct run_args *a, int argc, char **argv, uint64_t seed, unsigned index,
		   char *set_id, size_t set_len)
{
	const struct bench *order[MAX_BENCHES];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	json_t *names = json_array();
	struct run_dir rd;
	int errors = 0;

	if (!rng || run_dir_create(a, argc, argv, &rd)) {
		if (rng)
			gsl_rng_free(rng);
		json_decref(names);
		return -1;
	}
	gsl_rng_set(rng, (unsigned long)(seed + index));
	memcpy(order, a->benches, a->nr_benches * sizeof(*order));
	gsl_ran_shuffle(rng, order, a->nr_benches, sizeof(*order));
	for (int i = 0; i < a->nr_benches; i++)
		json_array_append_new(names, json_string(order[i]->name));
	if (!index)
		snprintf(set_id, set_len, "%s", rd.run_id);
	run_dir_annotate(&rd, "run_set", json_pack("{sssIsIsIso}", "id", set_id,
			 "index", (json_int_t)index + 1, "runs", (json_int_t)a->runs,
			 "seed", (json_int_t)(seed + index), "bench_order", names));
	run_dir_annotate(&rd, "settings", run_settings(a));
	run_dir_annotate(&rd, "harness", harness_notes());
	for (int i = 0; i < a->nr_benches; i++) {
		errors += run_bench(order[i], a, &rd, rng);
		if (knob_restore_all())
			errors++;
	}
	gsl_rng_free(rng);
	errors += run_dir_finish(&rd);
	return errors;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	char set_id[96] = "";
	uint64_t seed;
	int errors = 0, r;

	/* --check-only: the arguments as the guest would take them (ab, bisect-run check on the host) */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--check-only")) {
			memmove(&argv[i], &argv[i + 1], (argc - i - 1) * sizeof(*argv));
			argc--;
			r = run_args_parse(argc, argv, 1, &a, NULL, NULL);
			return r ? r : run_check_opts(&a);
		}
	r = run_args_parse(argc, argv, 1, &a, NULL, NULL);
	if (!r)
		r = run_prepare(&a, "mmbench");
	if (r)
		return r;
	topo_init();
	seed = a.seed ? a.seed : (uint64_t)time(NULL) * 1000003u + (uint64_t)getpid();
	for (unsigned i = 0; i < a.runs; i++) {
		if (a.runs > 1)
			fprintf(stderr, "mmbench: run %u of %u\n", i + 1, a.runs);
		r = run_one(&a, argc, argv, seed, i, set_id, sizeof(set_id));
		if (r < 0)
			return KSFT_FAIL;
		errors += r;
	}
	if (a.runs > 1)
		fprintf(stderr, "mmbench: set %s: %u runs under %s/%s%s%s\n", set_id, a.runs,
			a.out_root, kernel_release(), a.label ? " labelled " : "",
			a.label ? a.label : "");
	return errors ? KSFT_FAIL : KSFT_PASS;
}

static void list_opts(const struct bench *b)
{
	static const char *const types[] = {
		[OPT_SIZE] = "size", [OPT_UINT] = "number", [OPT_CHOICE] = "choice",
		[OPT_LIST] = "list", [OPT_UINT_LIST] = "numbers",
	};

	for (const struct bench_opt *o = b->opts; o && o->name; o++) {
		const char *def[NR_PROFILES], *prev = "-";

		/* a profile without its own default takes the previous one's */
		for (int p = 0; p < NR_PROFILES; p++)
			def[p] = prev = o->def[p] ? o->def[p] : prev;
		printf("    --opt %s=<%s>  %s", o->name, types[o->type], o->help);
		if (o->unit)
			printf(" [%s]", o->unit);
		if (o->choices)
			printf(" (%s)", o->choices);
		if (!strcmp(def[0], def[1]) && !strcmp(def[1], def[2]))
			printf("; default %s\n", def[0]);
		else
			printf("; default smoke %s, quick %s, full %s\n", def[0], def[1], def[2]);
	}
}

int cmd_list(int argc, char **argv)
{
	struct run_args a;
	bool knobs = false;
	int r;

	/* --knobs is list's own: take it out before the shared parser sees it */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--knobs")) {
			knobs = true;
			memmove(&argv[i], &argv[i + 1], (argc - i - 1) * sizeof(*argv));
			argc--;
			i--;
		}
	r = run_args_parse(argc, argv, 1, &a, NULL, NULL);
	if (!r)
		r = run_check_opts(&a);
	if (r)
		return r;
	if (knobs) {
		for (const char *const *n = knob_names(); *n; n++) {
			char val[256], why[256];

			if (knob_read(*n, val, sizeof(val)))
				snprintf(val, sizeof(val), "unreadable");
			knob_probe_write(*n, why, sizeof(why));
			printf("%-40s %-12s %s\n", *n, val, why[0] ? why : "writable");
		}
		return 0;
	}
	topo_init();
	for (int i = 0; i < a.nr_benches; i++) {
		const struct bench *b = a.benches[i];
		struct case_list list = { 0 };
		struct bench_ctx ctx;
		const char *why;

		if (bench_ctx_init(&ctx, b, &a, NULL))
			return KSFT_USAGE;
		why = b->probe ? b->probe(&ctx) : NULL;
		printf("%s: %s\n  unit of work: %s\n  %s profile, %u reps: %s\n", b->name,
		       b->summary, b->unit_of_work, profile_names[a.profile], ctx.reps,
		       why ? "cannot run here: " : "can run here");
		if (why)
			printf("    %s\n", why);
		list_opts(b);
		if (!why && b->cases(&ctx, &list) >= 0) {
			for (int k = 0; k < list.nr; k++) {
				case_freeze_key(&list.cases[k]);
				printf("    case %-50s %s%s\n", list.cases[k].key,
				       list.cases[k].status == CASE_SKIP ? "SKIP: " : "ok",
				       list.cases[k].status == CASE_SKIP ? list.cases[k].reason : "");
			}
		}
		case_list_free(&list);
		bench_ctx_fini(&ctx);
	}
	return 0;
}

int cmd_sysinfo(int argc, char **argv)
{
	struct run_meta meta = { 0 };
	json_t *m;

	if (argc > 1) {
		fprintf(stderr, "mmbench: sysinfo takes no arguments ('%s')\n", argv[1]);
		return KSFT_USAGE;
	}
	topo_init();
	meta.cmdline = "mmbench sysinfo";
	m = manifest_build(&meta);
	if (!m)
		return KSFT_FAIL;
	json_dumpf(m, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(m);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },
	{ "list", cmd_list },
	{ "sysinfo", cmd_sysinfo },
	{ "report", cmd_report },
	{ "compare", cmd_compare },
	{ "sweep", cmd_sweep },
	{ "profile", cmd_profile },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return KSFT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("mmbench %s\n", mmbench_version);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "mmbench: unknown command '%s' (try 'mmbench --help')\n", argv[1]);
	return KSFT_USAGE;
}
