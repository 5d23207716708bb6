/* The reader of the mmbench schema: a run directory back for report, compare and trend, every file validated (untrusted.c), one line naming the file on bad input. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bench.h"
#include "results/results_read.h"
#include "results/results_write.h"
#include "results/untrusted.h"

const char *rl_load_said(void)
{
	return ut_said();
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

/* @light: medians only, no bootstrap intervals (rl_load_light(), reading a whole archive). */
static int load_metric(const char *path, const char *ckey, json_t *m, struct rl_metric *rm,
		       bool light)
{
	json_t *samples, *v, *ci;
	const char *better;
	size_t i;

	rm->name = opt_string(m, "name", NULL);
	if (!json_is_object(m) || !rm->name)
		return ut_bad(path, "case \"%s\": a metric without a name", ckey);
	if (!ut_safe_name(rm->name, "_.-", 47))
		return ut_bad(path, "case \"%s\": metric name \"%s\" is not letters, digits and _.- "
			   "(at most 47)", ckey, rm->name);
	rm->unit = opt_string(m, "unit", "");
	if (strlen(rm->unit) > 15 || strpbrk(rm->unit, "\"'\\"))
		return ut_bad(path, "case \"%s\" metric %s: unit \"%s\" is not a unit", ckey, rm->name,
			   rm->unit);
	rm->family = opt_string(m, "family", NULL);
	if (rm->family && !ut_safe_name(rm->family, "_.-", 47))
		return ut_bad(path, "case \"%s\" metric %s: family \"%s\" is not letters, digits "
			   "and _.- (at most 47)", ckey, rm->name, rm->family);
	better = opt_string(m, "better", "none");
	if (!strcmp(better, "lower"))
		rm->better = BETTER_LOWER;
	else if (!strcmp(better, "higher"))
		rm->better = BETTER_HIGHER;
	else if (!strcmp(better, "none"))
		rm->better = BETTER_NONE;
	else
		return ut_bad(path, "case \"%s\" metric %s: better is \"%s\", not lower|higher|none",
			   ckey, rm->name, better);

	samples = json_object_get(m, "samples");
	if (samples && !json_is_array(samples))
		return ut_bad(path, "case \"%s\" metric %s: samples is not an array", ckey, rm->name);
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
			return ut_bad(path, "case \"%s\" metric %s: sample %zu is not a number",
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

/* An object of {"val", "ena", "run"} counts, or {"supported": false, "reason"}. */
static int check_counters(const char *path, const char *key, json_t *counters)
{
	static const char *const fields[] = { "val", "ena", "run" };
	const char *name;
	json_t *v;

	if (counters && !json_is_object(counters))
		return ut_bad(path, "case \"%s\": counters is not an object", key);
	json_object_foreach(counters, name, v) {
		if (!json_is_object(v))
			return ut_bad(path, "case \"%s\": counter %s is not an object", key, name);
		for (int i = 0; i < 3; i++) {
			json_t *n = json_object_get(v, fields[i]);

			if (n && (!json_is_integer(n) || json_integer_value(n) < 0))
				return ut_bad(path, "case \"%s\": counter %s: %s is not a count", key, name,
					   fields[i]);
		}
	}
	return 0;
}

static int check_case_fields(const char *path, struct rl_case *rc)
{
	const char *name;
	json_t *v;

	if (strcmp(rc->status, "ok") && strcmp(rc->status, "skip") && strcmp(rc->status, "error"))
		return ut_bad(path, "case \"%s\": status \"%s\" is not ok|skip|error", rc->key,
			   rc->status);
	if (rc->params && !json_is_object(rc->params))
		return ut_bad(path, "case \"%s\": params is not an object", rc->key);
	json_object_foreach(rc->params, name, v)
		if (!ut_safe_name(name, "_.-", 31))
			return ut_bad(path, "case \"%s\": param name \"%s\" is not letters, digits "
				   "and _.- (at most 31)", rc->key, name);
	if (rc->vmstat && !json_is_object(rc->vmstat))
		return ut_bad(path, "case \"%s\": vmstat is not an object", rc->key);
	json_object_foreach(rc->vmstat, name, v)
		if (!json_is_integer(v))
			return ut_bad(path, "case \"%s\": vmstat %s is not an integer", rc->key, name);
	return check_counters(path, rc->key, rc->counters);
}

static int load_case(struct rl_bench *b, json_t *c, struct rl_case *rc, json_t *keys, bool light)
{
	json_t *metrics, *m, *names;
	size_t i;
	int err;

	rc->key = opt_string(c, "case", NULL);
	if (!json_is_object(c) || !rc->key)
		return ut_bad(b->path, "a case without a \"case\" key");
	if (!ut_safe_name(rc->key, " _.,:=+%-", 191))
		return ut_bad(b->path, "case \"%s\": a key is words of letters, digits and _.,:=+%%- "
			   "(at most 191)", rc->key);
	/* a set of the keys seen: a file of many cases must not cost their square */
	if (json_object_get(keys, rc->key))
		return ut_bad(b->path, "case \"%s\" appears twice", rc->key);
	if (json_object_set_new(keys, rc->key, json_true()))
		return -ENOMEM;
	rc->status = opt_string(c, "status", "ok");
	rc->reason = opt_string(c, "reason", "");
	rc->params = json_object_get(c, "params");
	rc->counters = json_object_get(c, "counters");
	rc->vmstat = json_object_get(c, "vmstat");
	err = check_case_fields(b->path, rc);
	if (err)
		return err;
	metrics = json_object_get(c, "metrics");
	if (metrics && !json_is_array(metrics))
		return ut_bad(b->path, "case \"%s\": metrics is not an array", rc->key);
	rc->metrics = calloc(json_array_size(metrics) + 1, sizeof(*rc->metrics));
	if (!rc->metrics)
		return -ENOMEM;
	names = json_object();
	if (!names)
		return -ENOMEM;
	json_array_foreach(metrics, i, m) {
		err = load_metric(b->path, rc->key, m, &rc->metrics[i], light);
		rc->nr_metrics = i + 1;
		if (!err && json_object_get(names, rc->metrics[i].name))
			err = ut_bad(b->path, "case \"%s\": metric %s appears twice", rc->key,
				  rc->metrics[i].name);
		if (!err && json_object_set_new(names, rc->metrics[i].name, json_true()))
			err = -ENOMEM;
		if (err) {
			json_decref(names);
			return err;
		}
		if (rc->metrics[i].n > rc->reps)
			rc->reps = rc->metrics[i].n;
	}
	json_decref(names);
	return 0;
}

static int load_bench(const char *path, struct rl_bench *b, bool light)
{
	json_t *cases, *c, *reps, *keys;
	const char *schema;
	size_t i;
	int err;

	snprintf(b->path, sizeof(b->path), "%s", path);
	b->root = ut_load_json(path, &err);
	if (!b->root)
		return err;
	schema = opt_string(b->root, "schema", NULL);
	if (!schema)
		return ut_bad(path, "no \"schema\" (not an mmbench result)");
	if (strcmp(schema, RESULTS_SCHEMA))
		return ut_bad(path, "schema \"%s\" is not the supported \"%s\"", schema, RESULTS_SCHEMA);
	b->name = opt_string(b->root, "bench", NULL);
	if (!b->name)
		return ut_bad(path, "no \"bench\" name");
	if (!ut_safe_name(b->name, "_-", 31))
		return ut_bad(path, "bench name \"%s\" is not letters, digits, _ and - (at most 31)",
			   b->name);
	b->status = opt_string(b->root, "status", "ok");
	b->reason = opt_string(b->root, "reason", "");
	b->params = json_object_get(b->root, "params");
	b->mechanism = json_object_get(b->root, "mechanism");
	if (b->mechanism) {
		json_t *m;
		size_t i;

		if (!json_is_array(b->mechanism))
			return ut_bad(path, "\"mechanism\" is not an array");
		json_array_foreach(b->mechanism, i, m)
			if (!json_is_string(m) || !ut_safe_name(json_string_value(m), "_.-:*?", 63))
				return ut_bad(path, "mechanism %zu is not a pattern of letters, digits "
					   "and _.-:*? (at most 63)", i);
	}
	cases = json_object_get(b->root, "cases");
	if (cases && !json_is_array(cases))
		return ut_bad(path, "\"cases\" is not an array");
	b->cases = calloc(json_array_size(cases) + 1, sizeof(*b->cases));
	if (!b->cases)
		return -ENOMEM;
	if (b->params && !json_is_object(b->params))
		return ut_bad(path, "\"params\" is not an object");
	reps = json_object_get(b->params, "reps");
	if (reps) {
		double n = json_is_number(reps) ? json_number_value(reps) :
			   json_is_string(reps) ? atof(json_string_value(reps)) : -1;

		if (!(n >= 1 && n <= RL_MAX_REPS && n == rint(n)))
			return ut_bad(path, "params.reps is not a number of repetitions (1 to %d)",
				   RL_MAX_REPS);
	}
	keys = json_object();
	if (!keys)
		return -ENOMEM;
	json_array_foreach(cases, i, c) {
		err = load_case(b, c, &b->cases[i], keys, light);
		b->nr_cases = i + 1;
		if (err) {
			json_decref(keys);
			return err;
		}
		/* Counters are sums over the repetitions the bench was asked for. */
		if (json_is_number(reps))
			b->cases[i].reps = json_number_value(reps);
		else if (json_is_string(reps) && atof(json_string_value(reps)) > 0)
			b->cases[i].reps = atof(json_string_value(reps));
		if (b->cases[i].reps <= 0)
			b->cases[i].reps = 1;
	}
	json_decref(keys);
	return 0;
}

static int is_bench_file(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	/* a bench's sampled profile (<bench>.kprofile.json) has its own reader, lib/results/kprofile_file.c */
	return len > 5 && !strcmp(d->d_name + len - 5, ".json") &&
	       !(len > 14 && !strcmp(d->d_name + len - 14, ".kprofile.json")) &&
	       strcmp(d->d_name, "manifest.json") && d->d_name[0] != '.';
}

json_t *rl_load_json(const char *path, int *err)
{
	return ut_load_json(path, err);
}

/* The manifest's fields that are read as something other than text. */
static int check_manifest(const char *path, json_t *m)
{
	static const char *const times[] = { "start_time", "end_time" };

	for (int i = 0; i < 2; i++) {
		json_t *t = json_object_get(m, times[i]);

		/* seconds since 1970 when a number: before year 5138, so gmtime can show it */
		if (json_is_number(t) && !(json_number_value(t) >= 0 && json_number_value(t) < 1e11))
			return ut_bad(path, "%s %g is not a time", times[i], json_number_value(t));
	}
	if (json_object_get(m, "knobs") && !json_is_object(json_object_get(m, "knobs")))
		return ut_bad(path, "\"knobs\" is not an object");
	return 0;
}

/* A text file of the run that reports copy to a terminal: when there, plain lines of text. */
static int check_text(const char *dir, const char *name)
{
	char path[PATH_MAX + 16], *text;
	size_t len;
	int err, ch;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW))
		return 0;
	text = ut_read_file(path, RL_MAX_TEXT, &len, &err);
	if (!text)
		return err;
	ch = strlen(text) != len ? 0 : ut_bad_char(text, true);
	free(text);
	if (ch >= 0)
		return ut_bad(path, "the character 0x%02x, which must not reach a terminal", ch);
	return 0;
}

