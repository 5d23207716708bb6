/* mmbench push and pull: runs into a lab's shared archive (PostgreSQL) and back; --db for readers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/pg.h"
#include "cmd/cmds.h"
#include "core/bench.h"
#include "sys/sha256.h"
#include "sys/util.h"

static int usage(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "mmbench: %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (usage: %s)\n", !strcmp(cmd, "push") ? "push ROOT.. [--db URL]" :
		"pull --out ROOT [--db URL]");
	return KSFT_USAGE;
}

int db_exit(int err)
{
	return !err ? KSFT_PASS : err == -ECONNREFUSED || err == -EPROTO || err == -ENOTDIR ?
	       KSFT_USAGE : KSFT_FAIL;
}

static const char *db_url(const char *opt)
{
	const char *env = getenv("MMBENCH_DB");

	return opt ? opt : env && *env ? env : NULL;
}

int cmd_push(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' }, { NULL, 0, NULL, 0 },
	};
	const char *url = NULL;
	int c, err = 0;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'd')
			url = optarg;
		else if (c == ':')
			return usage("push", "%s needs a value", argv[optind - 1]);
		else
			return usage("push", "unknown option '%s'", argv[optind - 1]);
	}
	url = db_url(url);
	if (!url)
		return usage("push", "%s", "no database: --db URL or MMBENCH_DB");
	if (optind >= argc)
		return usage("push", "%s", "no archive root to push");
	for (int i = optind; i < argc && !err; i++) {
		struct archive_push_tally t;

		err = archive_push(argv[i], url, &t);
		if (!err)
			printf("push: %s: %zu runs sent, %zu there already; %zu refused by the "
			       "reader, not sent\n", argv[i], t.sent, t.already, t.local.skipped);
	}
	return db_exit(err);
}

int cmd_pull(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' }, { "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *out = NULL;
	struct archive_push_tally t;
	int c, err;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'd')
			url = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == ':')
			return usage("pull", "%s needs a value", argv[optind - 1]);
		else
			return usage("pull", "unknown option '%s'", argv[optind - 1]);
	}
	url = db_url(url);
	if (!url || !out || optind < argc)
		return usage("pull", "%s", !url ? "no database: --db URL or MMBENCH_DB" :
			     !out ? "--out ROOT is required" : "unexpected argument");
	err = archive_pull("pull", url, out, &t);
	if (!err)
		printf("pull: %s: %zu runs written, %zu there already\n", out, t.sent, t.already);
	return db_exit(err);
}

int db_root(const char *cmd, const char *url, char *root, size_t len)
{
	const char *dir = getenv("MMBENCH_DB_CACHE"), *home = getenv("HOME");
	struct archive_push_tally t;
	char h[65];
	int err;

	/* a cache per database, brought up to date on each use: the database stays the truth */
	sha256_hex(url, strlen(url), h);
	if (dir && *dir)
		snprintf(root, len, "%s/db-%.16s", dir, h);
	else
		snprintf(root, len, "%s/.cache/mmbench/db-%.16s", home ? home : "/tmp", h);
	err = mkdir_p(root);
	if (err) {
		fprintf(stderr, "mmbench: %s: %s: %s\n", cmd, root, strerror(-err));
		return KSFT_FAIL;
	}
	err = archive_pull(cmd, url, root, &t);
	return db_exit(err);
}
