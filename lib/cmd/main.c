/* mmbench: the one binary; dispatches to the subcommands of the table below, or to their help. */
#include <stdio.h>
#include <string.h>
#include "cmd/cmds.h"
#include "cmd/help.h"
#include "core/bench.h"
#include "core/version.h"

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
	{ "publish", cmd_publish },
	{ "seq-alpha", cmd_seq_alpha },
	{ "seq-check", cmd_seq_check },
	{ "seq-runs", cmd_seq_runs },
	{ "system", cmd_system },
	{ "reproduce", cmd_reproduce },
	{ "index", cmd_index },
	{ "push", cmd_push },
	{ "pull", cmd_pull },
	{ "export", cmd_export },
};

int main(int argc, char **argv)
{
	int r;

	if (argc < 2) {
		fputs(help_usage, stderr);
		return KSFT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return help_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version")) {
		printf("mmbench %s\n", mmbench_version);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			/* CMD --help: one check for all, from docs/man/ (scripts/help.sh) */
			return help_asked(argc - 1, argv + 1) ? help_show(argv[1]) :
				commands[i].fn(argc - 1, argv + 1);
	r = help_script(argc - 1, argv + 1);
	if (r >= 0)
		return r;
	fprintf(stderr, "mmbench: unknown command '%s' (try 'mmbench --help')\n", argv[1]);
	return KSFT_USAGE;
}
