/* `mmbench compare BASE NEW [MORE..]`: verdicts per case and metric, with every manifest difference. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cmds.h"
#include "compare.h"
#include "plots.h"
#include "util.h"

struct cmp_args {
	const char *dirs[CMP_MAX_RUNS];
	size_t nr_dirs;
	bool md;
	const char *json, *plots;
};

static int usage(const char *why)
{
	fprintf(stderr, "mmbench: compare: %s (usage: mmbench compare BASE_DIR NEW_DIR [MORE_DIR..] "
		"[--format text|md] [--json FILE] [--plots DIR])\n", why);
	return KSFT_USAGE;
}

/* The value of option @name ("--name VALUE" or "--name=VALUE"), advancing *i; NULL if @arg is not it. */
static const char *opt_value(const char *name, int argc, char **argv, int *i, bool *missing)
{
	size_t len = strlen(name);
	const char *arg = argv[*i];

	if (strncmp(arg, name, len) || (arg[len] && arg[len] != '='))
		return NULL;
	if (arg[len] == '=')
		return arg + len + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	*missing = true;
	return NULL;
}

static int parse_args(int argc, char **argv, struct cmp_args *a)
{
	const char *fmt = NULL, *v;
	bool missing = false;
	char why[256];
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			if (a->nr_dirs == CMP_MAX_RUNS)
				return usage("at most 26 runs");
			a->dirs[a->nr_dirs++] = argv[i];
		} else if ((v = opt_value("--format", argc, argv, &i, &missing))) {
			fmt = v;
		} else if ((v = opt_value("--json", argc, argv, &i, &missing))) {
			a->json = v;
		} else if ((v = opt_value("--plots", argc, argv, &i, &missing))) {
			a->plots = v;
		} else {
			snprintf(why, sizeof(why), missing ? "%s needs a value" : "unknown option '%s'",
				 argv[i]);
			return usage(why);
		}
	}
	if (fmt && strcmp(fmt, "text") && strcmp(fmt, "md")) {
		snprintf(why, sizeof(why), "--format is text or md, not '%s'", fmt);
		return usage(why);
	}
	a->md = fmt && !strcmp(fmt, "md");
	if (a->nr_dirs < 2)
		return usage("needs a base and at least one other run directory");
	return 0;
}

static int add_row(struct cmp *c, const struct cmp_row *r)
{
	struct cmp_row *rows = realloc(c->rows, (c->nr_rows + 1) * sizeof(*rows));

	if (!rows)
		return -ENOMEM;
	c->rows = rows;
	rows[c->nr_rows++] = *r;
	return 0;
}

/* Why a side has no value, short (the case header gives a skip's reason in full). */
static void why_missing(char *buf, size_t len, char run, const struct rl_bench *b,
			const struct rl_case *cs)
{
	if (!b)
		snprintf(buf, len, "no bench in %c", run);
	else if (!cs)
		snprintf(buf, len, "no case in %c", run);
	else if (strcmp(cs->status, "ok"))
		snprintf(buf, len, "%.8s in %c", cs->status, run);
	else
		snprintf(buf, len, "not measured in %c", run);
}

