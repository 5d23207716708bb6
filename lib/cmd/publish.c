/*
 * mmbench publish [--root ROOT] --out SITE [--base-url URL]: the archive as a static site of
 * plain HTML files (relative links: it works from file:// and from any web server), written
 * again only where a page changed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analysis/archive_walk.h"
#include "analysis/history.h"
#include "analysis/kversion.h"
#include "analysis/runset.h"
#include "archive/archive.h"
#include "cmd/args.h"
#include "cmd/cmds.h"
#include "cmd/publish.h"
#include "core/bench.h"
#include "report/html.h"
#include "report/html_pages.h"

static int usage(const char *why)
{
	fprintf(stderr, "mmbench publish: %s (usage: mmbench publish [--root ROOT | --db URL] --out SITE "
		"[--base-url URL])\n", why);
	return KSFT_USAGE;
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The fields every page shows of a run, read once; its page's name, unique in the site. */
static void describe(struct pub_run *p, json_t *names)
{
	char base[PATH_MAX], name[PATH_MAX], *slash;
	size_t n = 1;

	if (!rl_manifest_str(&p->run, "kernel.release", p->kernel, sizeof(p->kernel)))
		snprintf(p->kernel, sizeof(p->kernel), "?");
	rl_host(&p->run, p->host, sizeof(p->host));
	snprintf(p->hostid, sizeof(p->hostid), "h%08x", fnv1a(p->host));
	slash = strrchr(p->run.dir, '/');
	if (!rl_manifest_str(&p->run, "run_id", p->id, sizeof(p->id)))
		snprintf(p->id, sizeof(p->id), "%s", slash ? slash + 1 : p->run.dir);
	if (!rl_manifest_str(&p->run, "start_time", p->date, sizeof(p->date)))
		snprintf(p->date, sizeof(p->date), "-");
	if (!rl_manifest_str(&p->run, "label", p->label, sizeof(p->label)))
		p->label[0] = 0;
	if (!rl_manifest_str(&p->run, "vm.ab.id", p->ab, sizeof(p->ab)) ||
	    !rl_manifest_str(&p->run, "vm.ab.side", p->ab_side, sizeof(p->ab_side)))
		p->ab[0] = p->ab_side[0] = 0;
	p->bisect = rl_manifest_str(&p->run, "vm.bisect.commit", name, sizeof(name)) != NULL;
	p->emulated = rl_emulated(&p->run) > 0;
	p->incomplete = rl_incomplete(&p->run, name, sizeof(name)) != NULL;
	site_file_name(base, sizeof(base), p->kernel);
	site_file_name(name, sizeof(name), slash ? slash + 1 : p->run.dir);
	snprintf(p->href, sizeof(p->href), "runs/%s/%s.html", base, name);
	/* two directories whose names differ only where a file name cannot: numbered */
	while (json_object_get(names, p->href))
		snprintf(p->href, sizeof(p->href), "runs/%s/%s-%zu.html", base, name, ++n);
	json_object_set_new(names, p->href, json_true());
}

static int add_run(struct pub_archive *a, const char *dir, json_t *names)
{
	struct pub_run *p = calloc(1, sizeof(*p)), **runs;

	if (!p)
		return -ENOMEM;
	if (rl_load_light(dir, &p->run)) {
		free(p);
		return json_array_append_new(a->skipped, json_pack("{ssss}", "dir", dir, "why",
								   rl_load_said())) ? -ENOMEM : 0;
	}
	runs = realloc(a->runs, (a->nr + 1) * sizeof(*runs));
	if (!runs) {
		rl_free(&p->run);
		free(p);
		return -ENOMEM;
	}
	a->runs = runs;
	describe(p, names);
	a->runs[a->nr++] = p;
	return 0;
}

/* archive_walk()'s callback: what add_run() needs. */
struct walk_arg {
	struct pub_archive *a;
	json_t *names;
};

static int walk_run(const char *dir, void *arg)
{
	struct walk_arg *w = arg;

	return add_run(w->a, dir, w->names);
}

/* archive_each_dir()'s callback: a refused run too is read, to be listed in the reader's words. */
static int indexed_run(const char *dir, const char *label, bool refused, void *arg)
{
	(void)label;
	(void)refused;
	return walk_run(dir, arg);
}

/*
 * The run directories as the root's index has them (made when missing), else as found by
 * walking the root: the same runs in the same order.
 */
