/*
 * The shared archive of a lab in PostgreSQL (libpq): runs pushed whole, their files and all,
 * keyed by boot and run id so a run pushed twice is one run; pulled back as run directories,
 * which the local index (ROOT/index.sqlite) then answers for. The run's files stay the truth.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "archive/internal.h"
#include "archive/pg.h"
#include "sys/atomic.h"
#include "sys/util.h"

/* 2: the index's tables (schema.c) beside the runs' files, in the schema mmbench_index */
#define PG_SCHEMA_VERSION	2
/* in a pulled run directory: the run's key and hash in the database */
#define PULL_MARK		".mmbench-db-run"

static const char pg_schema_sql[] =
"CREATE TABLE IF NOT EXISTS mmbench_meta (key text PRIMARY KEY, value text NOT NULL);"
"INSERT INTO mmbench_meta VALUES ('schema_version', '2') ON CONFLICT DO NOTHING;"
/* run_key: host|kernel.boot_id/run_id, one per run; host: rl_host(), never pooled */
"CREATE TABLE IF NOT EXISTS mmbench_runs (id bigserial PRIMARY KEY,"
"  run_key text NOT NULL UNIQUE, host text NOT NULL, kernel text,"
"  top text NOT NULL, sub text NOT NULL, hash text NOT NULL,"
"  pushed_at timestamptz NOT NULL DEFAULT now());"
"CREATE TABLE IF NOT EXISTS mmbench_files (run_ref bigint NOT NULL"
"  REFERENCES mmbench_runs(id) ON DELETE CASCADE, name text NOT NULL,"
"  content bytea NOT NULL, PRIMARY KEY (run_ref, name));";

/* The URL is never said back: it may hold a password. libpq's own line names the server. */
int pg_fail(const char *cmd, PGconn *c, const char *what)
{
	const char *msg = c ? PQerrorMessage(c) : "out of memory";
	size_t n = strcspn(msg, "\n");

	fprintf(stderr, "mmbench: %s: the database: %s: %.*s\n", cmd, what, (int)n, msg);
	return -EIO;
}

bool pg_ok(PGresult *r)
{
	ExecStatusType s = PQresultStatus(r);

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static int exec(const char *cmd, PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int err = pg_ok(r) ? 0 : pg_fail(cmd, c, "writing");

	PQclear(r);
	return err;
}

/*
 * The index's tables in the schema mmbench_index, which the connection then looks in first;
 * a database of version 1 (runs and files only) gains them and becomes version 2: the rows
 * of the runs it holds are written when they are pushed again.
 */
static int index_open(const char *cmd, PGconn *c, int *v)
{
	char *ddl = pg_index_ddl(), meta[128];
	int err;

	if (!ddl)
		return -ENOMEM;
	snprintf(meta, sizeof(meta), "INSERT INTO meta VALUES ('schema_version', '%d') ON "
		 "CONFLICT DO NOTHING", ARCHIVE_SCHEMA_VERSION);
	err = exec(cmd, c, "CREATE SCHEMA IF NOT EXISTS mmbench_index; "
		   "SET search_path = mmbench_index, public");
	if (!err)
		err = exec(cmd, c, ddl);
	if (!err)
		err = exec(cmd, c, meta);
	if (!err && *v == 1)
		err = exec(cmd, c, "UPDATE mmbench_meta SET value = '2' WHERE key = "
			   "'schema_version' AND value = '1'");
	if (!err)
		*v = PG_SCHEMA_VERSION;
	free(ddl);
	return err;
}

/* One line: the database's schema version @v is not ours (@older: what to do when older). */
static int version_refused(const char *cmd, int v, const char *older)
{
	fprintf(stderr, "mmbench: %s: the database: schema version %d is not the %d this mmbench "
		"reads%s\n", cmd, v, PG_SCHEMA_VERSION, v > PG_SCHEMA_VERSION ?
		": use a newer mmbench" : older);
	return -EPROTO;
}

/* Connected, its schema made or checked: -EPROTO for a version from the future, -ECONNREFUSED. */
static int db_open(const char *cmd, const char *url, PGconn **out)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r;
	int err = 0, v;

	*out = NULL;
	if (!c || PQstatus(c) != CONNECTION_OK) {
		pg_fail(cmd, c, "cannot connect");
		PQfinish(c);
		return -ECONNREFUSED;
	}
	/* quiet the NOTICEs of IF NOT EXISTS */
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	if (exec(cmd, c, pg_schema_sql)) {
		PQfinish(c);
		return -EIO;
	}
	r = PQexec(c, "SELECT value FROM mmbench_meta WHERE key = 'schema_version'");
	v = pg_ok(r) && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	if ((v == 1 || v == PG_SCHEMA_VERSION) && index_open(cmd, c, &v)) {
		PQfinish(c);
		return -EIO;
	}
	if (v != PG_SCHEMA_VERSION)
		err = version_refused(cmd, v, "");
	if (err)
		PQfinish(c);
	else
		*out = c;
	return err;
}

