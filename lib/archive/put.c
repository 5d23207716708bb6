/*
 * One run directory into the index, in place of what it held of it: read by the one reader
 * (results_read.c) as a whole run, every bench, case, metric, counter, knob and setting kept;
 * or, when the reader refuses it, only the refusal (its file and reason).
 */
#include <endian.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/internal.h"
#include "core/bench.h"
#include "results/results_write.h"
#include "results/run_keys.h"

/* A reader's line about ROOT/... with the root taken off: the index holds paths under the root. */
static const char *under_root(const struct archive *a, const char *line)
{
	size_t n = strlen(a->root);

	return !strncmp(line, a->root, n) && line[n] == '/' ? line + n + 1 : line;
}

/* The "schema" a JSON file of a refused run says it is, read as trend's check reads it. */
static char *schema_of(const char *dir, const char *name)
{
	char path[PATH_MAX + 256];
	json_t *j, *s;
	char *out;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	j = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	s = json_object_get(j, "schema");
	out = json_is_string(s) ? strdup(json_string_value(s)) : NULL;
	json_decref(j);
	return out;
}

static int put_files(struct archive *a, int64_t id, const struct ar_files *fs, const char *dir,
		     const struct rl_run *run)
{
	for (size_t i = 0; i < fs->nr; i++) {
		const struct ar_file *f = &fs->f[i];
		sqlite3_stmt *st = ar_stmt(a, ST_INS_FILE);
		size_t len = strlen(f->name);
		char *schema = NULL;
		int err;

		if (!st)
			return -EIO;
		if (!run && len > 5 && !strcmp(f->name + len - 5, ".json")) {
			schema = schema_of(dir, f->name);
		} else if (run && !strcmp(f->name, "manifest.json")) {
			json_t *s = json_object_get(run->manifest, "schema");

			schema = json_is_string(s) ? strdup(json_string_value(s)) : NULL;
		} else if (run) {
			/* a bench's file is read only when its schema is ours */
			for (size_t b = 0; b < run->nr_benches && !schema; b++) {
				const char *p = strrchr(run->benches[b].path, '/');

				if (p && !strcmp(p + 1, f->name))
					schema = strdup(RESULTS_SCHEMA);
			}
		}
		sqlite3_bind_int64(st, 1, id);
		ar_bind_text(st, 2, f->name);
		sqlite3_bind_int64(st, 3, f->size);
		sqlite3_bind_int64(st, 4, f->mtime_ns);
		sqlite3_bind_int64(st, 5, f->ctime_ns);
		sqlite3_bind_int64(st, 6, f->ino);
		ar_bind_text(st, 7, f->sha);
		ar_bind_text(st, 8, schema);
		err = ar_done(a, st);
		free(schema);
		if (err)
			return err;
	}
	return 0;
}

static int put_refused(struct archive *a, const char *top, const char *sub,
		       const struct ar_files *fs, const char *dir, const char *said)
{
	const char *why = under_root(a, said);
	char rel[PATH_MAX], file[256] = "";
	sqlite3_stmt *st = ar_stmt(a, ST_INS_REFUSED);
	size_t n;

	if (!st)
		return -EIO;
	/* "top/sub/FILE: what": the file it names, when it names one */
	n = (size_t)snprintf(rel, sizeof(rel), "%s%s%s/", top, *sub ? "/" : "", sub);
	if (!strncmp(why, rel, n) && strstr(why + n, ": "))
		snprintf(file, sizeof(file), "%.*s", (int)(strstr(why + n, ": ") - (why + n)),
			 why + n);
	ar_bind_text(st, 1, top);
	ar_bind_text(st, 2, sub);
	ar_bind_text(st, 3, fs->hash);
	ar_bind_text(st, 4, why);
	ar_bind_text(st, 5, file);
	if (ar_done(a, st))
		return -EIO;
	return put_files(a, sqlite3_last_insert_rowid(a->db), fs, dir, NULL);
}

