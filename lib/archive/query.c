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

static const char *col(const struct ar_cursor *c, int i)
{
	return ar_text(c, i);
}

size_t archive_count(struct archive *a, bool refused_only)
{
	struct ar_cursor c;
	size_t n = 0;

	if (ar_query(a, refused_only ? ST_COUNT_REFUSED : ST_COUNT, NULL, 0, &c))
		return 0;
	if (ar_next(&c) == 1)
		n = (size_t)ar_int(&c, 0);
	ar_query_end(&c);
	return n;
}

int archive_each_refused(struct archive *a, int (*fn)(const char *dir, const char *why, void *ctx),
			 void *ctx)
{
	struct ar_cursor c;
	int rc = 0, err = ar_query(a, ST_REFUSED, NULL, 0, &c);

	while (!err && (rc = ar_next(&c)) == 1) {
		char dir[PATH_MAX], why[PATH_MAX + 1024];
		const char *w = ar_text(&c, 2);
		size_t n = strlen(ar_text(&c, 0));

		/* the index keeps paths under the root: given back under it as named now */
		if (!strncmp(w, ar_text(&c, 0), n) && (w[n] == '/' || w[n] == ':'))
			snprintf(why, sizeof(why), "%s/%s", a->root, w);
		else
			snprintf(why, sizeof(why), "%s", w);
		err = fn(ar_dir(a, ar_text(&c, 0), ar_text(&c, 1), dir, sizeof(dir)), why, ctx);
	}
	ar_query_end(&c);
	return err ? err : rc;
}

bool archive_foreign_schema(struct archive *a, const char *name, const char *ours,
			    const char *ours_manifest, char *path, size_t plen, char *schema,
			    size_t slen)
{
	const struct ar_arg args[] = { AR_TEXT(name), AR_TEXT(ours), AR_TEXT(ours_manifest) };
	struct ar_cursor c;
	bool found = false;

	if (ar_query(a, ST_FOREIGN, args, 3, &c))
		return false;
	if (ar_next(&c) == 1) {
		char dir[PATH_MAX];

		snprintf(path, plen, "%s/%s",
			 ar_dir(a, ar_text(&c, 0), ar_text(&c, 1), dir, sizeof(dir)), ar_text(&c, 2));
		snprintf(schema, slen, "%s", ar_text(&c, 3));
		found = true;
	}
	ar_query_end(&c);
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

/* The samples of blob column @i: little-endian doubles, on the host's order in place. */
static double *samples_of(const struct ar_cursor *c, int i, size_t *n)
{
	size_t len;
	double *x = ar_blob(c, i, &len);

	*n = 0;
	if (!x)
		return NULL;
	*n = len / sizeof(*x);
	for (size_t k = 0; k < *n; k++) {
		uint64_t v;

		memcpy(&v, &x[k], sizeof(v));
		v = le64toh(v);
		memcpy(&x[k], &v, sizeof(x[k]));
	}
	return x;
}

/* A JSON string kept in @owner, its text valid as long as the owner is. */
static const char *keep_str(json_t *owner, const char *s)
{
	json_t *v = json_string(s ? s : "");

	json_array_append_new(owner, v);
	return json_string_value(v);
}

static int add_metric(struct rl_case *c, const struct ar_cursor *st, json_t *strs)
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
	m->s.median = ar_real(st, 9);
	m->s.mean = m->s.stddev = m->s.cv = m->s.ci_lo = m->s.ci_hi = NAN;
	if (m->n > c->reps)
		c->reps = m->n;
	return 0;
}

/* The cases of bench row @bench_id (and their @metric) into @b. */
static int add_cases(struct archive *a, int64_t bench_id, const char *metric, struct rl_bench *b)
{
	const struct ar_arg args[] = { AR_INT(bench_id), AR_TEXT(metric) };
	json_t *strs = json_object_get(b->root, "strings");
	struct ar_cursor cur, *st = &cur;
	int rc = 0, err = ar_query(a, ST_CASES_OF, args, 2, &cur);

	while (!err && (rc = ar_next(st)) == 1) {
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
			c->reps = ar_real(st, 3);
		}
		if (col(st, 4))
			err = add_metric(c, st, strs);
	}
	ar_query_end(st);
	return err ? err : rc;
}

