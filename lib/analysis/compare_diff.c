/*
 * Which manifest fields differ between the sides, and which of those are expected: the
 * kernel's own (its release, config, the knobs it has or lacks), a size within 3%, the
 * harness's bookkeeping. The rest are warnings: a difference that may explain a verdict.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/compare.h"
#include "analysis/compare_diff.h"
#include "results/run_watch.h"

static bool skip_field(const char *k, bool top)
{
	/*
	 * kernel_log says what happened during the run: watch_diff() gives it a row of its own;
	 * plan is what each bench was estimated to cost and took, the run's own record
	 */
	static const char *const run_fields[] = { "schema", "run_id", "label", "start_time",
						  "end_time", "command_line", "command_argv", "run_set",
						  "kernel_log", "plan", NULL };

	for (const char *const *s = run_fields; top && *s; s++)
		if (!strcmp(k, *s))
			return true;
	/* the boot is the replicate, said in the verdicts' header, not a confounder */
	if (!strcmp(k, "boot_id"))
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
static json_t *side_flat(const struct runset *set)
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

	/* and a host name or noise item only one side recorded: runs made before they were */
	if (strncmp(k, "settings.options.", 17) && strcmp(k, "hostname") && strncmp(k, "noise.", 6))
		return false;
	for (size_t s = 0; s < n; s++)
		absent += !json_object_get(flat[s], k);
	return absent > 0;
}

/*
 * A side's kernel log in one value; returns how many of its lines tell of a problem. Plain
 * warning-level lines are not counted: here debugfs under lockdown makes the kernel log
 * "callbacks suppressed" at warning level in every run, and a row in every compare would
 * teach readers to skip it.
 */
static size_t side_kmsg(const struct runset *set, char *buf, size_t len)
{
	size_t total = 0, with = 0, n;
	char one[512], first[512] = "";

	for (size_t r = 0; r < set->nr; r++) {
		json_t *m = set->runs[r]->manifest;

		if (!watch_kmsg_summary(m, &n, one, sizeof(one)))
			snprintf(one, sizeof(one), "not recorded");
		n = n ? (size_t)watch_num(json_object_get(m, "kernel_log"), "problems") : 0;
		if (n && !with++)
			snprintf(first, sizeof(first), "%s", one);
		else if (!first[0] && r == set->nr - 1)
			snprintf(first, sizeof(first), "%s", one);
		total += n;
	}
	if (set->nr > 1 && with)
		snprintf(buf, len, "%zu of %zu runs: %s", with, set->nr, first);
	else
		snprintf(buf, len, "%s", first);
	return total;
}

/* A side's repetitions that shared their CPUs with other work; returns how many. */
static size_t side_load(const struct runset *set, char *buf, size_t len)
{
	size_t reps = 0, shared = 0;

	for (size_t r = 0; r < set->nr; r++)
		for (size_t b = 0; b < set->runs[r]->nr_benches; b++)
			watch_load_count(&set->runs[r]->benches[b], &reps, &shared, NULL, 0);
	if (reps)
		snprintf(buf, len, "%zu of %zu repetitions shared their CPUs", shared, reps);
	else
		snprintf(buf, len, "not recorded");
	return shared;
}

/*
 * A row @key marked '!' with each side's value from @side_value, when any side counts one;
 * @warn: it also counts in the summary's WARNING (a kernel problem does; repetitions that
 * shared their CPUs are shown, but are no setting the sides differ in).
 */
static int watch_diff(struct cmp *c, const char *key,
		      size_t (*side_value)(const struct runset *, char *, size_t), bool warn)
{
	char val[CMP_MAX_SIDES][600];
	size_t total = 0;
	struct cmp_diff *d;

	for (size_t s = 0; s < c->nr_sides; s++)
		total += side_value(&c->sides[s].set, val[s], sizeof(val[s]));
	if (!total)
		return 0;
	d = realloc(c->diffs, (c->nr_diffs + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	c->diffs = d;
	d += c->nr_diffs++;
	memset(d, 0, sizeof(*d));
	snprintf(d->key, sizeof(d->key), "%s", key);
	for (size_t s = 0; s < c->nr_sides; s++)
		d->val[s] = strdup(val[s]);
	c->nr_warn += warn;
	return 0;
}

int cmp_manifest_diffs(struct cmp *c)
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
	/*
	 * A run during which the kernel logged a problem is no ordinary run of its
	 * kernel, nor are repetitions that shared their CPUs: rows marked '!', whatever the
	 * other side had.
	 */
	if (!err)
		err = watch_diff(c, "kernel_log", side_kmsg, true);
	if (!err)
		err = watch_diff(c, "load.shared", side_load, false);
	return err;
}
