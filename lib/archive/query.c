/*
 * What the readers of the archive ask of its index: runs refused and foreign schemas, the
 * runs of a bench rebuilt as the reader gives them (one bench, one metric: small), and the
 * medians a host's history is made of. Rows stream: only what is asked is held.
 */
#include <endian.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/internal.h"
#include "core/bench.h"

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

size_t archive_count(struct archive *a, bool refused_only)
{
	sqlite3_stmt *st = ar_stmt(a, refused_only ? ST_COUNT_REFUSED : ST_COUNT);
	size_t n = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = (size_t)sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return n;
}

int archive_each_refused(struct archive *a, int (*fn)(const char *dir, const char *why, void *ctx),
			 void *ctx)
{
	sqlite3_stmt *st = ar_stmt(a, ST_REFUSED);
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return -EIO;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char dir[PATH_MAX], why[PATH_MAX + 1024];
		const char *w = col(st, 2);
		size_t n = strlen(col(st, 0));

		/* the index keeps paths under the root: given back under it as named now */
		if (!strncmp(w, col(st, 0), n) && (w[n] == '/' || w[n] == ':'))
			snprintf(why, sizeof(why), "%s/%s", a->root, w);
		else
			snprintf(why, sizeof(why), "%s", w);
		err = fn(ar_dir(a, col(st, 0), col(st, 1), dir, sizeof(dir)), why, ctx);
	}
	sqlite3_reset(st);
	return err ? err : rc == SQLITE_DONE ? 0 : ar_fail(a, "reading");
}

bool archive_foreign_schema(struct archive *a, const char *name, const char *ours,
			    const char *ours_manifest, char *path, size_t plen, char *schema,
			    size_t slen)
{
	sqlite3_stmt *st = ar_stmt(a, ST_FOREIGN);
	bool found = false;

	if (!st)
		return false;
	ar_bind_text(st, 1, name);
	ar_bind_text(st, 2, ours);
	ar_bind_text(st, 3, ours_manifest);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char dir[PATH_MAX];

		snprintf(path, plen, "%s/%s", ar_dir(a, col(st, 0), col(st, 1), dir, sizeof(dir)),
			 col(st, 2));
		snprintf(schema, slen, "%s", col(st, 3));
		found = true;
	}
	sqlite3_reset(st);
	return found;
}

/* The manifest's fields an analysis of runs asks, copied: the rest of it is not held. */
static json_t *manifest_part(const char *text)
{
	static const char *const keep[] = {
		"schema", "run_id", "label", "profile", "start_time", "end_time", "kernel.release",
		"kernel.boot_id", "cpu.model", "topology.pus", "topology.numa_nodes",
		"virtualization", "vm.accel", "vm.ab", "vm.bisect", "run_set",
	};
	json_t *all = text ? json_loads(text, 0, NULL) : NULL, *part = json_object();

	for (size_t i = 0; part && i < sizeof(keep) / sizeof(keep[0]); i++) {
		char key[64], *dot;
		json_t *v;

		snprintf(key, sizeof(key), "%s", keep[i]);
		dot = strchr(key, '.');
		if (dot)
			*dot = 0;
		v = json_object_get(all, key);
		if (dot && json_is_object(v)) {
			json_t *sub = json_object_get(part, key);

			if (!sub)
				json_object_set_new(part, key, sub = json_object());
			v = json_object_get(v, dot + 1);
			if (v)
				json_object_set(sub, dot + 1, v);
		} else if (!dot && v) {
			json_object_set(part, key, v);
		}
	}
	json_decref(all);
	return part;
}

static double *samples_of(sqlite3_stmt *st, int i, size_t *n)
{
	const uint64_t *le = sqlite3_column_blob(st, i);
	size_t nr = (size_t)sqlite3_column_bytes(st, i) / sizeof(*le);
	double *x = calloc(nr + 1, sizeof(*x));

	*n = 0;
	if (!x)
		return NULL;
	for (size_t k = 0; k < nr; k++) {
		uint64_t v;

		memcpy(&v, &le[k], sizeof(v));
		v = le64toh(v);
		memcpy(&x[k], &v, sizeof(x[k]));
	}
	*n = nr;
	return x;
}