/*
 * Bench @b of run @dir from the current row of @st, whose columns from @i on are its name,
 * file, status, reason and params; no cases yet.
 */
static int fill_bench(struct rl_bench *b, const char *dir, const struct ar_cursor *st, int i)
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
static struct rl_run *rebuild_run(struct archive *a, const struct ar_cursor *st,
				  const char *metric, int *err)
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
		*err = add_cases(a, ar_int(st, 3), metric, b);
	if (!*err)
		return run;
	rl_free(run);
	free(run);
	return NULL;
}

int archive_each_run(struct archive *a, const char *bench, const char *metric,
		     int (*fn)(struct rl_run *run, void *ctx), void *ctx)
{
	/* its own statement: rebuilding a run asks ST_CASES_OF meanwhile */
	const struct ar_arg args[] = { AR_TEXT(bench) };
	struct ar_cursor c;
	int rc = 0, err = ar_query(a, ST_RUNS_OF_BENCH, args, 1, &c);

	while (!err && (rc = ar_next(&c)) == 1) {
		struct rl_run *run = rebuild_run(a, &c, metric, &err);

		if (run)
			err = fn(run, ctx);
	}
	ar_query_end(&c);
	return err ? err : rc;
}

/* The benches of run @id: every one's name and params, @bench's cases too. */
static const char benches_sql[] =
	"SELECT id, name, file, status, reason, params FROM benches WHERE run_ref = ?1 "
	"ORDER BY file";

static int add_benches(struct archive *a, int64_t id, struct rl_run *run, const char *bench,
		       const char *metric)
{
	struct ar_cursor cur = { .a = a };
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(a->db, benches_sql, -1, &st, NULL) != SQLITE_OK)
		return ar_fail(a, "reading benches");
	cur.st = st;
	sqlite3_bind_int64(st, 1, id);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rl_bench *b = realloc(run->benches, (run->nr_benches + 1) * sizeof(*b));

		if (!b) {
			err = -ENOMEM;
			break;
		}
		run->benches = b;
		b += run->nr_benches++;
		err = fill_bench(b, run->dir, &cur, 1);
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
	struct ar_cursor cur = { .a = a };
	sqlite3_stmt *st;
	int rc, err;

	memset(run, 0, sizeof(*run));
	if (!id || a->pg)	/* a shared archive's runs are read through a copy (db_root()) */
		return -ENOENT;
	if (sqlite3_prepare_v2(a->db, "SELECT manifest FROM runs WHERE id = ?1 AND "
			       "refused IS NULL", -1, &st, NULL) != SQLITE_OK)
		return ar_fail(a, "reading a run");
	cur.st = st;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	err = rc == SQLITE_DONE ? -ENOENT : rc != SQLITE_ROW ? ar_fail(a, "reading a run") : 0;
	if (!err) {
		snprintf(run->dir, sizeof(run->dir), "%s", dir);
		snprintf(run->manifest_path, sizeof(run->manifest_path), "%s/manifest.json", dir);
		run->manifest = manifest_part(col(&cur, 0));
		err = run->manifest ? add_benches(a, id, run, bench, metric) : -ENOMEM;
	}
	sqlite3_finalize(st);
	if (err)
		rl_free(run);
	return err;
}

