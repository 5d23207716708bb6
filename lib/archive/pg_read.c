/*
 * A shared archive's index (PostgreSQL, schema mmbench_index) read in place of a root's: the
 * readers' statements of db.c, their SQLite ?N as $N, over a view of the runs named as pull
 * writes them, so trend and history read the database as they read a pulled root.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "archive/internal.h"

/*
 * One snapshot for the whole reading (a push meanwhile is not half seen); in it, the runs'
 * names once: the first run (by id) of a directory name keeps it, another host's beside it as
 * <run>.db<id> (pull's place()); byte order, as SQLite and scandir() sort. The temporary view
 * `runs` comes before mmbench_index.runs in the search path, so db.c's SQL reads it.
 */
static const char setup_sql[] =
	"SET search_path = mmbench_index; "
	/* planned once: the statements are small and asked again and again (history, each run) */
	"SET plan_cache_mode = force_generic_plan; "
	"BEGIN ISOLATION LEVEL REPEATABLE READ; "
	"CREATE TEMP TABLE run_names AS SELECT id, "
	"  (CASE WHEN k > 1 AND sub = '' THEN top || '.db' || id ELSE top END) COLLATE \"C\" "
	"  AS top, "
	"  (CASE WHEN k > 1 AND sub <> '' THEN sub || '.db' || id ELSE sub END) COLLATE \"C\" "
	"  AS sub "
	"  FROM (SELECT id, top, sub, row_number() OVER (PARTITION BY top, sub ORDER BY id) AS k "
	"        FROM mmbench_index.runs) x; "
	"CREATE UNIQUE INDEX ON run_names (id); "
	"CREATE INDEX ON run_names (top, sub); "
	"ANALYZE run_names; "
	"CREATE TEMP VIEW runs AS SELECT r.id, n.top, n.sub, r.hash, r.refused, r.refused_file, "
	"  r.run_id, r.label, r.profile, r.start_time, r.end_time, r.mmbench_version, "
	"  r.manifest_schema, r.host_ref, r.kernel_ref, r.boot_ref, r.set_ref, r.set_index, "
	"  r.incomplete, r.emulated, r.ab_id, r.ab_side, r.ab_boot, r.bisect_id, r.bisect_commit, "
	"  r.bisect_step, r.manifest FROM mmbench_index.runs r JOIN run_names n ON n.id = r.id";

/* @sql with SQLite's ?N as PostgreSQL's $N (a new string), or NULL. */
static char *dollars(const char *sql)
{
	char *out = strdup(sql);

	for (char *p = out; p && (p = strchr(p, '?')); p++)
		if (p[1] >= '1' && p[1] <= '9')
			*p = '$';
	return out;
}

/* libpq's types of text and bigint: "?2 IS NULL" alone says nothing of its type */
#define TEXTOID		25
#define INT8OID		20
#define MAX_ARGS	8

PGresult *pg_read(struct archive *a, enum ar_stmt id, const struct ar_arg *args, int n)
{
	char name[16], num[MAX_ARGS][24];
	const char *v[MAX_ARGS];
	Oid types[MAX_ARGS];
	PGresult *r;

	if (n > MAX_ARGS)
		return NULL;
	for (int i = 0; i < n; i++) {
		snprintf(num[i], sizeof(num[i]), "%" PRId64, args[i].i);
		v[i] = args[i].is_int ? num[i] : args[i].s;
		types[i] = args[i].is_int ? INT8OID : TEXTOID;
	}
	snprintf(name, sizeof(name), "st%d", (int)id);
	if (!a->pg_prepared[id]) {
		char *sql = dollars(ar_stmt_sql(id));

		r = sql ? PQprepare(a->pg, name, sql, n, types) : NULL;
		free(sql);
		if (!pg_ok(r)) {
			PQclear(r);
			pg_fail(a->path, a->pg, "reading its index");
			return NULL;
		}
		PQclear(r);
		a->pg_prepared[id] = true;
	}
	r = PQexecPrepared(a->pg, name, n, v, NULL, NULL, 0);
	if (pg_ok(r))
		return r;
	PQclear(r);
	pg_fail(a->path, a->pg, "reading its index");
	return NULL;
}

int archive_for_db(const char *cmd, const char *url, char *name, size_t len)
{
	struct archive *a = calloc(1, sizeof(*a));
	PGresult *r;
	int err;

	if (!a)
		return -ENOMEM;
	err = pg_open_reading(cmd, url, &a->pg);
	if (err) {
		free(a);
		return err;
	}
	/* messages say the command, as pg.c's do; the archive's name never holds the URL */
	snprintf(a->path, sizeof(a->path), "%s", cmd);
	snprintf(a->root, sizeof(a->root), "postgresql://%s:%s/%s", PQhost(a->pg), PQport(a->pg),
		 PQdb(a->pg));
	snprintf(a->real, sizeof(a->real), "%s", a->root);
	r = PQexec(a->pg, setup_sql);
	if (!pg_ok(r)) {
		PQclear(r);
		err = pg_fail(cmd, a->pg, "reading its index");
		archive_close(a);
		return err;
	}
	PQclear(r);
	snprintf(name, len, "%s", a->root);
	ar_keep_open(a);
	return 0;
}