static int load_run(const char *dir, struct rl_run *run, bool light)
{
	struct dirent **names = NULL;
	struct stat st;
	int n, i, err = 0;
	const char *schema;

	memset(run, 0, sizeof(*run));
	snprintf(run->dir, sizeof(run->dir), "%s", dir);
	if (stat(dir, &st)) {
		err = -errno;
		ut_say("mmbench: %s: %s\n", dir, strerror(errno));
		return err;
	}
	if (!S_ISDIR(st.st_mode)) {
		ut_say("mmbench: %s: not a run directory\n", dir);
		return -ENOTDIR;
	}
	snprintf(run->manifest_path, sizeof(run->manifest_path), "%s/manifest.json", dir);
	if (access(run->manifest_path, F_OK)) {
		ut_say("mmbench: %s: no manifest.json: not a run directory\n", dir);
		return -ENOENT;
	}
	run->manifest = ut_load_json(run->manifest_path, &err);
	if (!run->manifest)
		return err;
	schema = opt_string(run->manifest, "schema", NULL);
	if (schema && strncmp(schema, "mmbench", 7)) {
		err = ut_bad(run->manifest_path, "schema \"%s\" is not an mmbench manifest", schema);
		goto out;
	}
	err = check_manifest(run->manifest_path, run->manifest);
	if (!err)
		err = check_text(dir, "INCOMPLETE");
	if (!err)
		err = check_text(dir, "sweep.txt");
	if (err)
		goto out;

	n = scandir(dir, &names, is_bench_file, alphasort);
	if (n < 0) {
		err = -errno;
		ut_say("mmbench: %s: %s\n", dir, strerror(errno));
		goto out;
	}
	if (n > RL_MAX_BENCH_FILES)
		err = ut_bad(dir, "%d bench files: more than the %d a run may have", n, RL_MAX_BENCH_FILES);
	run->benches = err ? NULL : calloc(n + 1, sizeof(*run->benches));
	if (!err && !run->benches)
		err = -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (!ut_safe_name(names[i]->d_name, "_.-", 64)) {
			err = ut_bad(path, "a file name that is not letters, digits and _.-");
			break;
		}
		err = load_bench(path, &run->benches[i], light);
		run->nr_benches = i + 1;
		if (!err && rl_find_bench(run, run->benches[i].name) != &run->benches[i])
			err = ut_bad(path, "bench \"%s\" is also in another file", run->benches[i].name);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
out:
	if (err == -ENOMEM)
		ut_say("mmbench: %s: %s\n", dir, strerror(ENOMEM));
	if (err)
		rl_free(run);
	return err;
}