int64_t archive_run_id(struct archive *a, const char *dir)
{
	char path[PATH_MAX], top[PATH_MAX];
	/* a shared archive's runs are named by the archive's name, never by a path of this host */
	const char *under = a->pg ? a->root : a->real, *rest, *slash;
	size_t n = strlen(under);
	struct ar_arg args[2];
	struct ar_cursor c;
	int64_t id = 0;

	if (a->pg)
		snprintf(path, sizeof(path), "%s", dir);
	else if (!realpath(dir, path))
		return 0;
	if (strncmp(path, under, n) || path[n] != '/')
		return 0;
	rest = path + n + 1;
	slash = strchr(rest, '/');
	if (slash && strchr(slash + 1, '/'))
		return 0;
	snprintf(top, sizeof(top), "%.*s", (int)(slash ? slash - rest : (long)strlen(rest)), rest);
	args[0] = AR_TEXT(top);
	args[1] = AR_TEXT(slash ? slash + 1 : "");
	if (ar_query(a, ST_RUN_BY_DIR, args, 2, &c))
		return 0;
	if (ar_next(&c) == 1)
		id = ar_int(&c, 0);
	ar_query_end(&c);
	return id;
}

int archive_each_median(struct archive *a, const struct archive_hist_q *q,
			int (*fn)(int64_t run, const char *boot, double median, void *ctx),
			void *ctx)
{
	const struct ar_arg args[] = {
		AR_TEXT(q->host), AR_TEXT(q->kernel), AR_TEXT(q->bench),
		AR_TEXT(q->opts ? q->opts : ""), AR_TEXT(q->key), AR_TEXT(q->metric),
	};
	struct ar_cursor c;
	int rc = 0, err = ar_query(a, ST_MEDIANS, args, 6, &c);

	while (!err && (rc = ar_next(&c)) == 1) {
		char boot[PATH_MAX + 8], dir[PATH_MAX];

		if (col(&c, 3))
			snprintf(boot, sizeof(boot), "%s", col(&c, 3));
		else
			snprintf(boot, sizeof(boot), "run:%s",
				 ar_dir(a, col(&c, 1), col(&c, 2), dir, sizeof(dir)));
		err = fn(ar_int(&c, 0), boot, ar_real(&c, 4), ctx);
	}
	ar_query_end(&c);
	return err ? err : rc;
}

static size_t host_count(struct archive *a, const char *host, int64_t id)
{
	const struct ar_arg args[] = { AR_TEXT(host), AR_INT(id) };
	struct ar_cursor c;
	size_t n = 0;

	if (ar_query(a, id ? ST_HOST_RUN : ST_HOST_RUNS, args, id ? 2 : 1, &c))
		return 0;
	if (ar_next(&c) == 1)
		n = (size_t)ar_int(&c, 0);
	ar_query_end(&c);
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
	struct ar_cursor cur = { .a = a };
	sqlite3_stmt *st;
	int rc, err = 0;

	if (a->pg)	/* a shared archive's directories are its copy's (db_root()) */
		return -EOPNOTSUPP;
	if (sqlite3_prepare_v2(a->db, dirs_sql, -1, &st, NULL) != SQLITE_OK)
		return ar_fail(a, "reading runs");
	cur.st = st;
	ar_bind_text(st, 1, top);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char dir[PATH_MAX];

		err = fn(ar_dir(a, col(&cur, 0), col(&cur, 1), dir, sizeof(dir)), col(&cur, 2),
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
	struct ar_cursor cur = { .a = a };
	sqlite3_stmt *st;
	int rc, err = 0;

	if (a->pg)	/* export reads a root */
		return -EOPNOTSUPP;
	if (sqlite3_prepare_v2(a->db, metrics_sql, -1, &st, NULL) != SQLITE_OK)
		return ar_fail(a, "reading metrics");
	cur.st = st;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct archive_metric_row m = {
			col(&cur, 0), col(&cur, 1), col(&cur, 2), col(&cur, 3), col(&cur, 4), col(&cur, 5),
			col(&cur, 6), col(&cur, 7), col(&cur, 8), col(&cur, 9), col(&cur, 10), col(&cur, 11),
			NULL, 0, ar_real(&cur, 12),
		};
		double *x = samples_of(&cur, 13, &m.n);

		m.x = x;
		err = x ? fn(&m, ctx) : -ENOMEM;
		free(x);
	}
	if (!err && rc != SQLITE_DONE)
		err = ar_fail(a, "reading metrics");
	sqlite3_finalize(st);
	return err;
}