/* A JSON string kept in @owner, its text valid as long as the owner is. */
static const char *keep_str(json_t *owner, const char *s)
{
	json_t *v = json_string(s ? s : "");

	json_array_append_new(owner, v);
	return json_string_value(v);
}

static int add_metric(struct rl_case *c, sqlite3_stmt *st, json_t *strs)
{
	struct rl_metric *m = realloc(c->metrics, (c->nr_metrics + 1) * sizeof(*m));
	const char *better = col(st, 7);

	if (!m)
		return -ENOMEM;
	c->metrics = m;
	m += c->nr_metrics++;
	memset(m, 0, sizeof(*m));
	m->name = keep_str(strs, col(st, 4));
	m->unit = keep_str(strs, col(st, 5));
	m->family = col(st, 6) ? keep_str(strs, col(st, 6)) : NULL;
	m->better = !strcmp(better, "lower") ? BETTER_LOWER :
		    !strcmp(better, "higher") ? BETTER_HIGHER : BETTER_NONE;
	m->samples = samples_of(st, 10, &m->n);
	if (!m->samples)
		return -ENOMEM;
	/* as the light reader has it: the median, no intervals */
	m->s.n = m->n;
	m->s.median = sqlite3_column_type(st, 9) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 9);
	m->s.mean = m->s.stddev = m->s.cv = m->s.ci_lo = m->s.ci_hi = NAN;
	if (m->n > c->reps)
		c->reps = m->n;
	return 0;
}

/* The cases of bench row @bench_id (and their @metric) into @b. */
static int add_cases(struct archive *a, int64_t bench_id, const char *metric, struct rl_bench *b)
{
	sqlite3_stmt *st = ar_stmt(a, ST_CASES_OF);
	json_t *strs = json_object_get(b->root, "strings");
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, bench_id);
	ar_bind_text(st, 2, metric);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rl_case *c = b->nr_cases ? &b->cases[b->nr_cases - 1] : NULL;

		if (!c || strcmp(c->key, col(st, 0))) {
			c = realloc(b->cases, (b->nr_cases + 1) * sizeof(*c));
			if (!c) {
				err = -ENOMEM;
				break;
			}
			b->cases = c;
			c += b->nr_cases++;
			memset(c, 0, sizeof(*c));
			c->key = keep_str(strs, col(st, 0));
			c->status = keep_str(strs, col(st, 1));
			c->reason = keep_str(strs, col(st, 2));
			c->reps = sqlite3_column_double(st, 3);
		}
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			err = add_metric(c, st, strs);
	}
	sqlite3_reset(st);
	return err ? err : rc == SQLITE_DONE ? 0 : ar_fail(a, "reading cases");
}

/*
 * Bench @b of run @dir from the current row of @st, whose columns from @i on are its name,
 * file, status, reason and params; no cases yet.
 */
static int fill_bench(struct rl_bench *b, const char *dir, sqlite3_stmt *st, int i)
{
	json_t *strs = json_array();

	memset(b, 0, sizeof(*b));
	snprintf(b->path, sizeof(b->path), "%s/%s", dir, col(st, i + 1));
	b->root = strs ? json_pack("{so}", "strings", strs) : NULL;
	if (!b->root)
		return -ENOMEM;
	b->params = col(st, i + 4) ? json_loads(col(st, i + 4), 0, NULL) : NULL;
	if (b->params)
		json_object_set_new(b->root, "params", b->params);
	b->name = keep_str(strs, col(st, i));
	b->status = keep_str(strs, col(st, i + 2));
	b->reason = keep_str(strs, col(st, i + 3));
	return 0;
}

/* A run as the reader would give it with only the bench of the current row of @st. */
static struct rl_run *rebuild_run(struct archive *a, sqlite3_stmt *st, const char *metric,
				  int *err)
{
	struct rl_run *run = calloc(1, sizeof(*run));
	struct rl_bench *b = calloc(1, sizeof(*b));

	*err = -ENOMEM;
	if (!run || !b) {
		free(run);
		free(b);
		return NULL;
	}
	ar_dir(a, col(st, 0), col(st, 1), run->dir, sizeof(run->dir));
	snprintf(run->manifest_path, sizeof(run->manifest_path), "%s/manifest.json", run->dir);
	run->manifest = manifest_part(col(st, 2));
	run->benches = b;
	run->nr_benches = 1;
	if (run->manifest)
		*err = fill_bench(b, run->dir, st, 4);
	if (!*err)
		*err = add_cases(a, sqlite3_column_int64(st, 3), metric, b);
	if (!*err)
		return run;
	run_free(run);
	free(run);
	return NULL;
}