static char *compact(json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static const char *better_name(int better)
{
	return better == BETTER_LOWER ? "lower" : better == BETTER_HIGHER ? "higher" : "none";
}

static int put_metric(struct archive *a, int64_t case_id, size_t ord, const struct rl_metric *m)
{
	sqlite3_stmt *st = ar_stmt(a, ST_INS_METRIC);
	uint64_t *le = calloc(m->n + 1, sizeof(*le));
	int err;

	if (!st || !le) {
		free(le);
		return st ? -ENOMEM : -EIO;
	}
	/* little-endian whatever this machine is: the index reads the same on any */
	for (size_t i = 0; i < m->n; i++) {
		memcpy(&le[i], &m->samples[i], sizeof(le[i]));
		le[i] = htole64(le[i]);
	}
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_int64(st, 2, (int64_t)ord);
	ar_bind_text(st, 3, m->name);
	ar_bind_text(st, 4, m->unit);
	ar_bind_text(st, 5, m->family);
	ar_bind_text(st, 6, better_name(m->better));
	sqlite3_bind_int64(st, 7, (int64_t)m->n);
	if (!isnan(m->s.median))
		sqlite3_bind_double(st, 8, m->s.median);
	if (m->n)
		sqlite3_bind_blob(st, 9, le, (int)(m->n * sizeof(*le)), SQLITE_TRANSIENT);
	err = ar_done(a, st);
	free(le);
	return err;
}

static void bind_count(sqlite3_stmt *st, int i, json_t *v)
{
	if (json_is_integer(v))
		sqlite3_bind_int64(st, i, json_integer_value(v));
}

/* perf counters ({val, ena, run} or {supported: false, reason}) and vmstat deltas of a case. */
static int put_counters(struct archive *a, int64_t case_id, const struct rl_case *c)
{
	const char *name;
	json_t *v;

	json_object_foreach(c->counters, name, v) {
		sqlite3_stmt *st = ar_stmt(a, ST_INS_COUNTER);
		json_t *why = json_object_get(v, "reason");

		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, case_id);
		ar_bind_text(st, 2, "perf");
		ar_bind_text(st, 3, name);
		bind_count(st, 4, json_object_get(v, "val"));
		bind_count(st, 5, json_object_get(v, "ena"));
		bind_count(st, 6, json_object_get(v, "run"));
		if (json_is_false(json_object_get(v, "supported")))
			ar_bind_text(st, 7, json_is_string(why) ? json_string_value(why) : "");
		if (ar_done(a, st))
			return -EIO;
	}
	json_object_foreach(c->vmstat, name, v) {
		sqlite3_stmt *st = ar_stmt(a, ST_INS_COUNTER);

		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, case_id);
		ar_bind_text(st, 2, "vmstat");
		ar_bind_text(st, 3, name);
		bind_count(st, 4, v);
		if (ar_done(a, st))
			return -EIO;
	}
	return 0;
}

static int put_case(struct archive *a, int64_t bench_id, size_t ord, const struct rl_case *c)
{
	sqlite3_stmt *st = ar_stmt(a, ST_INS_CASE);
	char *params = compact(c->params);
	int64_t id;
	int err;

	if (!st) {
		free(params);
		return -EIO;
	}
	sqlite3_bind_int64(st, 1, bench_id);
	sqlite3_bind_int64(st, 2, (int64_t)ord);
	ar_bind_text(st, 3, c->key);
	ar_bind_text(st, 4, c->status);
	ar_bind_text(st, 5, c->reason);
	ar_bind_text(st, 6, params);
	sqlite3_bind_double(st, 7, c->reps);
	err = ar_done(a, st);
	free(params);
	id = sqlite3_last_insert_rowid(a->db);
	for (size_t m = 0; m < c->nr_metrics && !err; m++)
		err = put_metric(a, id, m, &c->metrics[m]);
	return err ? err : put_counters(a, id, c);
}

static int put_bench(struct archive *a, int64_t run_id, const struct rl_bench *b)
{
	sqlite3_stmt *st = ar_stmt(a, ST_INS_BENCH);
	char *params = compact(b->params), *opts = rl_bench_options(b);
	const char *file = strrchr(b->path, '/');
	int64_t id;
	int err;

	if (!st) {
		free(params);
		free(opts);
		return -EIO;
	}
	sqlite3_bind_int64(st, 1, run_id);
	ar_bind_text(st, 2, b->name);
	ar_bind_text(st, 3, file ? file + 1 : b->path);
	ar_bind_text(st, 4, b->status);
	ar_bind_text(st, 5, b->reason);
	ar_bind_text(st, 6, params);
	ar_bind_text(st, 7, opts);
	err = ar_done(a, st);
	free(params);
	free(opts);
	id = sqlite3_last_insert_rowid(a->db);
	for (size_t c = 0; c < b->nr_cases && !err; c++)
		err = put_case(a, id, c, &b->cases[c]);
	return err;
}

/* name -> value rows of one object of the manifest (knobs, settings.set, settings.options.B). */
static int put_pairs(struct archive *a, enum ar_stmt which, int64_t run_id, const char *scope,
		     json_t *obj)
{
	const char *name;
	char text[1024];
	json_t *v;

	json_object_foreach(obj, name, v) {
		sqlite3_stmt *st = ar_stmt(a, which);
		int i = 1;

		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, i++, run_id);
		if (scope)
			ar_bind_text(st, i++, scope);
		ar_bind_text(st, i++, name);
		ar_bind_text(st, i, json_is_null(v) ? NULL : rl_json_text(v, text, sizeof(text)));
		if (ar_done(a, st))
			return -EIO;
	}
	return 0;
}