int rl_load(const char *dir, struct rl_run *run)
{
	return load_run(dir, run, false);
}

int rl_load_light(const char *dir, struct rl_run *run)
{
	bool was_quiet = ut_quiet(true);
	int err = load_run(dir, run, true);

	ut_quiet(was_quiet);
	return err;
}

void rl_free(struct rl_run *run)
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

/* Whether mmbench itself marked the run unfinished or not written whole (not a VM transfer's note). */
static const char *unwritten(const char *dir, char *buf, size_t len)
{
	char path[PATH_MAX + 16], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/INCOMPLETE", dir);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	buf[0] = 0;
	while (fgets(line, sizeof(line), f) && !buf[0]) {
		line[strcspn(line, "\n")] = 0;
		if (!strcmp(line, RUN_UNFINISHED) || !strncmp(line, RUN_UNWRITTEN, strlen(RUN_UNWRITTEN)))
			snprintf(buf, len, "%s", line + strlen("incomplete: "));
	}
	fclose(f);
	return buf[0] ? buf : NULL;
}

/* A run mmbench wrote whole, @light or not. */
static int load_whole(const char *dir, struct rl_run *run, bool light)
{
	char why[512];
	int err;

	/* first: such a run may lack the very files rl_load() would complain of */
	memset(run, 0, sizeof(*run));
	err = check_text(dir, "INCOMPLETE");
	if (err)
		return err;
	if (unwritten(dir, why, sizeof(why)))
		return ut_bad(dir, "an INCOMPLETE run (%s): its results are not whole", why);
	return load_run(dir, run, light);
}

int rl_load_whole(const char *dir, struct rl_run *run)
{
	return load_whole(dir, run, false);
}

int rl_load_whole_light(const char *dir, struct rl_run *run)
{
	bool was_quiet = ut_quiet(true);
	int err = load_whole(dir, run, true);

	ut_quiet(was_quiet);
	return err;
}
