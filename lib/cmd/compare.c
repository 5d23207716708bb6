/* mmbench compare BASE NEW [MORE..]: the command line of cmd/compare_main.c (analysis/compare.c judges). */
#include <stdio.h>
#include <string.h>
#include "cmd/args.h"
#include "cmd/cmds.h"
#include "cmd/compare_main.h"

static int usage(const char *why)
{
	fprintf(stderr, "mmbench compare: %s (usage: mmbench compare BASE NEW [MORE..], each a "
		"run, a set directory or RUN,RUN,..; [--label TEXT] [--history DIR|none] "
		"[--format text|md|html] [--json FILE] [--html FILE] [--plots DIR] [--paired])\n", why);
	return KSFT_USAGE;
}

int cmd_compare(int argc, char **argv)
{
	enum { C_FORMAT = 0x100, C_JSON, C_HTML, C_PLOTS, C_LABEL, C_HISTORY, C_PAIRED };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, C_FORMAT },
		{ "json", required_argument, NULL, C_JSON },
		{ "html", required_argument, NULL, C_HTML },
		{ "plots", required_argument, NULL, C_PLOTS },
		{ "label", required_argument, NULL, C_LABEL },
		{ "history", required_argument, NULL, C_HISTORY },
		{ "paired", no_argument, NULL, C_PAIRED },
		{ 0 },
	};
	struct compare_args a = { 0 };
	const char *fmt = "text";
	char why[256];
	int code;

	optind = 0;	/* 0: getopt starts afresh (commands run more than once in tests) */
	while ((code = arg_next(argc, argv, "", opts, "mmbench compare")) != -1) {
		switch (code) {
		case C_FORMAT: fmt = optarg; break;
		case C_JSON: a.json = optarg; break;
		case C_HTML: a.html_file = optarg; break;
		case C_PLOTS: a.plots = optarg; break;
		case C_LABEL: a.label = optarg; break;
		case C_HISTORY: a.history = optarg; break;
		case C_PAIRED: a.paired = true; break;
		default: return KSFT_USAGE;
		}
	}
	if (strcmp(fmt, "text") && strcmp(fmt, "md") && strcmp(fmt, "html")) {
		snprintf(why, sizeof(why), "--format is text, md or html, not '%s'", fmt);
		return usage(why);
	}
	a.md = !strcmp(fmt, "md");
	a.html = !strcmp(fmt, "html");
	/* paired, the noise is the blocks' own: the archive's between-run noise does not apply */
	if (a.paired && a.history && strcmp(a.history, "none"))
		return usage("--paired takes its noise from the blocks, not from --history");
	for (; optind < argc; optind++) {
		if (a.nr_sides == CMP_MAX_SIDES)
			return usage("at most 26 sides");
		a.sides[a.nr_sides++] = argv[optind];
	}
	if (a.nr_sides < 2)
		return usage("needs a base and at least one other side");
	return compare_main(&a);
}