void pg_close(PGconn *c)
{
	PQfinish(c);
}

int pg_open_reading(const char *cmd, const char *url, PGconn **out)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r;
	int v;

	*out = NULL;
	if (!c || PQstatus(c) != CONNECTION_OK) {
		pg_fail(cmd, c, "cannot connect");
		PQfinish(c);
		return -ECONNREFUSED;
	}
	/* a reader writes nothing: a database push never made is refused, not made */
	r = PQexec(c, "SELECT value FROM mmbench_meta WHERE key = 'schema_version'");
	v = !pg_ok(r) ? 0 : PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	if (!v)
		fprintf(stderr, "mmbench: %s: the database holds no mmbench archive (push makes "
			"one)\n", cmd);
	if (v != PG_SCHEMA_VERSION) {
		if (v)
			version_refused(cmd, v, ": push to it once to bring it up to date");
		PQfinish(c);
		return -EPROTO;
	}
	*out = c;
	return 0;
}

/* The whole file @path read into memory (runs are small: the reader caps their files). */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	if (f)
		fclose(f);
	return buf;
}

static int push_files(const char *cmd, PGconn *c, const char *id, const char *dir)
{
	struct ar_files fs;
	int err = ar_files_find(dir, &fs);

	for (size_t i = 0; i < fs.nr && !err; i++) {
		char path[PATH_MAX + 256];
		const char *vals[3];
		int lens[3] = { 0, 0, 0 }, fmts[3] = { 0, 0, 1 };
		size_t len = 0;
		char *data;
		PGresult *r;

		snprintf(path, sizeof(path), "%s/%s", dir, fs.f[i].name);
		data = slurp(path, &len);
		if (!data) {
			fprintf(stderr, "mmbench: %s: %s: %s\n", cmd, path, strerror(errno));
			err = -EIO;
			break;
		}
		vals[0] = id;
		vals[1] = fs.f[i].name;
		vals[2] = data;
		lens[2] = (int)len;
		r = PQexecParams(c, "INSERT INTO mmbench_files (run_ref, name, content) "
				 "VALUES ($1, $2, $3)", 3, NULL, vals, lens, fmts, 0);
		err = pg_ok(r) ? 0 : pg_fail(cmd, c, "writing");
		PQclear(r);
		free(data);
	}
	ar_files_free(&fs);
	return err;
}

/*
 * One whole run in its own transaction, its files and its rows of the index (run @local of
 * @a): a kill leaves it pushed whole or not at all.
 */
static int push_run(const char *cmd, PGconn *c, const char *const v[6], const char *dir,
		    struct archive *a, int64_t local, bool *sent)
{
	PGresult *r;
	int err = exec(cmd, c, "BEGIN");