int archive_each_run(struct archive *a, const char *bench, const char *metric,
		     int (*fn)(struct rl_run *run, void *ctx), void *ctx)
{
	/* its own statement: rebuilding a run asks ST_CASES_OF meanwhile */
	sqlite3_stmt *st = ar_stmt(a, ST_RUNS_OF_BENCH);
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return -EIO;
	ar_bind_text(st, 1, bench);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rl_run *run = rebuild_run(a, st, metric, &err);

		if (run)
			err = fn(run, ctx);
	}
	sqlite3_reset(st);
	return err ? err : rc == SQLITE_DONE ? 0 : ar_fail(a, "reading runs");
}

/* The benches of run @id: every one's name and params, @bench's cases too. */
static const char benches_sql[] =
	"SELECT id, name, file, status, reason, params FROM benches WHERE run_ref = ?1 "
	"ORDER BY file";

static int add_benches(struct archive *a, int64_t id, struct rl_run *run, const char *bench,
		       const char *metric)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(a->db, benches_sql, -1, &st, NULL) != SQLITE_OK)
		return ar_fail(a, "reading benches");
	sqlite3_bind_int64(st, 1, id);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rl_bench *b = realloc(run->benches, (run->nr_benches + 1) * sizeof(*b));

		if (!b) {
			err = -ENOMEM;
			break;
		}
		run->benches = b;
		b += run->nr_benches++;
		err = fill_bench(b, run->dir, st, 1);
		if (!err && !strcmp(b->name, bench))
			err = add_cases(a, sqlite3_column_int64(st, 0), metric, b);
	}
	if (!err && rc != SQLITE_DONE)
		err = ar_fail(a, "reading benches");
	sqlite3_finalize(st);
	return err;
}

int archive_run(struct archive *a, const char *dir, const char *bench, const char *metric,
		struct rl_run *run)
{
	int64_t id = archive_run_id(a, dir);
	sqlite3_stmt *st;
	int rc, err;

	memset(run, 0, sizeof(*run));
	if (!id)
		return -ENOENT;
	if (sqlite3_prepare_v2(a->db, "SELECT manifest FROM runs WHERE id = ?1 AND "
			       "refused IS NULL", -1, &st, NULL) != SQLITE_OK)
		return ar_fail(a, "reading a run");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	err = rc == SQLITE_DONE ? -ENOENT : rc != SQLITE_ROW ? ar_fail(a, "reading a run") : 0;
	if (!err) {
		snprintf(run->dir, sizeof(run->dir), "%s", dir);
		snprintf(run->manifest_path, sizeof(run->manifest_path), "%s/manifest.json", dir);
		run->manifest = manifest_part(col(st, 0));
		err = run->manifest ? add_benches(a, id, run, bench, metric) : -ENOMEM;
	}
	sqlite3_finalize(st);
	if (err)
		run_free(run);
	return err;
}

int64_t archive_run_id(struct archive *a, const char *dir)
{
	char path[PATH_MAX], top[PATH_MAX];
	size_t n = strlen(a->real);
	const char *rest, *slash;
	sqlite3_stmt *st;
	int64_t id = 0;

	if (!realpath(dir, path) || strncmp(path, a->real, n) || path[n] != '/')
		return 0;
	rest = path + n + 1;
	slash = strchr(rest, '/');
	if (slash && strchr(slash + 1, '/'))
		return 0;
	snprintf(top, sizeof(top), "%.*s", (int)(slash ? slash - rest : (long)strlen(rest)), rest);
	st = ar_stmt(a, ST_RUN_BY_DIR);
	if (!st)
		return 0;
	ar_bind_text(st, 1, top);
	ar_bind_text(st, 2, slash ? slash + 1 : "");
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

int archive_each_median(struct archive *a, const struct archive_hist_q *q,
			int (*fn)(int64_t run, const char *boot, double median, void *ctx),
			void *ctx)
{
	sqlite3_stmt *st = ar_stmt(a, ST_MEDIANS);
	int rc = SQLITE_DONE, err = 0;

	if (!st)
		return -EIO;
	ar_bind_text(st, 1, q->host);
	ar_bind_text(st, 2, q->kernel);
	ar_bind_text(st, 3, q->bench);
	ar_bind_text(st, 4, q->opts ? q->opts : "");
	ar_bind_text(st, 5, q->key);
	ar_bind_text(st, 6, q->metric);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char boot[PATH_MAX + 8], dir[PATH_MAX];

		if (col(st, 3))
			snprintf(boot, sizeof(boot), "%s", col(st, 3));
		else
			snprintf(boot, sizeof(boot), "run:%s",
				 ar_dir(a, col(st, 1), col(st, 2), dir, sizeof(dir)));
		err = fn(sqlite3_column_int64(st, 0), boot, sqlite3_column_double(st, 4), ctx);
	}
	sqlite3_reset(st);
	return err ? err : rc == SQLITE_DONE ? 0 : ar_fail(a, "reading medians");
}

