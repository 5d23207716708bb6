/*
 * The index of an archive of runs: ROOT/index.sqlite beside the run directories (schema in
 * schema.c), brought up to date from them before it is read. The run directories stay the
 * truth: a missing, stale or corrupt index is rebuilt from them, never trusted.
 */
#ifndef MMBENCH_ARCHIVE_H
#define MMBENCH_ARCHIVE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/results_read.h"

#define ARCHIVE_FILE	"index.sqlite"

struct archive;

/* What one bringing up to date found. */
struct archive_tally {
	size_t runs;		/* run directories under the root */
	size_t added, updated, unchanged, removed;
	size_t skipped;		/* of the runs: those the reader refuses (listed with their reason) */
};

/*
 * ROOT/index.sqlite opened, created when absent and @create, rebuilt when corrupt or of an
 * older schema. 0; -ENOENT when absent and not @create (nothing said); -EPROTO when its
 * schema is newer than this mmbench reads, -EROFS when it cannot be written, -ENOTDIR when
 * ROOT is not a directory, -EIO: one line said each time.
 */
int archive_open(const char *root, bool create, struct archive **out);
void archive_close(struct archive *a);
const char *archive_path(const struct archive *a);

/* Every run directory under the root indexed as its files are now: added, updated, removed. */
int archive_sync(struct archive *a, struct archive_tally *t);
/* One run directory ROOT/<set>/<run> indexed (a run just written); 0 or -errno, one line said. */
int archive_add_run(const char *dir);

/*
 * The index of @root for a reader, synced once per process and kept open until exit: NULL
 * (*err 0) when MMBENCH_INDEX=off, or when there is none and not @create; NULL with *err
 * set and one line said when it cannot be used (then the reader reads every run itself).
 */
struct archive *archive_for_reading(const char *root, bool create, int *err);

/* The archive named @root a reader opened already (a shared one: archive_for_db()), or NULL. */
struct archive *archive_opened(const char *root);
/*
 * The index of the shared archive at @url (PostgreSQL, pushed by `push`) for a reader, in
 * place of a root: kept open until exit, read in one snapshot as the readers below read a
 * root's, under the name put in @name ("postgresql://HOST:PORT/DB", never the URL, which may
 * hold a password), which archive_for_reading() and archive_opened() then know. Its runs are
 * named as pull writes them: a run of another host whose name is taken goes beside it as
 * <run>.db<id>. Nothing is written. 0; -ECONNREFUSED when it does not answer, -EPROTO when
 * it holds no archive of our schema, -EIO: one line said each time.
 */
int archive_for_db(const char *cmd, const char *url, char *name, size_t len);

/* Readers (query.c). Runs come in the order of their directories' names. */

/* Run directories seen (whatever they held), runs the reader refused among them. */
size_t archive_count(struct archive *a, bool refused_only);
/* Each refused run directory: its path under the root as given, and the reader's line. */
int archive_each_refused(struct archive *a, int (*fn)(const char *dir, const char *why, void *ctx),
			 void *ctx);
/*
 * The first run file @name (or manifest.json, before it in each run) whose "schema" is
 * neither NULL nor @ours (@ours_manifest for manifest.json): its path into @path, its schema
 * into @schema. false when there is none.
 */
bool archive_foreign_schema(struct archive *a, const char *name, const char *ours,
			    const char *ours_manifest, char *path, size_t plen, char *schema,
			    size_t slen);
/*
 * Each whole run with @bench, rebuilt as the reader would give it with only that bench,
 * its cases and, in them, only @metric (every metric when NULL); the manifest holds the
 * fields an analysis asks (kernel, boot, start time, label, host, vm). @fn owns the run.
 */
int archive_each_run(struct archive *a, const char *bench, const char *metric,
		     int (*fn)(struct rl_run *run, void *ctx), void *ctx);

/*
 * Each run directory of set ROOT/<@top> (of the whole archive when NULL: ROOT/<run> and
 * ROOT/<set>/<run>), in the order of their names as archive_walk() and scandir() give them:
 * its path under the root as named, the manifest's label when it is text (NULL otherwise, and
 * for a refused run, of which nothing is kept), and whether the reader refused it.
 */
int archive_each_dir(struct archive *a, const char *top,
		     int (*fn)(const char *dir, const char *label, bool refused, void *ctx),
		     void *ctx);

/*
 * Run directory @dir (any path to it under the root; the run keeps it as given) rebuilt as
 * the reader would give it with every bench's name, status and params but only @bench's
 * cases and, in them, only @metric (every metric when NULL); the manifest as
 * archive_each_run() has it. -ENOENT when the index has no whole run there (nothing said).
 */
int archive_run(struct archive *a, const char *dir, const char *bench, const char *metric,
		struct rl_run *run);

/* qsort()/bsearch() order of the index's run ids (int64_t). */
int archive_id_cmp(const void *a, const void *b);
/* The index's id of run directory @dir (any path to it), or 0 when it has none. */
int64_t archive_run_id(struct archive *a, const char *dir);

/* One question of a host's history: a metric of a case of a bench, of one kernel and options. */
struct archive_hist_q {
	const char *host, *kernel, *bench, *opts, *key, *metric;
};
/*
 * The median of the metric in every whole run with no INCOMPLETE at ROOT/<set>/<run> that
 * answers @q, with the run's id, its boot ("run:DIR" when its manifest has none).
 */
int archive_each_median(struct archive *a, const struct archive_hist_q *q,
			int (*fn)(int64_t run, const char *boot, double median, void *ctx),
			void *ctx);
/* How many such runs of @host there are, whatever they measured, but those of @skip (ids, each once). */
size_t archive_history_runs(struct archive *a, const char *host, const int64_t *skip,
			    size_t nskip);

/* One metric of one run, as export gives it (strings NULL when the run has none). */
struct archive_metric_row {
	const char *top, *sub, *run_id, *kernel, *host, *boot, *start_time;
	const char *bench, *key, *status, *metric, *unit;
	const double *x;	/* the samples, n of them */
	size_t n;
	double median;		/* NaN when none */
};
/* Each metric of each whole run, in the order of the runs' directories and their files. */
int archive_each_metric(struct archive *a,
			int (*fn)(const struct archive_metric_row *m, void *ctx), void *ctx);

#endif
