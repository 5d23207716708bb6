/*
 * Bringing the index up to date with the run directories under its root, the same ones trend
 * reads (ROOT/<run> and ROOT/<set>/<run>, in name order, no links): a run whose files' hash
 * changed is read again, a new one added, a removed one dropped. Writes go in transactions of
 * AR_BATCH runs, so a kill leaves every run indexed whole or as it was.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/internal.h"
#include "results/run_keys.h"

struct walk {
	struct archive *a;
	struct archive_tally *t;
	int64_t *seen;			/* ids of the runs found, for what is gone */
	size_t nr_seen;
};

static int lookup(struct archive *a, const char *top, const char *sub, int64_t *id, char *hash)
{
	sqlite3_stmt *st = ar_stmt(a, ST_RUN_BY_DIR);
	int rc;

	*id = 0;
	if (!st)
		return -EIO;
	ar_bind_text(st, 1, top);
	ar_bind_text(st, 2, sub);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ar_fail(a, "looking up a run");
}

static int see(struct walk *w, int64_t id)
{
	int64_t *s = realloc(w->seen, (w->nr_seen + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	w->seen = s;
	w->seen[w->nr_seen++] = id;
	return 0;
}

/* The same content under new file times (a copy, a touch): only the times are written. */
static int touch(struct archive *a, int64_t id, const struct ar_files *fs)
{
	for (size_t i = 0; i < fs->nr; i++) {
		sqlite3_stmt *st = ar_stmt(a, ST_TOUCH_FILE);

		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		ar_bind_text(st, 2, fs->f[i].name);
		sqlite3_bind_int64(st, 3, fs->f[i].size);
		sqlite3_bind_int64(st, 4, fs->f[i].mtime_ns);
		sqlite3_bind_int64(st, 5, fs->f[i].ctime_ns);
		sqlite3_bind_int64(st, 6, fs->f[i].ino);
		if (ar_done(a, st))
			return -EIO;
	}
	return 0;
}

/* A write of one run, in the open batch; the batch is committed when full. */
static int write_run(struct walk *w, const char *top, const char *sub, const struct ar_files *now,
		     int64_t id)
{
	struct archive *a = w->a;
	int err = ar_begin(a);
	char hash[65];

	if (!err)
		err = id ? touch(a, id, now) : ar_put_run(a, top, sub, now);
	if (!err && !id)
		err = lookup(a, top, sub, &id, hash);
	if (!err)
		err = see(w, id);
	if (!err && ++a->txn_runs >= AR_BATCH)
		err = ar_commit(a);
	return err;
}

/* One run directory ROOT/<top>/<sub>: read again only when its files' hash changed. */
static int visit(struct walk *w, const char *top, const char *sub)
{
	struct ar_files now, old = { 0 };
	char dir[PATH_MAX], hash[65] = "";
	int64_t id;
	int err;

	ar_dir(w->a, top, sub, dir, sizeof(dir));
	w->t->runs++;
	/* gone meanwhile: as if it never was */
	if (ar_files_find(dir, &now))
		return 0;
	err = lookup(w->a, top, sub, &id, hash);
	if (!err && id)
		err = ar_files_stored(w->a, id, &old);
	if (!err && id && ar_files_same_stat(&now, &old)) {
		w->t->unchanged++;
		err = see(w, id);
		goto out;
	}
	if (!err)
		err = ar_files_hash(dir, &now, id ? &old : NULL);
	if (err)
		goto out;
	if (id && !strcmp(now.hash, hash)) {
		w->t->unchanged++;
		err = write_run(w, top, sub, &now, id);
	} else {
		*(id ? &w->t->updated : &w->t->added) += 1;
		err = write_run(w, top, sub, &now, 0);
	}
out:
	ar_files_free(&now);
	ar_files_free(&old);
	return err;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* trend's walk (trend_load.c): every run directory below @top (or the root), one level down. */
static int walk_dir(struct walk *w, const char *top)
{
	char dir[PATH_MAX];
	struct dirent **names = NULL;
	int n, err = 0;

	if (top)
		ar_dir(w->a, top, "", dir, sizeof(dir));
	else
		snprintf(dir, sizeof(dir), "%s", w->a->root);
	n = scandir(dir, &names, NULL, name_cmp);
	if (n < 0)
		return top ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char path[PATH_MAX + 256];

		if (!err && name[0] != '.' && names[i]->d_type != DT_LNK) {
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			if (is_run_dir(path))
				err = top ? visit(w, top, name) : visit(w, name, "");
			else if (!top)
				err = walk_dir(w, name);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int archive_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Runs no longer there (and hosts, kernels, boots, sets no run names any more) dropped. */
static int drop_gone(struct walk *w)
{
	struct archive *a = w->a;
	sqlite3_stmt *st = ar_stmt(a, ST_ALL_RUNS);
	char (*gone)[2][256] = NULL;
	size_t nr = 0;
	int rc, err = 0;

	if (!st)
		return -EIO;
	qsort(w->seen, w->nr_seen, sizeof(*w->seen), archive_id_cmp);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		char dir[PATH_MAX];
		void *g;

		if (bsearch(&id, w->seen, w->nr_seen, sizeof(id), archive_id_cmp))
			continue;
		/* a run written since the walk passed its place (run's own hook) stays */
		ar_dir(a, (const char *)sqlite3_column_text(st, 1),
		       (const char *)sqlite3_column_text(st, 2), dir, sizeof(dir));
		if (is_run_dir(dir))
			continue;
		g = realloc(gone, (nr + 1) * sizeof(*gone));
		if (!g) {
			err = -ENOMEM;
			break;
		}
		gone = g;
		snprintf(gone[nr][0], 256, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(gone[nr++][1], 256, "%s", (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < nr && !err; i++) {
		st = ar_stmt(a, ST_DEL_RUN);
		err = st && !ar_begin(a) ? 0 : -EIO;
		if (!err) {
			ar_bind_text(st, 1, gone[i][0]);
			ar_bind_text(st, 2, gone[i][1]);
			err = ar_done(a, st);
		}
	}
	free(gone);
	w->t->removed = nr;
	if (!err && nr)
		err = ar_exec(a, "DELETE FROM hosts WHERE id NOT IN (SELECT host_ref FROM runs "
			      "WHERE host_ref IS NOT NULL); DELETE FROM kernels WHERE id NOT IN "
			      "(SELECT kernel_ref FROM runs WHERE kernel_ref IS NOT NULL); "
			      "DELETE FROM boots WHERE id NOT IN (SELECT boot_ref FROM runs WHERE "
			      "boot_ref IS NOT NULL); DELETE FROM sets WHERE id NOT IN (SELECT "
			      "set_ref FROM runs WHERE set_ref IS NOT NULL)");
	return err;
}

int archive_sync(struct archive *a, struct archive_tally *t)
{
	struct walk w = { .a = a, .t = t };
	int err;

	memset(t, 0, sizeof(*t));
	err = walk_dir(&w, NULL);
	if (!err)
		err = drop_gone(&w);
	if (!err)
		err = ar_commit(a);
	else
		ar_rollback(a);
	free(w.seen);
	if (err == -ENOMEM)
		fprintf(stderr, "mmbench: %s: %s\n", a->path, strerror(ENOMEM));
	t->skipped = archive_count(a, true);
	return err;
}

int archive_add_run(const char *dir)
{
	char *d1 = strdup(dir), *d2 = strdup(dir), *d3 = strdup(dir);
	char *top = NULL, *sub = NULL, *root;
	struct archive_tally t = { 0 };
	struct walk w = { .t = &t };
	int err = -ENOMEM;

	if (d1 && d2 && d3) {
		sub = basename(d1);
		top = basename(dirname(d2));
		root = dirname(dirname(d3));
		err = archive_open(root, true, &w.a);
	}
	if (w.a) {
		err = visit(&w, top, sub);
		err = err ? err : ar_commit(w.a);
		archive_close(w.a);
	}
	free(w.seen);
	free(d1);
	free(d2);
	free(d3);
	return err;
}

/* The indexes readers opened in this process: each synced once, closed at exit. */
static struct archive *opened;

static void close_opened(void)
{
	while (opened) {
		struct archive *a = opened;

		opened = a->next;
		archive_close(a);
	}
}

void ar_keep_open(struct archive *a)
{
	if (!opened)
		atexit(close_opened);
	a->next = opened;
	opened = a;
}

struct archive *archive_opened(const char *root)
{
	struct archive *a;

	for (a = opened; a; a = a->next)
		if (!strcmp(a->root, root))
			return a;
	return NULL;
}

struct archive *archive_for_reading(const char *root, bool create, int *err)
{
	const char *env = getenv("MMBENCH_INDEX");
	struct archive_tally t;
	struct archive *a = archive_opened(root);

	*err = 0;
	/* a shared archive's has no files to read instead */
	if (a && a->pg)
		return a;
	if (env && !strcmp(env, "off"))
		return NULL;
	if (a)
		return a;
	*err = archive_open(root, create, &a);
	/* none, and none to be made: the reader reads every run */
	if (*err == -ENOENT && !create)
		*err = 0;
	if (*err || !a)
		return NULL;
	*err = archive_sync(a, &t);
	if (*err) {
		archive_close(a);
		return NULL;
	}
	ar_keep_open(a);
	return a;
}
