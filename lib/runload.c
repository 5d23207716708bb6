/* Reading a run directory back for report and compare: every file validated, one line naming the file on bad input. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "results.h"
#include "runload.h"

static int bad(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* run_load_light(): medians only, no bootstrap intervals (reading a whole archive). */
static bool light;

/* The one line a user sees on bad input: "mmbench: FILE: what is wrong". */
static int bad(const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mmbench: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static json_t *load_json(const char *path, int *err)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);

	*err = 0;
	if (!j) {
		if (access(path, R_OK))
			*err = -errno;
		if (*err)
			fprintf(stderr, "mmbench: %s: %s\n", path, strerror(-*err));
		else
			*err = bad(path, "not valid JSON (line %d column %d: %s)",
				   je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		*err = bad(path, "not a JSON object");
		json_decref(j);
		return NULL;
	}
	return j;
}

static const char *opt_string(json_t *o, const char *key, const char *def)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

static double opt_number(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int load_metric(const char *path, const char *ckey, json_t *m, struct rl_metric *rm)
{
	json_t *samples, *v, *ci;
	const char *better;
	size_t i;

	rm->name = opt_string(m, "name", NULL);
	if (!json_is_object(m) || !rm->name)
		return bad(path, "case \"%s\": a metric without a name", ckey);
	rm->unit = opt_string(m, "unit", "");
	better = opt_string(m, "better", "none");
	if (!strcmp(better, "lower"))
		rm->better = BETTER_LOWER;
	else if (!strcmp(better, "higher"))
		rm->better = BETTER_HIGHER;
	else if (!strcmp(better, "none"))
		rm->better = BETTER_NONE;
	else
		return bad(path, "case \"%s\" metric %s: better is \"%s\", not lower|higher|none",
			   ckey, rm->name, better);

	samples = json_object_get(m, "samples");
	if (samples && !json_is_array(samples))
		return bad(path, "case \"%s\" metric %s: samples is not an array", ckey, rm->name);
	if (json_array_size(samples)) {
		rm->samples = calloc(json_array_size(samples), sizeof(*rm->samples));
		if (!rm->samples)
			return -ENOMEM;
	}
	/* null is how the writer records a sample that was not finite: not a measurement. */
	json_array_foreach(samples, i, v) {
		if (json_is_null(v))
			continue;
		if (!json_is_number(v))
			return bad(path, "case \"%s\" metric %s: sample %zu is not a number",
				   ckey, rm->name, i);
		rm->samples[rm->n++] = json_number_value(v);
	}
	if (rm->n && light) {
		rm->s.n = rm->n;
		rm->s.median = stats_median(rm->samples, rm->n);
		rm->s.mean = rm->s.stddev = rm->s.cv = rm->s.ci_lo = rm->s.ci_hi = NAN;
		return 0;
	}
	if (rm->n)
		return stats_summary(rm->samples, rm->n, &rm->s);
	/* No samples kept: show what the writer summarised, judge nothing. */
	rm->s.median = opt_number(m, "median");
	rm->s.mean = opt_number(m, "mean");
	rm->s.stddev = opt_number(m, "stddev");
	rm->s.cv = opt_number(m, "cv");
	ci = json_object_get(m, "ci95");
	rm->s.ci_lo = json_is_number(json_array_get(ci, 0)) ?
		json_number_value(json_array_get(ci, 0)) : NAN;
	rm->s.ci_hi = json_is_number(json_array_get(ci, 1)) ?
		json_number_value(json_array_get(ci, 1)) : NAN;
	return 0;
}

static int load_case(struct rl_bench *b, json_t *c, struct rl_case *rc)
{
	json_t *metrics, *m;
	size_t i, j;
	int err;

	rc->key = opt_string(c, "case", NULL);
	if (!json_is_object(c) || !rc->key)
		return bad(b->path, "a case without a \"case\" key");
	for (j = 0; j < b->nr_cases; j++)
		if (!strcmp(b->cases[j].key, rc->key))
			return bad(b->path, "case \"%s\" appears twice", rc->key);
	rc->status = opt_string(c, "status", "ok");
	rc->reason = opt_string(c, "reason", "");
	rc->params = json_object_get(c, "params");
	rc->counters = json_object_get(c, "counters");
	rc->vmstat = json_object_get(c, "vmstat");
	metrics = json_object_get(c, "metrics");
	if (metrics && !json_is_array(metrics))
		return bad(b->path, "case \"%s\": metrics is not an array", rc->key);
	rc->metrics = calloc(json_array_size(metrics) + 1, sizeof(*rc->metrics));
	if (!rc->metrics)
		return -ENOMEM;
	json_array_foreach(metrics, i, m) {
		err = load_metric(b->path, rc->key, m, &rc->metrics[i]);
		rc->nr_metrics = i + 1;
		if (err)
			return err;
		if (rc->metrics[i].n > rc->reps)
			rc->reps = rc->metrics[i].n;
	}
	return 0;
}

static int load_bench(const char *path, struct rl_bench *b)
{
	json_t *cases, *c, *reps;
	const char *schema;
	size_t i;
	int err;

	snprintf(b->path, sizeof(b->path), "%s", path);
	b->root = load_json(path, &err);
	if (!b->root)
		return err;
	schema = opt_string(b->root, "schema", NULL);
	if (!schema)
		return bad(path, "no \"schema\" (not an mmbench result)");
	if (strcmp(schema, RESULTS_SCHEMA))
		return bad(path, "schema \"%s\" is not the supported \"%s\"", schema, RESULTS_SCHEMA);
	b->name = opt_string(b->root, "bench", NULL);
	if (!b->name)
		return bad(path, "no \"bench\" name");
	b->status = opt_string(b->root, "status", "ok");
	b->reason = opt_string(b->root, "reason", "");
	b->params = json_object_get(b->root, "params");
	cases = json_object_get(b->root, "cases");
	if (cases && !json_is_array(cases))
		return bad(path, "\"cases\" is not an array");
	b->cases = calloc(json_array_size(cases) + 1, sizeof(*b->cases));
	if (!b->cases)
		return -ENOMEM;
	reps = json_object_get(b->params, "reps");
	json_array_foreach(cases, i, c) {
		err = load_case(b, c, &b->cases[i]);
		b->nr_cases = i + 1;
		if (err)
			return err;
		/* Counters are sums over the repetitions the bench was asked for. */
		if (json_is_number(reps))
			b->cases[i].reps = json_number_value(reps);
		else if (json_is_string(reps) && atof(json_string_value(reps)) > 0)
			b->cases[i].reps = atof(json_string_value(reps));
		if (b->cases[i].reps <= 0)
			b->cases[i].reps = 1;
	}
	return 0;
}

static int is_bench_file(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 5 && !strcmp(d->d_name + len - 5, ".json") &&
	       strcmp(d->d_name, "manifest.json") && d->d_name[0] != '.';
}

int run_load(const char *dir, struct rl_run *run)
{
	struct dirent **names = NULL;
	struct stat st;
	int n, i, err = 0;
	const char *schema;

	memset(run, 0, sizeof(*run));
	snprintf(run->dir, sizeof(run->dir), "%s", dir);
	if (stat(dir, &st)) {
		err = -errno;
		fprintf(stderr, "mmbench: %s: %s\n", dir, strerror(errno));
		return err;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mmbench: %s: not a run directory\n", dir);
		return -ENOTDIR;
	}
	snprintf(run->manifest_path, sizeof(run->manifest_path), "%s/manifest.json", dir);
	if (access(run->manifest_path, F_OK)) {
		fprintf(stderr, "mmbench: %s: no manifest.json: not a run directory\n", dir);
		return -ENOENT;
	}
	run->manifest = load_json(run->manifest_path, &err);
	if (!run->manifest)
		return err;
	schema = opt_string(run->manifest, "schema", NULL);
	if (schema && strncmp(schema, "mmbench", 7)) {
		err = bad(run->manifest_path, "schema \"%s\" is not an mmbench manifest", schema);
		goto out;
	}

	n = scandir(dir, &names, is_bench_file, alphasort);
	if (n < 0) {
		err = -errno;
		fprintf(stderr, "mmbench: %s: %s\n", dir, strerror(errno));
		goto out;
	}
	run->benches = calloc(n + 1, sizeof(*run->benches));
	if (!run->benches)
		err = -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		err = load_bench(path, &run->benches[i]);
		run->nr_benches = i + 1;
		if (!err && rl_find_bench(run, run->benches[i].name) != &run->benches[i])
			err = bad(path, "bench \"%s\" is also in another file", run->benches[i].name);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
out:
	if (err == -ENOMEM)
		fprintf(stderr, "mmbench: %s: %s\n", dir, strerror(ENOMEM));
	if (err)
		run_free(run);
	return err;
}

int run_load_light(const char *dir, struct rl_run *run)
{
	int err;

	light = true;
	err = run_load(dir, run);
	light = false;
	return err;
}

void run_free(struct rl_run *run)
{
	size_t b, c, m;

	for (b = 0; b < run->nr_benches; b++) {
		struct rl_bench *rb = &run->benches[b];

		for (c = 0; c < rb->nr_cases; c++) {
			for (m = 0; m < rb->cases[c].nr_metrics; m++)
				free(rb->cases[c].metrics[m].samples);
			free(rb->cases[c].metrics);
		}
		free(rb->cases);
		json_decref(rb->root);
	}
	free(run->benches);
	json_decref(run->manifest);
	run->benches = NULL;
	run->nr_benches = 0;
	run->manifest = NULL;
}

struct rl_bench *rl_find_bench(const struct rl_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->nr_benches; i++)
		if (run->benches[i].name && !strcmp(run->benches[i].name, name))
			return &run->benches[i];
	return NULL;
}

