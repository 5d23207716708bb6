/* mmbench compare BASE NEW [MORE..]: the command line of cmd/compare_main.c (analysis/compare.c judges). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/args.h"
#include "cmd/cmds.h"
#include "cmd/compare_main.h"

static int usage(const char *why)
{
	fprintf(stderr, "mmbench compare: %s (usage: mmbench compare BASE NEW [MORE..], each a "
		"run, a set directory or RUN,RUN,..; [--label TEXT] [--history DIR|none] "
		"[--format text|md|html] [--json FILE] [--html FILE] [--plots DIR] [--paired] "
		"[--db URL])\n", why);
	return KSFT_USAGE;
}

/* Side @side (RUN or RUN,RUN,..) of the shared archive: each part under its local copy @root. */
static int db_side(const char *root, const char *side, char *out, size_t len)
{
	char part[PATH_MAX];
	size_t n = 0;

	out[0] = 0;
	for (const char *p = side; *p; ) {
		size_t l = strcspn(p, ",");

		if (!l || l >= sizeof(part) || *p == '/')
			return -1;
		snprintf(part, sizeof(part), "%.*s", (int)l, p);
		/* inside the archive: no way up and out of it */
		if (strstr(part, ".."))
			return -1;
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s/%s", n ? "," : "", root,
				      part);
		if (n >= len)
			return -1;
		p += l + (p[l] == ',');
	}
	return out[0] ? 0 : -1;
}

/*
 * --db URL: every side is a directory of the shared archive (a kernel, a set, a run, or
 * RUN,RUN,.. relative to its top), read from its local copy (db_root()), which is also
 * the history unless --history says otherwise.
 */
static int compare_db(struct compare_args *a, const char *db)
{
	static char root[PATH_MAX], sides[CMP_MAX_SIDES][4 * PATH_MAX];
	char why[PATH_MAX + 96];
	int rc;

	for (size_t i = 0; i < a->nr_sides; i++)
		if (*a->sides[i] == '/') {
			snprintf(why, sizeof(why), "with --db a side is a directory of the shared "
				 "archive, not a path of this host ('%s')", a->sides[i]);
			return usage(why);
		}
	rc = db_root("compare", db, root, sizeof(root));
	if (rc)
		return rc;
	for (size_t i = 0; i < a->nr_sides; i++) {
		if (db_side(root, a->sides[i], sides[i], sizeof(sides[i]))) {
			snprintf(why, sizeof(why), "'%s' is not a directory of the shared archive",
				 a->sides[i]);
			return usage(why);
		}
		a->sides[i] = sides[i];
	}
	if (!a->history)
		a->history = root;
	return compare_main(a);
}

int cmd_compare(int argc, char **argv)
{
	enum { C_FORMAT = 0x100, C_JSON, C_HTML, C_PLOTS, C_LABEL, C_HISTORY, C_PAIRED, C_DB };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, C_FORMAT },
		{ "json", required_argument, NULL, C_JSON },
		{ "html", required_argument, NULL, C_HTML },
		{ "plots", required_argument, NULL, C_PLOTS },
		{ "label", required_argument, NULL, C_LABEL },
		{ "history", required_argument, NULL, C_HISTORY },
		{ "paired", no_argument, NULL, C_PAIRED },
		{ "db", required_argument, NULL, C_DB },
		{ 0 },
	};
	struct compare_args a = { 0 };
	const char *fmt = "text", *db = NULL;
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
		case C_DB: db = optarg; break;
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
	if (db)
		return compare_db(&a, db);
	return compare_main(&a);
}
