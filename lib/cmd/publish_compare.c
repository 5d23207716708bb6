/*
 * The comparisons of a published site: on each host, each kernel against the one before it
 * in version order, and each ab on record (runs of one `ab` id, side A against side B), by
 * compare's engine over the archive's runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/compare_diff.h"
#include "cmd/publish.h"
#include "report/compare_summary.h"
#include "report/html.h"
#include "report/html_pages.h"

static void compare_body(FILE *f, struct site *s, void *arg)
{
	const struct host_page *p = arg;
	struct html_links links = { pub_run_link, s };

	pub_host_line(f, p->host);
	html_cmp_body(f, p->what, &links);
}

/* Which runs of a host make a side: a kernel's, or one side of an ab. */
struct side_pick {
	const char *kernel, *ab, *ab_side;	/* NULL: any */
};

static bool picked(const struct pub_run *p, const struct side_pick *k)
{
	return (!k->kernel || !strcmp(p->kernel, k->kernel)) && (!k->ab || !strcmp(p->ab, k->ab)) &&
	       (!k->ab_side || !strcmp(p->ab_side, k->ab_side));
}

/* The runs @k picks of @runs as side @s (the newest RUNSET_MAX), borrowed from the archive. */
static void fill_side(struct cmp_side *side, size_t s, struct rl_run **runs, size_t nr,
		      const struct side_pick *k)
{
	size_t n = 0;

	for (size_t r = 0; r < nr; r++)
		n += picked((struct pub_run *)runs[r], k);
	for (size_t r = 0, seen = 0; r < nr; r++)
		if (picked((struct pub_run *)runs[r], k) && seen++ + RUNSET_MAX >= n)
			side->set.runs[side->set.nr++] = runs[r];
	side->set.is_set = true;
	snprintf(side->label, sizeof(side->label), "%c %s (%zu run%s)", (int)('A' + s),
		 side->set.nr ? ((struct pub_run *)side->set.runs[0])->kernel : "?", side->set.nr,
		 side->set.nr == 1 ? "" : "s");
}

static int compare_findings(struct site *s, const struct cmp *c, const char *hostid,
			    const char *href)
{
	char what[200], where[300], mech[400];
	int err = 0;

	snprintf(where, sizeof(where), "%s -> %s", c->sides[0].label + 2, c->sides[1].label + 2);
	for (size_t i = 0; i < c->nr_rows && !err; i++) {
		const struct cmp_row *r = &c->rows[i];

		if (r->res.v != VERDICT_BETTER && r->res.v != VERDICT_WORSE &&
		    r->res.v != VERDICT_INCONCLUSIVE)
			continue;
		snprintf(what, sizeof(what), "%s %s %s", r->bench, r->key, r->metric);
		err = pub_add_finding(s, hostid, what, where, href, &r->res,
				      cmp_mechanism_text(c, r, mech, sizeof(mech)));
	}
	return err;
}

/* Side @pick[1] against side @pick[0] on one host: the page @href, and its findings. */
static int compare_one(struct site *s, const struct pub_run *host, struct rl_run **runs,
		       size_t nr, const struct side_pick *pick, const char *href, const char *title)
{
	struct cmp *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	fill_side(&c->sides[0], 0, runs, nr, &pick[0]);
	fill_side(&c->sides[1], 1, runs, nr, &pick[1]);
	c->nr_sides = 2;
	/* sides of other schemas are said on stderr and not compared */
	err = !c->sides[0].set.nr || !c->sides[1].set.nr || cmp_check_schemas(c) ? 0 :
	      cmp_build_rows(c) ?: cmp_judge(c) ?: cmp_manifest_diffs(c);
	if (!err && c->nr_rows) {
		err = site_page(s, href, title, compare_body, &(struct host_page){ c, host });
		if (!err)
			err = compare_findings(s, c, host->hostid, href);
	}
	/* the runs are the archive's: the sides only borrowed them */
	c->sides[0].set.nr = c->sides[1].set.nr = 0;
	cmp_free(c);
	free(c);
	return err;
}

/* @kb against the kernel before it, @ka. */
static int compare_kernels(struct site *s, const struct pub_run *host, struct rl_run **runs,
			   size_t nr, const char *ka, const char *kb)
{
	const struct side_pick pick[2] = { { ka, NULL, NULL }, { kb, NULL, NULL } };
	char href[PATH_MAX], title[500];

	pub_compare_href(href, sizeof(href), host->hostid, ka, kb);
	snprintf(title, sizeof(title), "Compare: %s against %s on %s", kb, ka, host->hostid);
	return compare_one(s, host, runs, nr, pick, href, title);
}

/* Every ab on record on this host: its B boots against its A boots, as ab compared them. */
static int compare_abs(struct site *s, const struct pub_run *host, struct rl_run **runs,
		       size_t nr)
{
	json_t *done = json_object();
	int err = done ? 0 : -ENOMEM;

	for (size_t r = 0; r < nr && !err; r++) {
		const struct pub_run *p = (const struct pub_run *)runs[r];
		const struct side_pick pick[2] = { { NULL, p->ab, "A" }, { NULL, p->ab, "B" } };
		char href[PATH_MAX], name[100], title[500];

		if (!p->ab[0] || json_object_get(done, p->ab))
			continue;
		json_object_set_new(done, p->ab, json_true());
		site_file_name(name, sizeof(name), p->ab);
		snprintf(href, sizeof(href), "compare/%s/ab-%s.html", host->hostid, name);
		snprintf(title, sizeof(title), "A/B %s on %s", p->ab, host->hostid);
		err = compare_one(s, host, runs, nr, pick, href, title);
	}
	json_decref(done);
	return err;
}

int publish_compares(struct site *s, const struct pub_archive *a)
{
	size_t nh, nk, nr;
	const struct pub_run **hosts = pub_hosts(a, &nh);
	const char **kernels = pub_kernels(a, &nk);
	int err = hosts && kernels ? 0 : -ENOMEM;

	for (size_t h = 0; h < nh && !err; h++) {
		struct rl_run **runs = pub_host_runs(a, hosts[h]->hostid, &nr);
		const char *prev = NULL;

		for (size_t k = 0; runs && k < nk && !err; k++) {
			bool has = false;

			for (size_t r = 0; r < nr && !has; r++)
				has = !strcmp(((struct pub_run *)runs[r])->kernel, kernels[k]);
			if (!has)
				continue;
			if (prev)
				err = compare_kernels(s, hosts[h], runs, nr, prev, kernels[k]);
			prev = kernels[k];
		}
		if (!runs)
			err = -ENOMEM;
		else if (!err)
			err = compare_abs(s, hosts[h], runs, nr);
		free(runs);
	}
	free(hosts);
	free(kernels);
	return err;
}

