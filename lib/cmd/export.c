/*
 * mmbench export --kcidb [--root ROOT] [--origin NAME]: the archive's runs as KCIDB (KernelCI's
 * database) I/O data on stdout, one test per run, case and metric: the median as the test's
 * number with its unit, the samples and their 95% interval in misc. Streamed from the index.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "archive/archive.h"
#include "cmd/cmds.h"
#include "core/bench.h"
#include "stats/stats.h"

struct kx {
	const char *origin;
	json_t *builds;		/* kernel release -> true: one checkout and build each */
	size_t tests;
};

static int usage(const char *fmt, const char *arg)
{
	fputs("mmbench: export: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (usage: export --kcidb [--root ROOT] [--origin NAME])\n", stderr);
	return KSFT_USAGE;
}

/* A KCIDB path component: dots separate components, so none inside one. */
static void component(char *out, size_t len, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < len; s++)
		out[i++] = *s == '.' || *s == ' ' ? '_' : *s;
	out[i] = 0;
}

static json_t *misc_of(const struct archive_metric_row *m)
{
	json_t *xs = json_array();
	double lo = NAN, hi = NAN;
	char dir[1024];

	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(xs, json_real(m->x[i]));
	snprintf(dir, sizeof(dir), "%s%s%s", m->top, *m->sub ? "/" : "", m->sub);
	if (m->n > 1)
		stats_median_ci(m->x, m->n, &lo, &hi);
	return json_pack("{sososossssssssssss}", "samples", xs, "ci95_lo",
			 isfinite(lo) ? json_real(lo) : json_null(), "ci95_hi",
			 isfinite(hi) ? json_real(hi) : json_null(), "host", m->host ?: "",
			 "boot_id", m->boot ?: "", "run_id", m->run_id ?: "", "run_dir", dir,
			 "case", m->key, "unit", m->unit);
}

static int one_test(const struct archive_metric_row *m, void *ctx)
{
	struct kx *k = ctx;
	char id[2048], path[1024], b[128], c[512], me[128], build[256];
	const char *status = !strcmp(m->status, "ok") ? "PASS" :
			     !strcmp(m->status, "skipped") ? "SKIP" : "ERROR";
	json_t *t;
	char *s;

	component(b, sizeof(b), m->bench);
	component(c, sizeof(c), m->key);
	component(me, sizeof(me), m->metric);
	snprintf(path, sizeof(path), "mmbench.%s.%s.%s", b, c, me);
	snprintf(build, sizeof(build), "%s:%s", k->origin, m->kernel ?: "unknown");
	snprintf(id, sizeof(id), "%s:%s/%s/%s/%s", k->origin, m->boot ?: "", m->run_id ?: m->sub,
		 path, m->host ?: "");
	json_object_set_new(k->builds, m->kernel ?: "unknown", json_true());
	t = json_pack("{ssssssssssso}", "id", id, "origin", k->origin, "build_id", build,
		      "path", path, "status", status, "misc", misc_of(m));
	if (!t)
		return -ENOMEM;
	if (m->start_time)
		json_object_set_new(t, "start_time", json_string(m->start_time));
	if (isfinite(m->median))
		json_object_set_new(t, "number", json_pack("{sfss}", "value", m->median, "unit",
							  m->unit));
	s = json_dumps(t, JSON_COMPACT);
	json_decref(t);
	if (!s)
		return -ENOMEM;
	printf("%s%s", k->tests++ ? ",\n" : "", s);
	free(s);
	return 0;
}

/* The builds and checkouts the tests name: one of each per kernel release. */
static void builds_out(const struct kx *k)
{
	const char *rel;
	json_t *v, *builds = json_array(), *checkouts = json_array(), *both;
	char id[256], *s;

	json_object_foreach(k->builds, rel, v) {
		snprintf(id, sizeof(id), "%s:%s", k->origin, rel);
		json_array_append_new(checkouts, json_pack("{ssss}", "id", id, "origin", k->origin));
		json_array_append_new(builds, json_pack("{sssssss{ss}}", "id", id, "origin",
							k->origin, "checkout_id", id, "misc",
							"kernel_release", rel));
	}
	both = json_pack("{soso}", "checkouts", checkouts, "builds", builds);
	s = json_dumps(both, JSON_COMPACT);
	/* the object's braces off: its members follow the tests in the one object */
	if (s && strlen(s) > 2)
		printf("],\n%.*s}\n", (int)strlen(s) - 2, s + 1);
	free(s);
	json_decref(both);
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kcidb", no_argument, NULL, 'k' }, { "root", required_argument, NULL, 'r' },
		{ "origin", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 },
	};
	const char *root = getenv("MMBENCH_RESULTS");
	struct kx k = { .origin = "mmbench" };
	struct archive *a;
	bool kcidb = false;
	int c, err;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'k')
			kcidb = true;
		else if (c == 'r')
			root = optarg;
		else if (c == 'o')
			k.origin = optarg;
		else if (c == ':')
			return usage("%s needs a value", argv[optind - 1]);
		else
			return usage("unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc || !kcidb)
		return usage("%s", optind < argc ? "unexpected argument" : "--kcidb is required");
	/* KCIDB's origin: lower-case letters, digits and _ */
	if (!*k.origin || strspn(k.origin, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
	    strlen(k.origin))
		return usage("--origin %s: not [a-z0-9_]+", k.origin);
	err = archive_open(root && *root ? root : "results", true, &a);
	if (err)
		return err == -ENOTDIR || err == -EPROTO ? KSFT_USAGE : KSFT_FAIL;
	err = archive_sync(a, &(struct archive_tally){ 0 });
	k.builds = json_object();
	if (!err && k.builds) {
		printf("{\"version\":{\"major\":4,\"minor\":3},\n\"tests\":[\n");
		err = archive_each_metric(a, one_test, &k);
		builds_out(&k);
	}
	json_decref(k.builds);
	archive_close(a);
	return err ? KSFT_FAIL : KSFT_PASS;
}
