/* `mmbench compare BASE NEW [MORE..]`: each side a run or a set of runs; verdicts per case and metric, with every manifest difference. */
#include <errno.h>
#include <libgen.h>
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
	const char *sides[CMP_MAX_SIDES];
	size_t nr_sides;
	bool md;
	const char *json, *plots, *label, *history;
};

static int usage(const char *why)
{
	fprintf(stderr, "mmbench: compare: %s (usage: mmbench compare BASE NEW [MORE..], each a "
		"run, a set directory or RUN,RUN,..; [--label TEXT] [--history DIR|none] "
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
			if (a->nr_sides == CMP_MAX_SIDES)
				return usage("at most 26 sides");
			a->sides[a->nr_sides++] = argv[i];
		} else if ((v = opt_value("--format", argc, argv, &i, &missing))) {
			fmt = v;
		} else if ((v = opt_value("--json", argc, argv, &i, &missing))) {
			a->json = v;
		} else if ((v = opt_value("--plots", argc, argv, &i, &missing))) {
			a->plots = v;
		} else if ((v = opt_value("--label", argc, argv, &i, &missing))) {
			a->label = v;
		} else if ((v = opt_value("--history", argc, argv, &i, &missing))) {
			a->history = v;
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
	if (a->nr_sides < 2)
		return usage("needs a base and at least one other side");
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

size_t cmp_side_cases(const struct cmp *c, size_t s, const char *bench, const char *key,
		      const struct rl_case **out)
{
	const struct run_set *set = &c->sides[s].set;
	size_t n = 0;

	for (size_t r = 0; r < set->nr; r++) {
		const struct rl_case *cs = rl_find_case(rl_find_bench(set->runs[r], bench), key);

		out[r] = cs && !strcmp(cs->status, "ok") ? cs : NULL;
		n += out[r] != NULL;
	}
	return n;
}

/* A counter's (or vmstat delta's) value per repetition, averaged over the runs of a side. */
double cmp_side_event(const struct rl_case *const *cs, size_t nr, const char *k, bool vmstat)
{
	double sum = 0;
	size_t n = 0;

	for (size_t r = 0; r < nr; r++) {
		json_t *x;

		if (!cs[r])
			continue;
		x = json_object_get(vmstat ? cs[r]->vmstat : cs[r]->counters, k);
		if (!vmstat)
			x = json_object_get(x, "val");
		if (!json_is_number(x))
			continue;
		sum += json_number_value(x) / cs[r]->reps;
		n++;
	}
	return n ? sum / n : NAN;
}

/* Why a side has no value, short (the case header gives a skip's reason in full). */
static void why_missing(char *buf, size_t len, const struct cmp *c, size_t s, const char *bench,
			const char *key)
{
	const struct rl_run *run = c->sides[s].set.runs[0];
	const struct rl_bench *b = rl_find_bench(run, bench);
	const struct rl_case *cs = rl_find_case(b, key);
	char name = (char)('A' + s);

	if (!b)
		snprintf(buf, len, "no bench in %c", name);
	else if (!cs)
		snprintf(buf, len, "no case in %c", name);
	else if (strcmp(cs->status, "ok"))
		snprintf(buf, len, "%.8s in %c", cs->status, name);
	else
		snprintf(buf, len, "not measured in %c", name);
}

/* The samples of @metric in every run of a side that has it, as a verdict side. */
static size_t side_samples(const struct rl_case *const *cases, size_t nr, const char *metric,
			   const double **x, size_t *n, double *cv)
{
	size_t k = 0, ncv = 0;

	*cv = 0;
	for (size_t r = 0; r < nr; r++) {
		const struct rl_metric *m = cases[r] ? rl_find_metric(cases[r], metric) : NULL;

		if (!m || !m->n)
			continue;
		x[k] = m->samples;
		n[k++] = m->n;
		if (m->n > 1 && isfinite(m->s.cv)) {
			*cv += m->s.cv;
			ncv++;
		}
	}
	*cv = ncv ? *cv / ncv : NAN;
	return k;
}

static void measure_row(struct cmp *c, struct cmp_row *row, const struct rl_case *const *bc,
			const struct rl_case *const *cc)
{
	const double *xb[RUNSET_MAX], *xc[RUNSET_MAX];
	size_t nb[RUNSET_MAX], nc[RUNSET_MAX];
	struct vside sb, sc;
	struct vnoise noise = { 0 };

	sb = (struct vside){ .x = xb, .n = nb };
	sc = (struct vside){ .x = xc, .n = nc };
	sb.nr_runs = row->nb = side_samples(bc, c->sides[0].set.nr, row->metric, xb, nb, &row->cv_b);
	sc.nr_runs = row->nc = side_samples(cc, c->sides[row->side].set.nr, row->metric, xc, nc,
					    &row->cv_c);
	if (c->use_history)
		row->history = history_noise(&c->hist, row->bench, row->key, row->metric, &noise);
	verdict_measure(&sb, &sc, row->history ? &noise : NULL, &row->res);
}

/* Rows of one case: every metric any side has, against every other side. */
static int case_rows(struct cmp *c, const char *bench, const char *key)
{
	const struct rl_case *cases[CMP_MAX_SIDES][RUNSET_MAX];
	json_t *seen = json_object();
	int err = 0;

	for (size_t s = 0; s < c->nr_sides; s++)
		cmp_side_cases(c, s, bench, key, cases[s]);
	for (size_t s = 0; s < c->nr_sides && !err; s++) {
		for (size_t r = 0; r < c->sides[s].set.nr && !err; r++) {
			const struct rl_case *cs = rl_find_case(rl_find_bench(c->sides[s].set.runs[r],
									      bench), key);

			for (size_t m = 0; cs && m < cs->nr_metrics && !err; m++) {
				const struct rl_metric *rm = &cs->metrics[m];

				if (json_object_get(seen, rm->name))
					continue;
				json_object_set_new(seen, rm->name, json_true());
				for (size_t o = 1; o < c->nr_sides && !err; o++) {
					struct cmp_row row = {
						.bench = bench, .key = key, .metric = rm->name,
						.unit = rm->unit, .better = rm->better, .side = o,
					};

					measure_row(c, &row, cases[0], cases[o]);
					if (!row.nb)
						why_missing(row.why, sizeof(row.why), c, 0, bench, key);
					else if (!row.nc)
						why_missing(row.why, sizeof(row.why), c, o, bench, key);
					err = add_row(c, &row);
				}
			}
		}
	}
	json_decref(seen);
	return err;
}

/* Benches and cases in the order the base's first run has them, then those only others have. */
static int build_rows(struct cmp *c)
{
	json_t *seen = json_object();
	char k[512];
	int err = 0;

	for (size_t s = 0; s < c->nr_sides && !err; s++)
		for (size_t r = 0; r < c->sides[s].set.nr && !err; r++) {
			const struct rl_run *run = c->sides[s].set.runs[r];

			for (size_t b = 0; b < run->nr_benches && !err; b++) {
				const struct rl_bench *rb = &run->benches[b];

				for (size_t i = 0; i < rb->nr_cases && !err; i++) {
					snprintf(k, sizeof(k), "%s|%s", rb->name, rb->cases[i].key);
					if (json_object_get(seen, k))
						continue;
					json_object_set_new(seen, k, json_true());
					err = case_rows(c, rb->name, rb->cases[i].key);
				}
			}
		}
	json_decref(seen);
	return err;
}

/* One Benjamini-Hochberg correction over every tested row of the report, then the verdicts. */
static int judge(struct cmp *c)
{
	struct vresult **rs = calloc(c->nr_rows + 1, sizeof(*rs));

	if (!rs)
		return -ENOMEM;
	for (size_t i = 0; i < c->nr_rows; i++) {
		struct cmp_row *r = &c->rows[i];

		/* only a metric that can get a verdict counts as a test */
		if (r->better != BETTER_NONE && r->nb && r->nc && !isnan(r->res.p)) {
			rs[i] = &r->res;
			c->nr_tests++;
		}
	}
	verdict_correct(rs, c->nr_rows);
	for (size_t i = 0; i < c->nr_rows; i++) {
		struct cmp_row *r = &c->rows[i];

		if (!r->nb || !r->nc) {
			r->res.v = r->better == BETTER_NONE ? VERDICT_INFO : VERDICT_NA;
		} else {
			verdict_decide(&r->res, r->better);
			if (r->res.why[0])
				snprintf(r->why, sizeof(r->why), "%s", r->res.why);
		}
		c->count[r->res.v]++;
	}
	free(rs);
	return 0;
}

/*
 * Fields that describe a run rather than the system it ran on (top level), and
 * free memory, which moves between any two runs: never a difference.
 */
static bool skip_field(const char *k, bool top)
{
	static const char *const run_fields[] = { "schema", "run_id", "label", "start_time",
						  "end_time", "command_line", "run_set", NULL };

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
 * Numbers within 3% of the base's (memory per node shrinks or grows with the
 * kernel's own size and reservations): the kernel's doing, not a confounder.
 */
/* Every number in @v ("123", or a set's "varies: 120 | 125") within 3% of @ref; false for text. */
static bool numbers_near(const char *v, double *ref)
{
	char *end;
	double x;

	if (!strncmp(v, "varies: ", 8))
		v += 8;
	for (;;) {
		x = strtod(v, &end);
		if (end == v || x <= 0)
			return false;
		if (*ref == 0)
			*ref = x;
		if (fabs(x - *ref) > 0.03 * *ref)
			return false;
		if (!*end)
			return true;
		if (strncmp(end, " | ", 3))
			return false;
		v = end + 3;
	}
}

static bool near_numbers(const struct cmp_diff *d, size_t nr_runs)
{
	double ref = 0;

	if (!strcasestr(d->key, "mem"))
		return false;
	for (size_t r = 0; r < nr_runs; r++)
		if (!d->val[r] || !numbers_near(d->val[r], &ref))
			return false;
	return true;
}

/* A knob only one kernel has (absent, or unreadable for want of the file): the kernel's feature. */
static bool one_kernel_knob(const struct cmp_diff *d, size_t nr)
{
	if (strncmp(d->key, "knobs.", 6))
		return false;
	for (size_t r = 0; r < nr; r++)
		if (!d->val[r] || strstr(d->val[r], "No such file") || strstr(d->val[r], "does not exist"))
			return true;
	return false;
}

/* A difference that comes with the kernel under test, not a confounder. */
static bool kernel_field(const struct cmp_diff *d, size_t nr_runs)
{
	char a[4096], b[4096];
	size_t r;

	/* the build's config, the image, the sizes it offers, the knobs it has */
	if ((!strncmp(d->key, "kernel.", 7) && strcmp(d->key, "kernel.cmdline")) ||
	    !strcmp(d->key, "vm.kernel_image") || !strcmp(d->key, "vm.kernel_version") ||
	    !strcmp(d->key, "vm.kernel_url") ||
	    !strcmp(d->key, "thp_sizes") || one_kernel_knob(d, nr_runs))
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

/* A side's manifest flattened: a field whose runs disagree reads "varies: a | b". */
static json_t *side_flat(const struct run_set *set)
{
	json_t *flat = json_object(), *f;
	const char *k;
	json_t *v;

	flatten(set->runs[0]->manifest, "", flat);
	for (size_t r = 1; r < set->nr; r++) {
		f = json_object();
		flatten(set->runs[r]->manifest, "", f);
		json_object_foreach(flat, k, v) {
			json_t *o = json_object_get(f, k);
			char buf[4096];

			if (o && json_equal(o, v))
				continue;
			if (!strncmp(json_string_value(v), "varies: ", 8))
				continue;
			snprintf(buf, sizeof(buf), "varies: %s | %s", json_string_value(v),
				 o ? json_string_value(o) : "(absent)");
			json_object_set_new(flat, k, json_string(buf));
		}
		json_decref(f);
	}
	return flat;
}

/*
 * Options of a bench only one side ran are no difference: what ran is compared where
 * both sides ran it.
 */
static bool one_sided_options(const char *k, json_t *const *flat, size_t n)
{
	size_t absent = 0;

	if (strncmp(k, "settings.options.", 17))
		return false;
	for (size_t s = 0; s < n; s++)
		absent += !json_object_get(flat[s], k);
	return absent > 0;
}

static int manifest_diffs(struct cmp *c)
{
	json_t *flat[CMP_MAX_SIDES];
	size_t r, s, i;
	const char *k;
	json_t *v;
	int err = 0;

	for (r = 0; r < c->nr_sides; r++)
		flat[r] = side_flat(&c->sides[r].set);
	for (r = 0; r < c->nr_sides && !err; r++) {
		json_object_foreach(flat[r], k, v) {
			struct cmp_diff *d;
			bool differ = false, seen = false;

			for (s = 0; s < r; s++)
				seen |= json_object_get(flat[s], k) != NULL;
			for (s = 0; s < c->nr_sides; s++)
				differ |= !json_equal(json_object_get(flat[s], k), v);
			differ |= !strncmp(json_string_value(v), "varies: ", 8);
			/* where a boot stood in an ab order, or which LAVA job ran it, describes
			 * the run, not the system */
			if (seen || !differ || one_sided_options(k, flat, c->nr_sides) ||
			    !strncmp(k, "vm.ab.", 6) || !strncmp(k, "lava.", 5))
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
			for (s = 0; s < c->nr_sides; s++) {
				json_t *x = json_object_get(flat[s], k);

				d->val[s] = x ? strdup(json_string_value(x)) : NULL;
			}
			d->kernel = kernel_field(d, c->nr_sides);
			c->nr_warn += !d->kernel;
		}
	}
	for (i = 0; i < c->nr_sides; i++)
		json_decref(flat[i]);
	return err;
}

/* Sides of one report must speak the same schema. */
static int check_schemas(const struct cmp *c)
{
	const struct rl_run *base = c->sides[0].set.runs[0];
	char a[64], b[64];
	const char *sa = rl_manifest_str(base, "schema", a, sizeof(a));

	for (size_t s = 0; s < c->nr_sides; s++)
		for (size_t r = 0; r < c->sides[s].set.nr; r++) {
			const struct rl_run *run = c->sides[s].set.runs[r];
			const char *sb = rl_manifest_str(run, "schema", b, sizeof(b));

			if ((sa || sb) && (!sa || !sb || strcmp(sa, sb))) {
				fprintf(stderr, "mmbench: %s: schema \"%s\" differs from the base's "
					"\"%s\" (%s)\n", run->manifest_path, sb ?: "none", sa ?: "none",
					base->manifest_path);
				return -EINVAL;
			}
		}
	return 0;
}

static void cmp_free(struct cmp *c)
{
	size_t i, r;

	for (i = 0; i < c->nr_diffs; i++)
		for (r = 0; r < c->nr_sides; r++)
			free(c->diffs[i].val[r]);
	free(c->diffs);
	free(c->rows);
	for (r = 0; r < c->nr_sides; r++)
		run_set_free(&c->sides[r].set);
	if (c->use_history)
		history_free(&c->hist);
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
	return history_load(root, run_host(c->sides[0].set.runs[0], host, sizeof(host)), skip,
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

int cmd_compare(int argc, char **argv)
{
	struct plot_list plots = { 0 };
	struct cmp_args a;
	struct cmp *c = calloc(1, sizeof(*c));
	char prefix[PATH_MAX + 2] = "";
	int err, ret = KSFT_USAGE;

	if (!c)
		return KSFT_FAIL;
	err = parse_args(argc, argv, &a);
	if (err) {
		free(c);
		return err;
	}
	/* Everything is read and checked before anything is written. */
	for (size_t s = 0; s < a.nr_sides; s++) {
		if (run_set_load(a.sides[s], a.label, &c->sides[s].set))
			goto out;
		c->nr_sides = s + 1;
		side_label(&c->sides[s], s);
	}
	if (check_schemas(c))
		goto out;
	ret = KSFT_FAIL;
	if (load_history(c, a.history) || build_rows(c) || judge(c) || manifest_diffs(c)) {
		fprintf(stderr, "mmbench: compare: %s\n", strerror(ENOMEM));
		goto out;
	}
	if (a.json && cmp_write_json(a.json, c))
		goto out;
	if (a.plots) {
		if (write_plots(c, a.plots, &plots))
			goto out;
		snprintf(prefix, sizeof(prefix), "%s/", a.plots);
	}
	if (a.md)
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
