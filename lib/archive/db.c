/* ROOT/index.sqlite opened: created, its schema version checked, rebuilt when not to be trusted; statements and transactions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/internal.h"
#include "core/version.h"

static const char *const stmt_sql[AR_NR_STMT] = {
	[ST_RUN_BY_DIR] = "SELECT id, hash FROM runs WHERE top = ?1 AND sub = ?2",
	[ST_FILES_OF] = "SELECT name, size, mtime_ns, ctime_ns, ino, sha256 FROM files "
			"WHERE run_ref = ?1 ORDER BY name",
	[ST_DEL_RUN] = "DELETE FROM runs WHERE top = ?1 AND sub = ?2",
	[ST_INS_RUN] = "INSERT INTO runs (top, sub, hash, run_id, label, profile, start_time, "
		       "end_time, mmbench_version, manifest_schema, host_ref, kernel_ref, boot_ref, "
		       "set_ref, set_index, incomplete, emulated, ab_id, ab_side, ab_boot, bisect_id, "
		       "bisect_commit, bisect_step, manifest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
		       "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
	[ST_INS_REFUSED] = "INSERT INTO runs (top, sub, hash, refused, refused_file) "
			   "VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_INS_FILE] = "INSERT INTO files (run_ref, name, size, mtime_ns, ctime_ns, ino, sha256, "
			"schema) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_TOUCH_FILE] = "UPDATE files SET size = ?3, mtime_ns = ?4, ctime_ns = ?5, ino = ?6 "
			  "WHERE run_ref = ?1 AND name = ?2",
	[ST_INS_BENCH] = "INSERT INTO benches (run_ref, name, file, status, reason, params, "
			 "options) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_INS_CASE] = "INSERT INTO cases (bench_ref, ord, key, status, reason, params, reps) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_INS_METRIC] = "INSERT INTO metrics (case_ref, ord, name, unit, family, better, n, "
			  "median, samples) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_INS_COUNTER] = "INSERT INTO counters (case_ref, source, name, val, ena, run, "
			   "unsupported) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_INS_KNOB] = "INSERT INTO knobs (run_ref, name, value) VALUES (?1, ?2, ?3)",
	[ST_INS_SETTING] = "INSERT INTO settings (run_ref, scope, name, value) "
			   "VALUES (?1, ?2, ?3, ?4)",
	[ST_INS_HOST] = "INSERT OR IGNORE INTO hosts (fingerprint) VALUES (?1)",
	[ST_SEL_HOST] = "SELECT id FROM hosts WHERE fingerprint = ?1",
	[ST_INS_KERNEL] = "INSERT OR IGNORE INTO kernels (release) VALUES (?1)",
	[ST_SEL_KERNEL] = "SELECT id FROM kernels WHERE release = ?1",
	[ST_INS_BOOT] = "INSERT OR IGNORE INTO boots (boot_id) VALUES (?1)",
	[ST_SEL_BOOT] = "SELECT id FROM boots WHERE boot_id = ?1",
	[ST_INS_SET] = "INSERT OR IGNORE INTO sets (set_id) VALUES (?1)",
	[ST_SEL_SET] = "SELECT id FROM sets WHERE set_id = ?1",
	[ST_ALL_RUNS] = "SELECT id, top, sub FROM runs ORDER BY id",
	[ST_RUNS_OF_BENCH] = "SELECT r.top, r.sub, r.manifest, b.id, b.name, b.file, b.status, "
			     "b.reason, b.params FROM benches b JOIN runs r ON r.id = b.run_ref "
			     "WHERE b.name = ?1 AND r.refused IS NULL ORDER BY r.top, r.sub",
	[ST_CASES_OF] = "SELECT c.key, c.status, c.reason, c.reps, m.name, m.unit, m.family, "
			"m.better, m.n, m.median, m.samples FROM cases c LEFT JOIN metrics m "
			"ON m.case_ref = c.id AND (?2 IS NULL OR m.name = ?2) "
			"WHERE c.bench_ref = ?1 ORDER BY c.ord, m.ord",
	[ST_REFUSED] = "SELECT top, sub, refused FROM runs WHERE refused IS NOT NULL "
		       "ORDER BY top, sub",
	[ST_FOREIGN] = "SELECT r.top, r.sub, f.name, f.schema FROM files f "
		       "JOIN runs r ON r.id = f.run_ref WHERE f.schema IS NOT NULL AND "
		       "((f.name = 'manifest.json' AND f.schema <> ?3) OR "
		       "(f.name = ?1 AND f.schema <> ?2)) "
		       "ORDER BY r.top, r.sub, f.name <> 'manifest.json' LIMIT 1",
	[ST_COUNT] = "SELECT count(*) FROM runs",
	[ST_COUNT_REFUSED] = "SELECT count(*) FROM runs WHERE refused IS NOT NULL",
	[ST_MEDIANS] = "SELECT r.id, r.top, r.sub, bt.boot_id, m.median FROM runs r "
		       "LEFT JOIN boots bt ON bt.id = r.boot_ref "
		       "JOIN benches b ON b.run_ref = r.id AND b.name = ?3 "
		       "JOIN cases c ON c.bench_ref = b.id AND c.key = ?5 "
		       "JOIN metrics m ON m.case_ref = c.id AND m.name = ?6 "
		       "WHERE r.host_ref = (SELECT id FROM hosts WHERE fingerprint = ?1) "
		       "AND r.kernel_ref = (SELECT id FROM kernels WHERE release = ?2) "
		       "AND r.refused IS NULL AND r.incomplete IS NULL AND r.sub <> '' "
		       "AND coalesce(b.options, '') = ?4 AND c.status = 'ok' "
		       "AND m.n > 0 AND m.median > 0 ORDER BY r.top, r.sub",
	/* every run of the host's history; ST_HOST_RUN: whether run ?2 is one (by its key) */
	[ST_HOST_RUNS] = "SELECT count(*) FROM runs WHERE "
			 "host_ref = (SELECT id FROM hosts WHERE fingerprint = ?1) "
			 "AND refused IS NULL AND incomplete IS NULL AND sub <> ''",
	[ST_HOST_RUN] = "SELECT count(*) FROM runs WHERE id = ?2 AND "
			"host_ref = (SELECT id FROM hosts WHERE fingerprint = ?1) "
			"AND refused IS NULL AND incomplete IS NULL AND sub <> ''",
};

