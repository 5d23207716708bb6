/* mmbench index [--root ROOT]: the archive's index (ROOT/index.sqlite) built or brought up to date. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "archive/archive.h"
#include "cmd/cmds.h"
#include "core/bench.h"

static int usage(const char *fmt, const char *arg)
{
	fputs("mmbench: index: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (usage: index [--root ROOT])\n", stderr);
	return KSFT_USAGE;
}

static int say_refused(const char *dir, const char *why, void *ctx)
{
	(void)ctx;
	printf("refused: %s: %s\n", dir, why);
	return 0;
}

int cmd_index(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 },
	};
	const char *root = getenv("MMBENCH_RESULTS");
	struct archive_tally t;
	struct archive *a;
	int c, err;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'r')
			root = optarg;
		else if (c == ':')
			return usage("%s needs a value", argv[optind - 1]);
		else
			return usage("unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return usage("unexpected argument '%s'", argv[optind]);
	if (!root || !*root)
		root = "results";
	/* each says its own line: a root that is no directory, an index of a newer schema */
	err = archive_open(root, true, &a);
	if (err)
		return err == -ENOTDIR || err == -EPROTO ? KSFT_USAGE : KSFT_FAIL;
	err = archive_sync(a, &t);
	if (!err) {
		printf("index: %s: %zu runs: %zu added, %zu updated, %zu unchanged, %zu removed; "
		       "%zu refused by the reader\n", archive_path(a), t.runs, t.added, t.updated,
		       t.unchanged, t.removed, t.skipped);
		err = archive_each_refused(a, say_refused, NULL);
	}
	archive_close(a);
	return err ? KSFT_FAIL : KSFT_PASS;
}