	*sent = false;
	if (err)
		return err;
	/* the same run again: nothing; its files changed (or it has no rows yet): anew */
	r = PQexecParams(c, "INSERT INTO mmbench_runs (run_key, host, kernel, top, sub, hash) "
			 "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (run_key) DO UPDATE SET "
			 "hash = EXCLUDED.hash, pushed_at = now() WHERE mmbench_runs.hash <> "
			 "EXCLUDED.hash OR NOT EXISTS (SELECT 1 FROM mmbench_index.runs i WHERE "
			 "i.id = mmbench_runs.id) RETURNING id", 6, NULL, v, NULL, NULL, 0);
	err = pg_ok(r) ? 0 : pg_fail(cmd, c, "writing");
	if (!err && PQntuples(r) == 1) {
		const char *id = PQgetvalue(r, 0, 0), *del[1] = { id };
		PGresult *d = PQexecParams(c, "DELETE FROM mmbench_files WHERE run_ref = $1", 1,
					   NULL, del, NULL, NULL, 0);

		err = pg_ok(d) ? push_files(cmd, c, id, dir) : pg_fail(cmd, c, "writing");
		if (!err)
			err = pg_index_push(cmd, c, a, local, id);
		PQclear(d);
		*sent = !err;
	}
	PQclear(r);
	if (err) {
		PQclear(PQexec(c, "ROLLBACK"));
		return err;
	}
	return exec(cmd, c, "COMMIT");
}

/* Each whole run of the local index: its directory, key, host, kernel, hash and id. */
static const char runs_sql[] =
	"SELECT r.top, r.sub, coalesce(h.fingerprint, '?') || '|' || coalesce(b.boot_id, r.hash) "
	"|| '/' || coalesce(r.run_id, r.hash), "
	"h.fingerprint, k.release, r.hash, r.id FROM runs r LEFT JOIN boots b ON b.id = r.boot_ref "
	"LEFT JOIN hosts h ON h.id = r.host_ref LEFT JOIN kernels k ON k.id = r.kernel_ref "
	"WHERE r.refused IS NULL ORDER BY r.top, r.sub";

int archive_push(const char *root, const char *url, struct archive_push_tally *t)
{
	struct archive *a;
	sqlite3_stmt *st;
	PGconn *c;
	int err, rc;

	memset(t, 0, sizeof(*t));
	err = archive_open(root, true, &a);
	if (err)
		return err;
	err = archive_sync(a, &t->local);
	if (!err)
		err = db_open("push", url, &c);
	if (err) {
		archive_close(a);
		return err;
	}
	rc = sqlite3_prepare_v2(a->db, runs_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		err = ar_fail(a, "reading runs");
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v[6];
		char dir[PATH_MAX];
		bool sent;

		for (int i = 0; i < 6; i++)
			v[i] = (const char *)sqlite3_column_text(st, i);
		if (!v[3])
			v[3] = "?";
		ar_dir(a, v[0], v[1], dir, sizeof(dir));
		/* the database's key first: key, host, kernel, top, sub, hash */
		err = push_run("push", c, (const char *const[6]){ v[2], v[3], v[4], v[0], v[1],
								  v[5] }, dir, a,
			       sqlite3_column_int64(st, 6), &sent);
		*(sent ? &t->sent : &t->already) += 1;
	}
	sqlite3_finalize(st);
	PQfinish(c);
	archive_close(a);
	return err;
}

/* A name the database gave, safe as one path component. */
static bool plain_name(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/');
}

/* A pulled run directory (files only) removed. */
static int rm_flat(const char *dir)
{
	struct ar_files fs;
	char path[PATH_MAX + 300];
	int err = ar_files_find(dir, &fs);

	for (size_t i = 0; i < fs.nr && !err; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, fs.f[i].name);
		if (unlink(path))
			err = -errno;
	}
	ar_files_free(&fs);
	snprintf(path, sizeof(path), "%s/" PULL_MARK, dir);
	if (!err && unlink(path) && errno != ENOENT)
		err = -errno;
	return err ? err : rmdir(dir) ? -errno : 0;
}

