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
	sqlite3 *db;
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

/* db.c */
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

/* put.c: run ROOT/<top>/<sub> read and written in place of what the index held of it. */
int ar_put_run(struct archive *a, const char *top, const char *sub, const struct ar_files *fs);

/* pg.c, pg_index.c: the shared archive in PostgreSQL (libpq's PGconn and PGresult) */
struct pg_conn;
struct pg_result;
/* One line naming the database's complaint (never the URL); -EIO. */
int pg_fail(const char *cmd, struct pg_conn *c, const char *what);
bool pg_ok(struct pg_result *r);
/* The index's schema (archive_schema_sql) in PostgreSQL's words: a new string, or NULL. */
char *pg_index_ddl(void);
/* Run @local of the index as rows of the database's index, as its run @id (its files' run). */
int pg_index_push(const char *cmd, struct pg_conn *c, struct archive *a, int64_t local,
		  const char *id);

#endif
