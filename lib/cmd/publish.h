/*
 * mmbench publish: the archive as a static site (publish.c reads it and runs the pages,
 * publish_site.c writes pages that changed, publish_index.c the index and kernel pages,
 * publish_trend.c the trends and regressions, publish_compare.c the comparisons).
 */
#ifndef MMBENCH_PUBLISH_H
#define MMBENCH_PUBLISH_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "results/results_read.h"
#include "stats/verdict.h"

/* A run of the archive; the rl_run first, so a page's link callback finds the rest. */
struct pub_run {
	struct rl_run run;
	char kernel[160];
	char host[256];			/* rl_host(): the machine's fingerprint */
	char hostid[16];		/* "h" and its hash: the host in file names */
	char id[128];			/* run_id, else the directory's name */
	char date[40];			/* start_time as written */
	char label[160];
	char href[PATH_MAX];		/* its page, from the site's top */
	char ab[64], ab_side[8];		/* vm.ab.id and side of an ab boot; "" otherwise */
	bool emulated, incomplete;
	bool bisect;			/* a bisect step's run: it measured a commit, not a release */
};

struct pub_archive {
	char root[PATH_MAX];
	struct pub_run **runs;		/* in directory order */
	size_t nr;
	json_t *skipped;		/* [{"dir", "why"}]: runs that could not be read */
};

/* Something the regressions page lists: a change point, a step or a comparison's row. */
struct pub_finding {
	char host[16], what[200], where[300];	/* where: "6.1 .. 6.18" */
	char href[PATH_MAX];			/* the page it comes from */
	char mech[400];				/* a comparison's mechanism line; "" for none */
	struct vresult res;
};

struct site {
	char out[PATH_MAX];
	const char *base_url;			/* NULL: pages carry no address of their own */
	const char *up;				/* the page being written: "" or "../" ... */
	size_t written, same, removed;
	json_t *pages;				/* every page of this publish: name -> true */
	struct pub_finding *found;		/* for the regressions page */
	size_t nr_found;
};

/* A page about one host: what it shows (a trend, a comparison) and the host. */
struct host_page {
	const void *what;
	const struct pub_run *host;
};

/* What writes a page's body (between the frame html_head() and html_foot() make). */
typedef void (*page_body_fn)(FILE *f, struct site *s, void *arg);

/*
 * The page @rel (from the site's top) titled @title: rendered whole in memory, written only
 * when it differs from the file there. 0 or -errno (after one line).
 */
int site_page(struct site *s, const char *rel, const char *title, page_body_fn body, void *arg);
/* Pages a previous publish wrote that this one did not: removed. 0 or -errno. */
int site_prune(struct site *s);
/* Whether @out may be published into: absent, empty or a site publish wrote (its list). */
bool site_usable(const char *out);
/* A link from the page being written to @rel: "../runs/x.html"; a static buffer of 4. */
const char *site_href(const struct site *s, const char *rel);
/* A name fit for a file: [A-Za-z0-9._-], others '_', at most 100 bytes. */
void site_file_name(char *buf, size_t len, const char *s);

/* The site's parts, in the order publish writes them. */
int publish_trends(struct site *s, const struct pub_archive *a);
int publish_compares(struct site *s, const struct pub_archive *a);
int publish_regressions(struct site *s, const struct pub_archive *a);
int publish_index(struct site *s, const struct pub_archive *a);
int publish_kernels(struct site *s, const struct pub_archive *a);

/* Kernel releases of @a in version order, each once (NULL-terminated, malloc'd array). */
const char **pub_kernels(const struct pub_archive *a, size_t *nr);
/* Hosts of @a (their pub_run, the first run seen of each), NULL-terminated, malloc'd. */
const struct pub_run **pub_hosts(const struct pub_archive *a, size_t *nr);
/* The runs of @a on @hostid usable for judging (not INCOMPLETE, no bisect step), malloc'd. */
struct rl_run **pub_host_runs(const struct pub_archive *a, const char *hostid, size_t *nr);
/* The trend page of one host, bench and metric. */
void pub_trend_href(char *buf, size_t len, const char *hostid, const char *bench,
		    const char *metric);
/* The line that says which host a page is about. */
void pub_host_line(FILE *f, const struct pub_run *host);
/* A page's link to a run of the archive (struct html_links' run; @ctx is the site). */
const char *pub_run_link(void *ctx, const struct rl_run *run);
/* Something for the regressions page (@mech: its mechanism line, or NULL): 0 or -ENOMEM. */
int pub_add_finding(struct site *s, const char *host, const char *what, const char *where,
		    const char *href, const struct vresult *res, const char *mech);
/* The comparison page of two kernels on one host. */
void pub_compare_href(char *buf, size_t len, const char *hostid, const char *a, const char *b);

#endif