static int each_run(const char *root, struct walk_arg *w)
{
	struct archive *idx = NULL;
	struct stat st;
	int err = 0;

	/* a root that is no directory is archive_walk()'s to refuse */
	if (!stat(root, &st) && S_ISDIR(st.st_mode))
		idx = archive_for_reading(root, true, &err);
	if (err == -EPROTO)
		return -EINVAL;
	if (err)
		fprintf(stderr, "mmbench: publish: reading every run of %s instead\n", root);
	return idx ? archive_each_dir(idx, NULL, indexed_run, w) :
	       archive_walk(root, "publish", walk_run, w);
}

/*
 * The one place publish reads the archive: every run directory ROOT/<kernel>/<run> (and
 * ROOT/<run>) the index lists, read light (samples and medians, no bootstrap) and quietly; a
 * run that cannot be read is listed with why.
 */
static int archive_read(const char *root, struct pub_archive *a)
{
	json_t *names = json_object();
	int err;

	snprintf(a->root, sizeof(a->root), "%s", root);
	a->skipped = json_array();
	if (!names || !a->skipped) {
		json_decref(names);
		return -ENOMEM;
	}
	err = each_run(root, &(struct walk_arg){ a, names });
	json_decref(names);
	if (!err && !a->nr) {
		fprintf(stderr, "mmbench: publish: %s: no run directory can be read\n", root);
		err = -EINVAL;
	}
	return err;
}

static void archive_free(struct pub_archive *a)
{
	for (size_t i = 0; i < a->nr; i++) {
		rl_free(&a->runs[i]->run);
		free(a->runs[i]);
	}
	free(a->runs);
	json_decref(a->skipped);
}

static int by_version(const void *a, const void *b)
{
	return kversion_cmp(*(const char *const *)a, *(const char *const *)b);
}

const char **pub_kernels(const struct pub_archive *a, size_t *nr)
{
	const char **k = calloc(a->nr + 1, sizeof(*k));
	size_t n = 0;

	for (size_t i = 0; k && i < a->nr; i++) {
		size_t j = 0;

		while (j < n && strcmp(k[j], a->runs[i]->kernel))
			j++;
		if (j == n)
			k[n++] = a->runs[i]->kernel;
	}
	if (k)
		qsort(k, n, sizeof(*k), by_version);
	*nr = n;
	return k;
}

const struct pub_run **pub_hosts(const struct pub_archive *a, size_t *nr)
{
	const struct pub_run **h = calloc(a->nr + 1, sizeof(*h));
	size_t n = 0;

	for (size_t i = 0; h && i < a->nr; i++) {
		size_t j = 0;

		while (j < n && strcmp(h[j]->hostid, a->runs[i]->hostid))
			j++;
		if (j == n)
			h[n++] = a->runs[i];
	}
	*nr = n;
	return h;
}

struct rl_run **pub_host_runs(const struct pub_archive *a, const char *hostid, size_t *nr)
{
	struct rl_run **r = calloc(a->nr + 1, sizeof(*r));
	size_t n = 0;

	for (size_t i = 0; r && i < a->nr; i++)
		if (!strcmp(a->runs[i]->hostid, hostid) && !a->runs[i]->incomplete &&
		    !a->runs[i]->bisect)
			r[n++] = &a->runs[i]->run;
	*nr = n;
	return r;
}

void pub_trend_href(char *buf, size_t len, const char *hostid, const char *bench,
		    const char *metric)
{
	snprintf(buf, len, "trends/%s/%s--%s.html", hostid, bench, metric);
}

void pub_compare_href(char *buf, size_t len, const char *hostid, const char *a, const char *b)
{
	char fa[128], fb[128];

	site_file_name(fa, sizeof(fa), a);
	site_file_name(fb, sizeof(fb), b);
	snprintf(buf, len, "compare/%s/%s--%s.html", hostid, fa, fb);
}

/* A run's page: its report with the charts inline, then the links around it. */
static void run_body(FILE *f, struct site *s, void *arg)
{
	struct pub_run *p = arg;
	char kfile[200], kpage[300];

	site_file_name(kfile, sizeof(kfile), p->kernel);
	snprintf(kpage, sizeof(kpage), "kernels/%s.html", kfile);
	html_printf(f, "<p>kernel <a href=\"%s\">%s</a>, host <code>%s</code>%s</p>\n",
		    site_href(s, kpage), p->kernel, p->host,
		    p->incomplete ? " (INCOMPLETE: left out of trends and comparisons)" : "");
	html_run_body(f, &p->run);
}

