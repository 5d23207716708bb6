/* compare, from the sides' names to its outputs: read and check everything, judge, then write text, markdown, JSON and plots. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/bench.h"
#include "analysis/compare.h"
#include "analysis/compare_diff.h"
#include "report/compare_json.h"
#include "cmd/compare_main.h"
#include "report/compare_out.h"
#include "report/html_pages.h"
#include "analysis/paired_runs.h"
#include "report/plots.h"
#include "sys/atomic.h"
#include "sys/util.h"

/* <dir>/compare.txt and compare.md beside the plots, so the directory stands alone. */
static int write_beside(const struct cmp *c, const char *dir, const struct plot_list *plots)
{
	char path[PATH_MAX];
	FILE *f;
	int md, err = 0;

	for (md = 0; md < 2 && !err; md++) {
		snprintf(path, sizeof(path), "%s/compare.%s", dir, md ? "md" : "txt");
		f = fopen(path, "w");
		if (!f) {
			err = -errno;
			fprintf(stderr, "mmbench: %s: %s\n", path, strerror(errno));
			break;
		}
		if (md)
			cmp_print_md(f, c, plots, "");
		else
			cmp_print_text(f, c);
		if (fclose(f)) {
			err = -EIO;
			fprintf(stderr, "mmbench: %s: %s\n", path, strerror(EIO));
		}
	}
	return err;
}

static void side_label(struct cmp_side *side, size_t s)
{
	const struct rl_run *run = side->set.runs[0];
	char rel[64], id[96];

	rl_manifest_str(run, "kernel.release", rel, sizeof(rel));
	if (side->set.nr > 1 || side->set.is_set)
		snprintf(side->label, sizeof(side->label), "%c %s (%zu run%s)", (int)('A' + s),
			 rl_manifest_str(run, "kernel.release", rel, sizeof(rel)) ?: "?",
			 side->set.nr, side->set.nr == 1 ? "" : "s");
	else
		snprintf(side->label, sizeof(side->label), "%c %s %s", (int)('A' + s),
			 rl_manifest_str(run, "kernel.release", rel, sizeof(rel)) ?: "?",
			 rl_manifest_str(run, "run_id", id, sizeof(id)) ?: "");
}

/*
 * The host's between-run noise from the archive the base came from (or --history DIR),
 * leaving out the runs being compared.
 */
static int load_history(struct cmp *c, const char *opt)
{
	const char *skip[CMP_MAX_SIDES * RUNSET_MAX];
	char root[PATH_MAX], host[256], *tmp;
	size_t nskip = 0;

	if (opt && !strcmp(opt, "none"))
		return 0;
	if (opt) {
		snprintf(root, sizeof(root), "%s", opt);
	} else {
		/* results/<kernel>/<run>: the archive is two levels up */
		tmp = strdup(c->sides[0].set.runs[0]->dir);
		if (!tmp)
			return -ENOMEM;
		snprintf(root, sizeof(root), "%s", dirname(dirname(tmp)));
		free(tmp);
	}
	for (size_t s = 0; s < c->nr_sides; s++)
		for (size_t r = 0; r < c->sides[s].set.nr; r++)
			skip[nskip++] = c->sides[s].set.runs[r]->dir;
	c->use_history = true;
	return history_load(root, rl_host(c->sides[0].set.runs[0], host, sizeof(host)), skip,
			    nskip, &c->hist);
}

/* Every run of every side, labelled "A", "A2", .., for the plots. */
static int write_plots(const struct cmp *c, const char *dir, struct plot_list *plots)
{
	struct rl_run *runs[CMP_MAX_SIDES * RUNSET_MAX];
	char names[CMP_MAX_SIDES * RUNSET_MAX][200];
	const char *labels[CMP_MAX_SIDES * RUNSET_MAX];
	size_t n = 0;
	int err = mkdir_p(dir);

	for (size_t s = 0; s < c->nr_sides; s++)
		for (size_t r = 0; r < c->sides[s].set.nr; r++) {
			runs[n] = c->sides[s].set.runs[r];
			if (c->sides[s].set.nr == 1)
				snprintf(names[n], sizeof(names[n]), "%s", c->sides[s].label);
			else
				snprintf(names[n], sizeof(names[n]), "%c%zu %s", (int)('A' + s), r + 1,
					 c->sides[s].label + 2);
			labels[n] = names[n];
			n++;
		}
	if (!err)
		err = plots_write(dir, runs, labels, n, plots);
	if (!err)
		err = write_beside(c, dir, plots);
	if (err)
		fprintf(stderr, "mmbench: %s: %s\n", dir, strerror(-err));
	return err;
}

static int fill_html(FILE *f, void *c)
{
	cmp_print_html(f, c);
	return ferror(f) ? -EIO : 0;
}

/* --html FILE: the one-file page beside what stdout shows (text for the terminal, a file for the bug). */
static int write_html(const char *path, struct cmp *c)
{
	int err = atomic_write(path, fill_html, c);

	if (err)
		fprintf(stderr, "mmbench: compare: %s: %s\n", path, strerror(-err));
	return err;
}

int compare_main(const struct compare_args *args)
{
	const struct compare_args a = *args;
	struct plot_list plots = { 0 };
	struct cmp *c = calloc(1, sizeof(*c));
	char prefix[PATH_MAX + 2] = "";
	int ret = KSFT_USAGE;

	if (!c)
		return KSFT_FAIL;
	/* Everything is read and checked before anything is written. */
	for (size_t s = 0; s < a.nr_sides; s++) {
		if (runset_load(a.sides[s], a.label, &c->sides[s].set))
			goto out;
		c->nr_sides = s + 1;
		side_label(&c->sides[s], s);
	}
	if (cmp_check_schemas(c))
		goto out;
	c->paired = a.paired;
	for (size_t s = 1; s < c->nr_sides && c->paired; s++)
		if (paired_check_sides(c, s))
			goto out;
	ret = KSFT_FAIL;
	if ((!c->paired && load_history(c, a.history)) || cmp_build_rows(c) || cmp_judge(c) || cmp_manifest_diffs(c)) {
		fprintf(stderr, "mmbench: compare: %s\n", strerror(ENOMEM));
		goto out;
	}
	if (a.json && cmp_write_json(a.json, c))
		goto out;
	if (a.html_file && write_html(a.html_file, c))
		goto out;
	if (a.plots) {
		if (write_plots(c, a.plots, &plots))
			goto out;
		plots_announce(a.plots);
		snprintf(prefix, sizeof(prefix), "%s/", a.plots);
	}
	if (a.html)
		cmp_print_html(stdout, c);
	else if (a.md)
		cmp_print_md(stdout, c, &plots, prefix);
	else
		cmp_print_text(stdout, c);
	fflush(stdout);
	ret = c->count[VERDICT_WORSE] ? 3 : KSFT_PASS;
out:
	plot_list_free(&plots);
	cmp_free(c);
	free(c);
	return ret;
}