static size_t host_count(struct archive *a, const char *host, int64_t id)
{
	sqlite3_stmt *st = ar_stmt(a, id ? ST_HOST_RUN : ST_HOST_RUNS);
	size_t n = 0;

	if (!st)
		return 0;
	ar_bind_text(st, 1, host);
	if (id)
		sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

size_t archive_history_runs(struct archive *a, const char *host, const int64_t *skip,
			    size_t nskip)
{
	size_t n = host_count(a, host, 0);

	for (size_t i = 0; i < nskip; i++)
		n -= host_count(a, host, skip[i]);
	return n;
}

/* The run directories of one set (or of the archive), the label of each whole one. */
static const char dirs_sql[] =
	"SELECT top, sub, CASE json_type(manifest, '$.label') WHEN 'text' THEN "
	"json_extract(manifest, '$.label') END, refused IS NOT NULL FROM runs "
	"WHERE ?1 IS NULL OR (top = ?1 AND sub <> '') ORDER BY top, sub";

int archive_each_dir(struct archive *a, const char *top,
		     int (*fn)(const char *dir, const char *label, bool refused, void *ctx),
		     void *ctx)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(a->db, dirs_sql, -1, &st, NULL) != SQLITE_OK)
		return ar_fail(a, "reading runs");
	ar_bind_text(st, 1, top);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char dir[PATH_MAX];

		err = fn(ar_dir(a, col(st, 0), col(st, 1), dir, sizeof(dir)), col(st, 2),
			 sqlite3_column_int(st, 3), ctx);
	}
	if (!err && rc != SQLITE_DONE)
		err = ar_fail(a, "reading runs");
	sqlite3_finalize(st);
	return err;
}

/* Every metric of every whole run, in run and file order (export). */
static const char metrics_sql[] =
	"SELECT r.top, r.sub, r.run_id, k.release, h.fingerprint, bt.boot_id, r.start_time, "
	"b.name, c.key, c.status, m.name, m.unit, m.median, m.samples FROM metrics m "
	"JOIN cases c ON c.id = m.case_ref JOIN benches b ON b.id = c.bench_ref "
	"JOIN runs r ON r.id = b.run_ref LEFT JOIN kernels k ON k.id = r.kernel_ref "
	"LEFT JOIN hosts h ON h.id = r.host_ref LEFT JOIN boots bt ON bt.id = r.boot_ref "
	"WHERE r.refused IS NULL ORDER BY r.top, r.sub, b.name, c.ord, m.ord";

int archive_each_metric(struct archive *a,
			int (*fn)(const struct archive_metric_row *m, void *ctx), void *ctx)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(a->db, metrics_sql, -1, &st, NULL) != SQLITE_OK)
		return ar_fail(a, "reading metrics");
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct archive_metric_row m = {
			col(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4), col(st, 5),
			col(st, 6), col(st, 7), col(st, 8), col(st, 9), col(st, 10), col(st, 11),
			NULL, 0, sqlite3_column_type(st, 12) == SQLITE_NULL ? NAN :
				 sqlite3_column_double(st, 12),
		};
		double *x = samples_of(st, 13, &m.n);

		m.x = x;
		err = x ? fn(&m, ctx) : -ENOMEM;
		free(x);
	}
	if (!err && rc != SQLITE_DONE)
		err = ar_fail(a, "reading metrics");
	sqlite3_finalize(st);
	return err;
}