struct rl_case *rl_find_case(const struct rl_bench *b, const char *key)
{
	size_t i;

	for (i = 0; b && i < b->nr_cases; i++)
		if (!strcmp(b->cases[i].key, key))
			return &b->cases[i];
	return NULL;
}

struct rl_metric *rl_find_metric(const struct rl_case *c, const char *name)
{
	size_t i;

	for (i = 0; c && i < c->nr_metrics; i++)
		if (!strcmp(c->metrics[i].name, name))
			return &c->metrics[i];
	return NULL;
}

const char *rl_json_text(json_t *v, char *buf, size_t len)
{
	char *dump;

	if (!v)
		return NULL;
	if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_value(v));
	} else if (json_is_number(v)) {
		snprintf(buf, len, "%.15g", json_number_value(v));
	} else {
		dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
		snprintf(buf, len, "%s", dump ? dump : "?");
		free(dump);
	}
	return buf;
}

const char *rl_manifest_str(const struct rl_run *run, const char *path, char *buf, size_t len)
{
	char key[128], *dot, *p = key;
	json_t *v = run->manifest;

	snprintf(key, sizeof(key), "%s", path);
	while (v && p) {
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		v = json_object_get(v, p);
		p = dot ? dot + 1 : NULL;
	}
	if (!v || json_is_null(v))
		return NULL;
	return rl_json_text(v, buf, len);
}

const char *rl_incomplete(const struct rl_run *run, char *buf, size_t len)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/INCOMPLETE", run->dir);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (!fgets(buf, (int)len, f))
		snprintf(buf, len, "no reason given");
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

int rl_emulated(const struct rl_run *run)
{
	char buf[64];
	const char *v = rl_manifest_str(run, "virtualization", buf, sizeof(buf));

	if (v && !strcmp(v, "tcg"))
		return 1;
	v = rl_manifest_str(run, "vm.accel", buf, sizeof(buf));
	return v && !strcmp(v, "tcg");
}

const char *rl_knob_value(const char *text, char *buf, size_t len)
{
	const char *open = strchr(text, '['), *close = open ? strchr(open, ']') : NULL;

	if (open && close)
		snprintf(buf, len, "%.*s", (int)(close - open - 1), open + 1);
	else
		snprintf(buf, len, "%s", text);
	return buf;
}

const char *rl_fmt(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(buf, len, "-");
	else if (a >= 1e7 || (a < 1e-3 && a > 0))
		snprintf(buf, len, "%.3g", v);
	else if (a >= 1000 || a == 0 || v == rint(v))
		snprintf(buf, len, "%.0f", v);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}
