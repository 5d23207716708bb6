/* What the files of lib/archive/ share: the open index, its statements, a run's files as found. */
#ifndef MMBENCH_ARCHIVE_INTERNAL_H
#define MMBENCH_ARCHIVE_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "archive/archive.h"

#define ARCHIVE_SCHEMA_VERSION	1
/* Runs written in one transaction while indexing: a kill loses at most these, never half a run. */
#define AR_BATCH		64

extern const char archive_schema_sql[];

/* Statements prepared once per open index (db.c holds their SQL). */
enum ar_stmt {
	ST_RUN_BY_DIR, ST_FILES_OF, ST_DEL_RUN, ST_INS_RUN, ST_INS_REFUSED, ST_INS_FILE,
	ST_INS_BENCH, ST_INS_CASE, ST_INS_METRIC, ST_INS_COUNTER, ST_INS_KNOB, ST_INS_SETTING,
	ST_INS_HOST, ST_SEL_HOST, ST_INS_KERNEL, ST_SEL_KERNEL, ST_INS_BOOT, ST_SEL_BOOT,
	ST_INS_SET, ST_SEL_SET, ST_ALL_RUNS, ST_TOUCH_FILE,
	ST_RUNS_OF_BENCH, ST_CASES_OF, ST_REFUSED, ST_FOREIGN, ST_COUNT, ST_COUNT_REFUSED,
	ST_MEDIANS, ST_HOST_RUNS, ST_HOST_RUN,
	AR_NR_STMT
};

struct archive {
	sqlite3 *db;			/* NULL when it is a shared archive's (pg) */
	struct pg_conn *pg;		/* a shared archive read in PostgreSQL (pg_read.c) */
	bool pg_prepared[AR_NR_STMT];
	char root[PATH_MAX];		/* as the user named it: paths said and given back start so */
	char path[PATH_MAX + 16];	/* ROOT/index.sqlite */
	char real[PATH_MAX];		/* the root with no link in it, to find a run by any path */
	sqlite3_stmt *st[AR_NR_STMT];
	bool in_txn;
	size_t txn_runs;		/* runs written in the open transaction */
	struct archive *next;		/* archive_for_reading()'s list of open indexes */
};

/* One file of a run as found: what says whether it changed. */
struct ar_file {
	char name[256];
	int64_t size, mtime_ns, ctime_ns, ino;
	char sha[72];			/* "" until read (only when its stat changed) */
};

struct ar_files {
	struct ar_file *f;
	size_t nr;
	char hash[65];			/* over every file's name and sha */
};

/* An argument of a statement: text (NULL for SQL's NULL) or, when @is_int, a number. */
struct ar_arg {
	const char *s;
	int64_t i;
	bool is_int;
};
#define AR_TEXT(v)	((struct ar_arg){ .s = (v) })
#define AR_INT(v)	((struct ar_arg){ .i = (v), .is_int = true })

/*
 * The rows of one of db.c's statements, asked of either engine: the same SQL text, SQLite's
 * ?N read as PostgreSQL's $N. A PostgreSQL result is held whole; SQLite's rows step.
 */
struct ar_cursor {
	struct archive *a;
	sqlite3_stmt *st;
	struct pg_result *r;
	int row, nr;
};
int ar_query(struct archive *a, enum ar_stmt id, const struct ar_arg *args, int nargs,
	     struct ar_cursor *c);
/* 1 a row, 0 no more, -EIO (said). */
int ar_next(struct ar_cursor *c);
void ar_query_end(struct ar_cursor *c);
const char *ar_text(const struct ar_cursor *c, int i);	/* NULL for NULL */
int64_t ar_int(const struct ar_cursor *c, int i);
double ar_real(const struct ar_cursor *c, int i);	/* NaN for NULL */
/* A blob's bytes, a new buffer of *len bytes (+1; *len 0 for NULL), or NULL for no memory. */
void *ar_blob(const struct ar_cursor *c, int i, size_t *len);

/* db.c */
/* The SQL of statement @id. */
const char *ar_stmt_sql(enum ar_stmt id);
sqlite3_stmt *ar_stmt(struct archive *a, enum ar_stmt id);
int ar_fail(struct archive *a, const char *what);
int ar_exec(struct archive *a, const char *sql);
int ar_done(struct archive *a, sqlite3_stmt *st);
int ar_begin(struct archive *a);
int ar_commit(struct archive *a);
void ar_rollback(struct archive *a);
void ar_bind_text(sqlite3_stmt *st, int i, const char *s);
/* The id of @value in a table of unique names (hosts, kernels, boots, sets); 0 when NULL. */
int ar_intern(struct archive *a, enum ar_stmt ins, enum ar_stmt sel, const char *value,
	      int64_t *id);
/* ROOT/<top>[/<sub>] into @buf. */
const char *ar_dir(const struct archive *a, const char *top, const char *sub, char *buf,
		   size_t len);

/* files.c */
/* The files of ROOT/<top>/<sub> the reader reads, named in order, stat'ed (not read). */
int ar_files_find(const char *dir, struct ar_files *fs);
/* Each file's sha256 (reusing @old's where its stat is the same) and the run's hash. */
int ar_files_hash(const char *dir, struct ar_files *fs, const struct ar_files *old);
bool ar_files_same_stat(const struct ar_files *a, const struct ar_files *b);
void ar_files_free(struct ar_files *fs);
/* The files of run @id as the index holds them. */
int ar_files_stored(struct archive *a, int64_t id, struct ar_files *fs);

/* sync.c: @a kept open for archive_for_reading() and archive_opened() until exit. */
void ar_keep_open(struct archive *a);

/* put.c: run ROOT/<top>/<sub> read and written in place of what the index held of it. */
int ar_put_run(struct archive *a, const char *top, const char *sub, const struct ar_files *fs);

/* pg.c, pg_index.c: the shared archive in PostgreSQL (libpq's PGconn and PGresult) */
struct pg_conn;
struct pg_result;
/* Connected to read: its schema version checked, nothing written. -ECONNREFUSED, -EPROTO. */
int pg_open_reading(const char *cmd, const char *url, struct pg_conn **out);
void pg_close(struct pg_conn *c);
/* Statement @id (db.c's SQL, prepared once) asked of a shared archive; NULL after one line. */
struct pg_result *pg_read(struct archive *a, enum ar_stmt id, const struct ar_arg *args, int n);
/* One line naming the database's complaint (never the URL); -EIO. */
int pg_fail(const char *cmd, struct pg_conn *c, const char *what);
bool pg_ok(struct pg_result *r);
/* The index's schema (archive_schema_sql) in PostgreSQL's words: a new string, or NULL. */
char *pg_index_ddl(void);
/* Run @local of the index as rows of the database's index, as its run @id (its files' run). */
int pg_index_push(const char *cmd, struct pg_conn *c, struct archive *a, int64_t local,
		  const char *id);

#endif