static int put_settings(struct archive *a, int64_t id, json_t *manifest)
{
	json_t *settings = json_object_get(manifest, "settings"), *v;
	const char *bench;
	int err = put_pairs(a, ST_INS_KNOB, id, NULL, json_object_get(manifest, "knobs"));

	if (!err)
		err = put_pairs(a, ST_INS_SETTING, id, "set", json_object_get(settings, "set"));
	json_object_foreach(json_object_get(settings, "options"), bench, v)
		if (!err && json_is_object(v))
			err = put_pairs(a, ST_INS_SETTING, id, bench, v);
	return err;
}

/* The manifest's names for the run's host, kernel, boot and set, interned. */
static int put_names(struct archive *a, const struct rl_run *run, int64_t ids[4])
{
	char host[512], rel[160], boot[64], set[96];
	int err;

	rl_host(run, host, sizeof(host));
	err = ar_intern(a, ST_INS_HOST, ST_SEL_HOST, host, &ids[0]);
	if (!err)
		err = ar_intern(a, ST_INS_KERNEL, ST_SEL_KERNEL,
				rl_manifest_str(run, "kernel.release", rel, sizeof(rel)), &ids[1]);
	if (!err)
		err = ar_intern(a, ST_INS_BOOT, ST_SEL_BOOT,
				rl_manifest_str(run, "kernel.boot_id", boot, sizeof(boot)), &ids[2]);
	if (!err)
		err = ar_intern(a, ST_INS_SET, ST_SEL_SET,
				rl_manifest_str(run, "run_set.id", set, sizeof(set)), &ids[3]);
	return err;
}

static int put_whole(struct archive *a, const char *top, const char *sub,
		     const struct ar_files *fs, const struct rl_run *run)
{
	/* the manifest's text fields, bound in this order from ?4 on */
	static const char *const fields[] = {
		"run_id", "label", "profile", "start_time", "end_time", "mmbench_version", "schema",
	};
	static const char *const ids_of[] = {
		"vm.ab.id", "vm.ab.side", "vm.ab.boot", "vm.bisect.id", "vm.bisect.commit",
		"vm.bisect.step",
	};
	sqlite3_stmt *st = ar_stmt(a, ST_INS_RUN);
	char buf[1024], *manifest;
	int64_t ids[4], id;
	int err = st ? put_names(a, run, ids) : -EIO;

	if (err)
		return err;
	st = ar_stmt(a, ST_INS_RUN);	/* interning used other statements meanwhile */
	ar_bind_text(st, 1, top);
	ar_bind_text(st, 2, sub);
	ar_bind_text(st, 3, fs->hash);
	for (int i = 0; i < 7; i++)
		ar_bind_text(st, 4 + i, rl_manifest_str(run, fields[i], buf, sizeof(buf)));
	for (int i = 0; i < 4; i++)
		if (ids[i])
			sqlite3_bind_int64(st, 11 + i, ids[i]);
	ar_bind_text(st, 15, rl_manifest_str(run, "run_set.index", buf, sizeof(buf)));
	ar_bind_text(st, 16, rl_incomplete(run, buf, 256));
	sqlite3_bind_int(st, 17, rl_emulated(run) > 0);
	for (int i = 0; i < 6; i++)
		ar_bind_text(st, 18 + i, rl_manifest_str(run, ids_of[i], buf, sizeof(buf)));
	manifest = compact(run->manifest);
	ar_bind_text(st, 24, manifest);
	free(manifest);
	if (ar_done(a, st))
		return -EIO;
	id = sqlite3_last_insert_rowid(a->db);
	err = put_files(a, id, fs, run->dir, run);
	for (size_t b = 0; b < run->nr_benches && !err; b++)
		err = put_bench(a, id, &run->benches[b]);
	return err ? err : put_settings(a, id, run->manifest);
}

int ar_put_run(struct archive *a, const char *top, const char *sub, const struct ar_files *fs)
{
	sqlite3_stmt *st = ar_stmt(a, ST_DEL_RUN);
	char dir[PATH_MAX];
	struct rl_run run;
	int err;

	if (!st)
		return -EIO;
	ar_bind_text(st, 1, top);
	ar_bind_text(st, 2, sub);
	if (ar_done(a, st))
		return -EIO;
	ar_dir(a, top, sub, dir, sizeof(dir));
	if (rl_load_whole_light(dir, &run))
		return put_refused(a, top, sub, fs, dir, rl_load_said());
	err = put_whole(a, top, sub, fs, &run);
	rl_free(&run);
	return err;
}