const char *ar_stmt_sql(enum ar_stmt id)
{
	return stmt_sql[id];
}

int ar_fail(struct archive *a, const char *what)
{
	if (a->pg)
		return pg_fail(a->path, a->pg, what);
	fprintf(stderr, "mmbench: %s: %s: %s\n", a->path, what,
		a->db ? sqlite3_errmsg(a->db) : "cannot open");
	return -EIO;
}

sqlite3_stmt *ar_stmt(struct archive *a, enum ar_stmt id)
{
	sqlite3_stmt *st = a->st[id];

	if (!st) {
		if (sqlite3_prepare_v3(a->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				       &a->st[id], NULL) != SQLITE_OK) {
			ar_fail(a, "preparing a statement");
			return NULL;
		}
		return a->st[id];
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

int ar_exec(struct archive *a, const char *sql)
{
	return sqlite3_exec(a->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : ar_fail(a, sql);
}

int ar_done(struct archive *a, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : ar_fail(a, "writing");
}

int ar_begin(struct archive *a)
{
	if (a->in_txn)
		return 0;
	/* IMMEDIATE: the write lock now, so a second writer waits here (busy timeout), not mid-run */
	if (ar_exec(a, "BEGIN IMMEDIATE"))
		return -EIO;
	a->in_txn = true;
	a->txn_runs = 0;
	return 0;
}

int ar_commit(struct archive *a)
{
	if (!a->in_txn)
		return 0;
	a->in_txn = false;
	return ar_exec(a, "COMMIT");
}

void ar_rollback(struct archive *a)
{
	if (a->in_txn)
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	a->in_txn = false;
}

void ar_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int ar_intern(struct archive *a, enum ar_stmt ins, enum ar_stmt sel, const char *value,
	      int64_t *id)
{
	sqlite3_stmt *st;

	*id = 0;
	if (!value)
		return 0;
	st = ar_stmt(a, ins);
	if (!st)
		return -EIO;
	ar_bind_text(st, 1, value);
	if (ar_done(a, st))
		return -EIO;
	st = ar_stmt(a, sel);
	if (!st)
		return -EIO;
	ar_bind_text(st, 1, value);
	if (sqlite3_step(st) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return *id ? 0 : ar_fail(a, "naming");
}

const char *ar_dir(const struct archive *a, const char *top, const char *sub, char *buf,
		   size_t len)
{
	snprintf(buf, len, "%s/%s%s%s", a->root, top, *sub ? "/" : "", sub);
	return buf;
}

const char *archive_path(const struct archive *a)
{
	return a->path;
}

/* Which directory this index was built for: a copy of it elsewhere is rebuilt, not believed. */
static void root_identity(const char *root, char *buf, size_t len)
{
	struct stat st;

	if (stat(root, &st))
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
}

/* The schema and its meta rows in an empty database, unless a concurrent opener made them. */
static int init_schema(struct archive *a)
{
	sqlite3_stmt *st;
	char id[64], *meta;
	bool made;
	int err;

	if (ar_begin(a))
		return -EIO;
	made = sqlite3_prepare_v2(a->db, "SELECT 1 FROM sqlite_master WHERE name = 'meta'", -1,
				  &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (made)
		return ar_commit(a);
	root_identity(a->root, id, sizeof(id));
	/* %Q: sqlite3_mprintf's quoting of a string literal */
	meta = sqlite3_mprintf("INSERT INTO meta VALUES ('schema_version', '%d'), "
			       "('writer', %Q), ('root', %Q)", ARCHIVE_SCHEMA_VERSION,
			       mmbench_version, id);
	err = !meta ? -ENOMEM : ar_exec(a, archive_schema_sql) ? -EIO : ar_exec(a, meta);
	sqlite3_free(meta);
	if (err) {
		ar_rollback(a);
		return err;
	}
	return ar_commit(a);
}

static void close_db(struct archive *a)
{
	for (int i = 0; i < AR_NR_STMT; i++) {
		sqlite3_finalize(a->st[i]);
		a->st[i] = NULL;
	}
	sqlite3_close(a->db);
	a->db = NULL;
}

static int open_db(struct archive *a, bool create)
{
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

	if (sqlite3_open_v2(a->path, &a->db, flags, NULL) != SQLITE_OK) {
		int e = access(a->path, F_OK) && !create ? -ENOENT : ar_fail(a, "opening");

		close_db(a);
		return e;
	}
	if (sqlite3_db_readonly(a->db, "main") == 1) {
		fprintf(stderr, "mmbench: %s: cannot be written\n", a->path);
		close_db(a);
		return -EROFS;
	}
	/* the file came with the archive: a schema of its own must not run anything here */
	sqlite3_db_config(a->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(a->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_busy_timeout(a->db, 60000);
	return 0;
}

/* Why the index as found must not be used: 0 fine, 1 rebuild, -EPROTO newer than ours. */
static int judge(struct archive *a)
{
	sqlite3_stmt *st = NULL;
	char id[64], root_id[64] = "";
	int version = -1, rc;
	bool empty;

	rc = sqlite3_prepare_v2(a->db, "SELECT key, value FROM meta", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = SQLITE_ROW;
	while (rc == SQLITE_ROW && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);

		if (k && v && !strcmp(k, "schema_version"))
			version = atoi(v);
		else if (k && v && !strcmp(k, "root"))
			snprintf(root_id, sizeof(root_id), "%s", v);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		/* no meta: a fresh file when it has no table at all */
		rc = sqlite3_prepare_v2(a->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
		empty = rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
			!sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		return empty ? 0 : 1;
	}
	if (version > ARCHIVE_SCHEMA_VERSION) {
		fprintf(stderr, "mmbench: %s: index schema version %d is newer than the %d this "
			"mmbench reads: use a newer mmbench (or remove the file to rebuild it)\n",
			a->path, version, ARCHIVE_SCHEMA_VERSION);
		return -EPROTO;
	}
	root_identity(a->root, id, sizeof(id));
	return version < ARCHIVE_SCHEMA_VERSION || strcmp(root_id, id);
}

/* Away with the file (and its WAL): it is rebuilt from the run directories. */
static int rebuild(struct archive *a)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char p[sizeof(a->path) + 16];

	close_db(a);
	fprintf(stderr, "mmbench: %s: not of this archive or this mmbench: rebuilt from the runs\n",
		a->path);
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", a->path, ext[i]);
		if (unlink(p) && errno != ENOENT) {
			fprintf(stderr, "mmbench: %s: %s\n", p, strerror(errno));
			return -EROFS;
		}
	}
	return open_db(a, true);
}

int archive_open(const char *root, bool create, struct archive **out)
{
	struct archive *a = calloc(1, sizeof(*a));
	struct stat st;
	int err;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	snprintf(a->root, sizeof(a->root), "%s", root);
	snprintf(a->path, sizeof(a->path), "%s/%s", root, ARCHIVE_FILE);
	if (stat(root, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mmbench: %s: %s\n", root,
			access(root, F_OK) ? strerror(errno) : "not a directory");
		free(a);
		return -ENOTDIR;
	}
	if (!realpath(root, a->real))
		snprintf(a->real, sizeof(a->real), "%s", root);
	err = open_db(a, create);
	if (!err) {
		err = judge(a);
		/* corrupt, or not a database at all: sqlite says so at the first query */
		if (err > 0)
			err = rebuild(a);
	}
	if (!err && ar_exec(a, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
			    "PRAGMA foreign_keys = ON"))
		err = -EIO;
	if (!err)
		err = init_schema(a);
	if (err) {
		archive_close(a);
		return err;
	}
	*out = a;
	return 0;
}

void archive_close(struct archive *a)
{
	if (!a)
		return;
	if (a->pg) {
		pg_close(a->pg);
		free(a);
		return;
	}
	ar_rollback(a);
	close_db(a);
	free(a);
}