/* Rows of one case: every metric either side has, against every other run. */
static int case_rows(struct cmp *c, const char *bench, const char *key)
{
	const struct rl_case *cases[CMP_MAX_RUNS];
	const struct rl_bench *benches[CMP_MAX_RUNS];
	size_t r, s, m;
	int err;

	for (r = 0; r < c->nr_runs; r++) {
		benches[r] = rl_find_bench(c->runs[r], bench);
		cases[r] = rl_find_case(benches[r], key);
	}
	for (s = 0; s < c->nr_runs; s++) {
		for (m = 0; cases[s] && m < cases[s]->nr_metrics; m++) {
			const struct rl_metric *rm = &cases[s]->metrics[m];
			size_t t;

			/* Each metric once, from the first run that has it. */
			for (t = 0; t < s && !rl_find_metric(cases[t], rm->name); t++)
				;
			if (t < s)
				continue;
			for (r = 1; r < c->nr_runs; r++) {
				struct cmp_row row = {
					.bench = bench, .key = key, .metric = rm->name,
					.unit = rm->unit, .better = rm->better, .run = r,
					.ratio = NAN, .lo = NAN, .hi = NAN, .p = NAN, .q = NAN,
				};

				if (cases[0] && !strcmp(cases[0]->status, "ok"))
					row.b = rl_find_metric(cases[0], rm->name);
				if (cases[r] && !strcmp(cases[r]->status, "ok"))
					row.c = rl_find_metric(cases[r], rm->name);
				if (!row.b)
					why_missing(row.why, sizeof(row.why), 'A', benches[0], cases[0]);
				else if (!row.c)
					why_missing(row.why, sizeof(row.why), 'A' + r, benches[r], cases[r]);
				err = add_row(c, &row);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

/* Benches and cases in the base's order, then those only the other runs have. */
static int build_rows(struct cmp *c)
{
	size_t r, b, k, s, t;
	int err;

	for (r = 0; r < c->nr_runs; r++) {
		for (b = 0; b < c->runs[r]->nr_benches; b++) {
			const struct rl_bench *rb = &c->runs[r]->benches[b];

			for (t = 0; t < r && !rl_find_bench(c->runs[t], rb->name); t++)
				;
			if (t < r)
				continue;	/* done with the first run that has it */
			for (s = r; s < c->nr_runs; s++) {
				const struct rl_bench *sb = rl_find_bench(c->runs[s], rb->name);

				for (k = 0; sb && k < sb->nr_cases; k++) {
					const char *key = sb->cases[k].key;

					for (t = r; t < s && !rl_find_case(rl_find_bench(c->runs[t],
							rb->name), key); t++)
						;
					if (t < s)
						continue;
					err = case_rows(c, rb->name, key);
					if (err)
						return err;
				}
			}
		}
	}
	return 0;
}

/* Ratio, test, BH over every tested row of the report, verdict. */
static int judge(struct cmp *c)
{
	double *p = calloc(c->nr_rows + 1, sizeof(*p)), *q = calloc(c->nr_rows + 1, sizeof(*q));
	size_t i, n = 0;

	if (!p || !q) {
		free(p);
		free(q);
		return -ENOMEM;
	}
	for (i = 0; i < c->nr_rows; i++) {
		struct cmp_row *r = &c->rows[i];

		if (!r->b || !r->c || !r->b->n || !r->c->n)
			continue;
		if (stats_ratio_ci(r->b->samples, r->b->n, r->c->samples, r->c->n,
				   &r->ratio, &r->lo, &r->hi) == -ENOMEM) {
			free(p);
			free(q);
			return -ENOMEM;
		}
		/* Only a metric that can get a verdict counts as a test. */
		if (r->better == BETTER_NONE || r->b->n < STATS_MIN_SAMPLES ||
		    r->c->n < STATS_MIN_SAMPLES || isnan(r->ratio))
			continue;
		r->p = stats_mann_whitney_p(r->b->samples, r->b->n, r->c->samples, r->c->n);
		/* The q's are handed back to the rows with a p: a NaN p must not take a slot. */
		if (!isnan(r->p))
			p[n++] = r->p;
	}
	stats_bh(p, n, q);
	c->nr_tests = n;
	for (i = 0, n = 0; i < c->nr_rows; i++) {
		struct cmp_row *r = &c->rows[i];
		struct verdict_in in = {
			.better = r->better, .ratio = r->ratio, .lo = r->lo, .hi = r->hi,
			.nb = r->b ? r->b->n : 0, .nc = r->c ? r->c->n : 0,
			.cv_base = r->b ? r->b->s.cv : 0, .cv_new = r->c ? r->c->s.cv : 0,
		};
		const char *why;

		if (!isnan(r->p))
			r->q = q[n++];
		in.q = r->q;
		if (!r->b || !r->c) {
			r->v = r->better == BETTER_NONE ? VERDICT_INFO : VERDICT_NA;
		} else {
			r->v = stats_verdict(&in, &why);
			if (why && r->v == VERDICT_NA)
				snprintf(r->why, sizeof(r->why), "%s", why);
		}
		c->count[r->v]++;
	}
	free(p);
	free(q);
	return 0;
}

/*
 * Fields that describe a run rather than the system it ran on (top level), and
 * free memory, which moves between any two runs: never a difference.
 */
static bool skip_field(const char *k, bool top)
{
	static const char *const run_fields[] = { "schema", "run_id", "label", "start_time",
						  "end_time", "command_line", NULL };

	for (const char *const *s = run_fields; top && *s; s++)
		if (!strcmp(k, *s))
			return true;
	return strcasestr(k, "free") || strcasestr(k, "avail");
}

static void flatten(json_t *v, const char *prefix, json_t *out)
{
	char key[160], buf[4096];
	const char *k;
	json_t *x;

	size_t i;

	if (json_is_array(v) && json_array_size(v) && json_is_object(json_array_get(v, 0))) {
		/* Per-node lists: each number on its own, so a tolerance can apply to it. */
		json_array_foreach(v, i, x) {
			snprintf(key, sizeof(key), "%s.%zu", prefix, i);
			flatten(x, key, out);
		}
		return;
	}
	if (!json_is_object(v)) {
		json_object_set_new(out, prefix, json_string(rl_json_text(v, buf, sizeof(buf))));
		return;
	}
	json_object_foreach(v, k, x) {
		if (skip_field(k, !*prefix))
			continue;
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
		flatten(x, key, out);
	}
}

/* The command line without the words that name the kernel image: those change with the kernel. */
static void cmdline_rest(const char *v, char *buf, size_t len)
{
	char *copy = strdup(v ?: ""), *save = NULL, *w;
	size_t off = 0;

	buf[0] = '\0';
	for (w = copy ? strtok_r(copy, " ", &save) : NULL; w && off < len;
	     w = strtok_r(NULL, " ", &save))
		if (strncmp(w, "BOOT_IMAGE=", 11) && strncmp(w, "initrd=", 7))
			off += snprintf(buf + off, len - off, "%s ", w);
	free(copy);
}

/*
 * Numbers within 1% of the base's (total memory shrinks or grows with the
 * kernel's own size): the kernel's doing, not a confounder.
 */
static bool near_numbers(const struct cmp_diff *d, size_t nr_runs)
{
	char *end;
	double a, b;
	size_t r;

	if (!d->val[0] || !strcasestr(d->key, "mem"))
		return false;
	a = strtod(d->val[0], &end);
	if (*end || a <= 0)
		return false;
	for (r = 1; r < nr_runs; r++) {
		if (!d->val[r])
			return false;
		b = strtod(d->val[r], &end);
		if (*end || fabs(b - a) > 0.01 * a)
			return false;
	}
	return true;
}

/* A difference that comes with the kernel under test, not a confounder. */
static bool kernel_field(const struct cmp_diff *d, size_t nr_runs)
{
	char a[4096], b[4096];
	size_t r;

	if (!strcmp(d->key, "kernel.release") || !strcmp(d->key, "kernel.version") ||
	    !strcmp(d->key, "kernel.config_digest"))
		return true;
	if (strcmp(d->key, "kernel.cmdline"))
		return near_numbers(d, nr_runs);
	cmdline_rest(d->val[0], a, sizeof(a));
	for (r = 1; r < nr_runs; r++) {
		cmdline_rest(d->val[r], b, sizeof(b));
		if (strcmp(a, b))
			return false;
	}
	return true;
}

static int manifest_diffs(struct cmp *c)
{
	json_t *flat[CMP_MAX_RUNS];
	size_t r, s, i;
	const char *k;
	json_t *v;
	int err = 0;

	for (r = 0; r < c->nr_runs; r++) {
		flat[r] = json_object();
		flatten(c->runs[r]->manifest, "", flat[r]);
	}
	for (r = 0; r < c->nr_runs && !err; r++) {
		json_object_foreach(flat[r], k, v) {
			struct cmp_diff *d;
			bool differ = false, seen = false;

			for (s = 0; s < r; s++)
				seen |= json_object_get(flat[s], k) != NULL;
			for (s = 0; s < c->nr_runs; s++)
				differ |= !json_equal(json_object_get(flat[s], k), v);
			if (seen || !differ)
				continue;
			d = realloc(c->diffs, (c->nr_diffs + 1) * sizeof(*d));
			if (!d) {
				err = -ENOMEM;
				break;
			}
			c->diffs = d;
			d += c->nr_diffs++;
			memset(d, 0, sizeof(*d));
			snprintf(d->key, sizeof(d->key), "%s", k);
			for (s = 0; s < c->nr_runs; s++) {
				json_t *x = json_object_get(flat[s], k);

				d->val[s] = x ? strdup(json_string_value(x)) : NULL;
			}
			d->kernel = kernel_field(d, c->nr_runs);
			c->nr_warn += !d->kernel;
		}
	}
	for (i = 0; i < c->nr_runs; i++)
		json_decref(flat[i]);
	return err;
}

/* Runs of one report must speak the same schema. */
static int check_schemas(const struct cmp *c)
{
	char a[64], b[64];
	const char *sa = rl_manifest_str(c->runs[0], "schema", a, sizeof(a));
	size_t r;

	for (r = 1; r < c->nr_runs; r++) {
		const char *sb = rl_manifest_str(c->runs[r], "schema", b, sizeof(b));

		if ((sa || sb) && (!sa || !sb || strcmp(sa, sb))) {
			fprintf(stderr, "mmbench: %s: schema \"%s\" differs from the base's \"%s\" (%s)\n",
				c->runs[r]->manifest_path, sb ?: "none", sa ?: "none",
				c->runs[0]->manifest_path);
			return -EINVAL;
		}
	}
	return 0;
}

static void cmp_free(struct cmp *c)
{
	size_t i, r;

	for (i = 0; i < c->nr_diffs; i++)
		for (r = 0; r < c->nr_runs; r++)
			free(c->diffs[i].val[r]);
	free(c->diffs);
	free(c->rows);
	for (r = 0; r < c->nr_runs; r++) {
		if (c->runs[r])
			run_free(c->runs[r]);
		free(c->runs[r]);
	}
}

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

int cmd_compare(int argc, char **argv)
{
	struct plot_list plots = { 0 };
	const char *labels[CMP_MAX_RUNS];
	struct cmp_args a;
	struct cmp c = { 0 };
	char prefix[PATH_MAX + 2] = "", rel[64], id[96];
	size_t r;
	int err, ret = KSFT_USAGE;

	err = parse_args(argc, argv, &a);
	if (err)
		return err;
	/* Everything is read and checked before anything is written. */
	for (r = 0; r < a.nr_dirs; r++) {
		c.runs[r] = calloc(1, sizeof(*c.runs[r]));
		c.nr_runs = r + 1;
		if (!c.runs[r] || run_load_whole(a.dirs[r], c.runs[r])) {
			free(c.runs[r]);
			c.runs[r] = NULL;
			goto out;
		}
		snprintf(c.label[r], sizeof(c.label[r]), "%c %s %s", (int)('A' + r),
			 rl_manifest_str(c.runs[r], "kernel.release", rel, sizeof(rel)) ?: "?",
			 rl_manifest_str(c.runs[r], "run_id", id, sizeof(id)) ?: "");
		labels[r] = c.label[r];
	}
	if (check_schemas(&c))
		goto out;
	ret = KSFT_FAIL;
	if (build_rows(&c) || judge(&c) || manifest_diffs(&c)) {
		fprintf(stderr, "mmbench: compare: %s\n", strerror(ENOMEM));
		goto out;
	}
	if (a.json && cmp_write_json(a.json, &c))
		goto out;
	if (a.plots) {
		err = mkdir_p(a.plots);
		if (!err)
			err = plots_write(a.plots, c.runs, labels, c.nr_runs, &plots);
		if (!err)
			err = write_beside(&c, a.plots, &plots);
		if (err) {
			fprintf(stderr, "mmbench: %s: %s\n", a.plots, strerror(-err));
			goto out;
		}
		snprintf(prefix, sizeof(prefix), "%s/", a.plots);
	}
	if (a.md)
		cmp_print_md(stdout, &c, &plots, prefix);
	else
		cmp_print_text(stdout, &c);
	fflush(stdout);
	ret = c.count[VERDICT_WORSE] ? 3 : KSFT_PASS;
out:
	plot_list_free(&plots);
	cmp_free(&c);
	return ret;
}