/* The bootstrap intervals a run's page shows, which the light read left out. */
static void summarise(struct rl_run *run)
{
	for (size_t b = 0; b < run->nr_benches; b++)
		for (size_t c = 0; c < run->benches[b].nr_cases; c++)
			for (size_t m = 0; m < run->benches[b].cases[c].nr_metrics; m++) {
				struct rl_metric *rm = &run->benches[b].cases[c].metrics[m];

				if (rm->n)
					stats_summary(rm->samples, rm->n, &rm->s);
			}
}

static int publish_runs(struct site *s, const struct pub_archive *a)
{
	int err = 0;

	for (size_t i = 0; i < a->nr && !err; i++) {
		char title[400];

		summarise(&a->runs[i]->run);
		snprintf(title, sizeof(title), "Run %s%s%s on %s", a->runs[i]->id,
			 a->runs[i]->label[0] ? ", label " : "", a->runs[i]->label, a->runs[i]->kernel);
		err = site_page(s, a->runs[i]->href, title, run_body, a->runs[i]);
	}
	return err;
}

static int (*const parts[])(struct site *s, const struct pub_archive *a) = {
	publish_runs, publish_trends, publish_compares, publish_regressions, publish_kernels,
	publish_index,
};

static int publish(struct site *s, const char *root)
{
	struct pub_archive a = { 0 };
	struct timespec t0, t1;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = archive_read(root, &a);
	if (err) {
		archive_free(&a);
		return err == -EINVAL ? KSFT_USAGE : KSFT_FAIL;
	}
	/* the regressions need what trends and comparisons found; the index lists their pages */
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && !err; i++)
		err = parts[i](s, &a);
	if (!err)
		err = site_prune(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!err)
		printf("publish: %s: %zu runs (%zu unreadable), %zu pages: %zu written, %zu unchanged, "
		       "%zu removed, %.1f s\n", s->out, a.nr, json_array_size(a.skipped),
		       json_object_size(s->pages), s->written, s->same, s->removed,
		       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	else if (err == -ENOMEM)
		fprintf(stderr, "mmbench: publish: %s\n", strerror(ENOMEM));
	archive_free(&a);
	return err ? KSFT_FAIL : KSFT_PASS;
}

/* A base URL is only ever an http(s) address: it goes into every page's head. */
static bool url_ok(const char *u)
{
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return (!strncmp(u, "https://", 8) || !strncmp(u, "http://", 7)) && !strpbrk(u, "\"'<>\\`") &&
	       strlen(u) < 512;
}

int cmd_publish(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' }, { "out", required_argument, NULL, 'o' },
		{ "base-url", required_argument, NULL, 'b' }, { "db", required_argument, NULL, 'd' },
		{ 0 },
	};
	const char *root = getenv("MMBENCH_RESULTS"), *out = NULL, *db = NULL;
	static char db_dir[PATH_MAX];
	bool root_given = false;
	struct site s = { .up = "" };
	char base[600];
	int code;

	optind = 0;
	while ((code = arg_next(argc, argv, "", opts, "mmbench publish")) != -1) {
		switch (code) {
		case 'r': root = optarg; root_given = true; break;
		case 'o': out = optarg; break;
		case 'd': db = optarg; break;
		case 'b':
			if (!url_ok(optarg))
				return usage("--base-url is an http:// or https:// address");
			snprintf(base, sizeof(base), "%s", optarg);
			if (base[0] && base[strlen(base) - 1] == '/')
				base[strlen(base) - 1] = 0;
			s.base_url = base;
			break;
		default: return KSFT_USAGE;
		}
	}
	if (optind < argc)
		return usage("no arguments besides the options");
	if (!out || !*out)
		return usage("--out SITE is needed");
	if (db && root_given)
		return usage("--root and --db name two archives: one of them");
	if (!site_usable(out))
		return usage("--out is neither empty nor a site mmbench published: nothing written");
	/* --db: the shared archive, through its local copy (db_root()), as trend reads it */
	if (db) {
		code = db_root("publish", db, db_dir, sizeof(db_dir));
		if (code)
			return code;
		root = db_dir;
	}
	snprintf(s.out, sizeof(s.out), "%s", out);
	s.pages = json_object();
	if (!s.pages)
		return KSFT_FAIL;
	code = publish(&s, root && *root ? root : "results");
	json_decref(s.pages);
	free(s.found);
	return code;
}