/* Run @id's files into a new directory, put in place whole (in place of @dir's when @replace). */
static int pull_files(const char *who, PGconn *c, const char *id, const char *mark, const char *dir,
		      bool replace)
{
	char tmp[PATH_MAX + 32], old[PATH_MAX + 32], path[PATH_MAX + 300];
	const char *p[1] = { id };
	PGresult *r;
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s.pull%d", dir, (int)getpid());
	snprintf(old, sizeof(old), "%s.old%d", dir, (int)getpid());
	err = mkdir_p(tmp);
	if (err)
		return err;
	/* binary: the files come back byte for byte */
	r = PQexecParams(c, "SELECT name, content FROM mmbench_files WHERE run_ref = $1", 1, NULL,
			 p, NULL, NULL, 1);
	if (!pg_ok(r))
		err = pg_fail(who, c, "reading");
	for (int i = 0; !err && i < PQntuples(r); i++) {
		char name[256];

		snprintf(name, sizeof(name), "%.*s", PQgetlength(r, i, 0), PQgetvalue(r, i, 0));
		if (!plain_name(name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp, name);
		err = atomic_write_buf(path, PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1));
	}
	PQclear(r);
	snprintf(path, sizeof(path), "%s/" PULL_MARK, tmp);
	if (!err)
		err = atomic_write_buf(path, mark, strlen(mark));
	if (!err && replace && rename(dir, old))
		err = -errno;
	if (!err && rename(tmp, dir))
		err = -errno;
	if (!err && replace)
		err = rm_flat(old);
	if (err)
		rm_flat(tmp);
	return err;
}

/*
 * Where run @key goes under @root: ROOT/<top>/<sub>, or beside it by its database @id when
 * another run holds that name. 0 new there, 1 there already as it is, 2 there but changed.
 */
static int place(const char *root, PGresult *r, int i, char *dir, size_t len, char *mark,
		 size_t mlen)
{
	const char *id = PQgetvalue(r, i, 0), *top = PQgetvalue(r, i, 1), *sub = PQgetvalue(r, i, 2);

	snprintf(mark, mlen, "%s\n%s\n", PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
	for (int k = 0; k < 2; k++) {
		char path[PATH_MAX + 32], *have;
		size_t n = 0, klen = strlen(PQgetvalue(r, i, 3)) + 1;
		int state;

		snprintf(dir, len, "%s/%s%s%s%s%s", root, top, *sub ? "/" : "", sub, k ? ".db" : "",
			 k ? id : "");
		snprintf(path, sizeof(path), "%s/" PULL_MARK, dir);
		have = slurp(path, &n);
		if (!have && access(dir, F_OK))
			return 0;
		state = !have || n < klen || memcmp(have, mark, klen) ? -1 :
			n == strlen(mark) && !memcmp(have, mark, n) ? 1 : 2;
		free(have);
		if (state > 0)
			return state;
	}
	return -EEXIST;
}

int archive_pull(const char *who, const char *url, const char *root, struct archive_push_tally *t)
{
	PGresult *r;
	PGconn *c;
	int err;

	memset(t, 0, sizeof(*t));
	err = db_open(who, url, &c);
	if (err)
		return err;
	r = PQexec(c, "SELECT id, top, sub, run_key, hash FROM mmbench_runs ORDER BY id");
	if (!pg_ok(r))
		err = pg_fail(who, c, "reading");
	for (int i = 0; !err && i < PQntuples(r); i++) {
		char dir[PATH_MAX], mark[1024];
		int state;

		if (!plain_name(PQgetvalue(r, i, 1)) ||
		    (*PQgetvalue(r, i, 2) && !plain_name(PQgetvalue(r, i, 2))))
			continue;
		state = place(root, r, i, dir, sizeof(dir), mark, sizeof(mark));
		if (state == 1) {
			t->already++;
			continue;
		}
		err = state < 0 ? state : mkdir_parents(dir);
		if (!err)
			err = pull_files(who, c, PQgetvalue(r, i, 0), mark, dir, state == 2);
		if (err)
			fprintf(stderr, "mmbench: %s: %s: %s\n", who, dir, strerror(-err));
		t->sent += !err;
	}
	PQclear(r);
	PQfinish(c);
	return err;
}
