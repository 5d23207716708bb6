/* mmbench: the one binary; subcommands run, list, sysinfo, report, compare, sweep. */
#include <stdio.h>
#include <string.h>
#include "cmd/cmds.h"
#include "core/bench.h"
#include "core/version.h"

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
"  sweep KNOB=V1,V2,.. [--bench NAME] [--profile P] [--reps N] [--seed N] [--out ROOT]\n"
"  trend --bench NAME --metric NAME [--case KEY] [--root DIR] [--label TEXT] [--history DIR|none]\n"
"      [--format text|md] [--json FILE] [--plots DIR]   one metric over every kernel archived\n"
"  bisect-decide --good RUNS --bad RUNS --bench NAME --metric NAME --case KEY [--check] [RUNS]\n"
"      one git bisect step's verdict: 0 good, 1 bad, 3 cannot tell, 4 no sample (bisect-run)\n"
"  lava-results --cases|--metrics|--check RUN_DIR   a run as LAVA test-monitor lines\n"
"  profile RUN_DIR --case KEY [--bench NAME] [--top N] [--folded FILE]   a case's --kprofile\n"
"exit codes: 0 ok, 1 failure, 2 usage error, 3 compare found a regression, 4 skipped\n";

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
	{ "trend", cmd_trend },
	{ "bisect-decide", cmd_bisect_decide },
	{ "lava-results", cmd_lava_results },
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
