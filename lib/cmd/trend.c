/* mmbench trend: the command line of analysis/trend.c, and its outputs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "cmd/cmds.h"
#include "core/bench.h"
#include "report/plots.h"
#include "analysis/trend.h"

struct trend_args {
	const char *format, *json, *plots;
};

static int usage(const char *fmt, const char *arg)
{
	fputs("mmbench: trend: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (usage: trend --bench NAME --metric NAME [--case KEY] [--root DIR] [--label TEXT]"
	      " [--history DIR|none] [--format text|md] [--json FILE] [--plots DIR] [--db URL])\n", stderr);
	return KSFT_USAGE;
}

static int parse_args(int argc, char **argv, struct trend *t, struct trend_args *a)
{
	static const struct option opts[] = {
		{ "bench", required_argument, NULL, 'b' }, { "metric", required_argument, NULL, 'm' },
		{ "case", required_argument, NULL, 'c' }, { "root", required_argument, NULL, 'r' },
		{ "label", required_argument, NULL, 'l' }, { "format", required_argument, NULL, 'f' },
		{ "json", required_argument, NULL, 'j' }, { "plots", required_argument, NULL, 'p' },
		{ "history", required_argument, NULL, 'H' }, { "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = getenv("MMBENCH_RESULTS"), *db = getenv("MMBENCH_DB");
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'b': t->bench = optarg; break;
		case 'm': t->metric = optarg; break;
		case 'c': t->key = optarg; break;
		case 'r': root = optarg; break;
		case 'l': t->label = optarg; break;
		case 'f': a->format = optarg; break;
		case 'j': a->json = optarg; break;
		case 'p': a->plots = optarg; break;
		case 'H': t->history = optarg; break;
		case 'd': db = optarg; break;
		case ':': return usage("%s needs a value", argv[optind - 1]);
		default: return usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage("unexpected argument '%s'", argv[optind]);
	if (!t->bench || !t->metric)
		return usage("%s", "--bench and --metric are required");
	if (strcmp(a->format, "text") && strcmp(a->format, "md"))
		return usage("--format %s: not text or md", a->format);
	/* --db: the shared archive's index read in place of a root's, no run file needed */
	if (db && *db)
		return db_exit(archive_for_db("trend", db, t->root, sizeof(t->root)));
	snprintf(t->root, sizeof(t->root), "%s", root && *root ? root : "results");
	return 0;
}

int cmd_trend(int argc, char **argv)
{
	struct trend_args a = { .format = "text" };
	struct trend t = { 0 };
	int err, rc = KSFT_USAGE;

	err = parse_args(argc, argv, &t, &a);
	if (err)
		return err;
	/* both say their own bad input (a root without runs, a metric no run has): exit 2 */
	err = trend_load(&t);
	if (err)
		goto out;
	err = trend_judge(&t);
	if (err == -EINVAL)
		goto out;
	rc = KSFT_FAIL;
	if (err) {
		fprintf(stderr, "mmbench: trend: %s\n", strerror(-err));
		goto out;
	}
	if (!strcmp(a.format, "md"))
		trend_print_md(stdout, &t);
	else
		trend_print_text(stdout, &t);
	if (a.json && trend_write_json(a.json, &t)) {
		fprintf(stderr, "mmbench: trend: %s: %s\n", a.json, strerror(errno));
		goto out;
	}
	if (a.plots && trend_write_plots(a.plots, &t)) {
		fprintf(stderr, "mmbench: trend: %s/plots: %s\n", a.plots, strerror(errno));
		goto out;
	}
	if (a.plots)
		plots_announce(a.plots);
	rc = KSFT_PASS;
out:
	trend_free(&t);
	return rc;
}
