/* Writing a file whole or not at all: a temporary name beside it, fsync, rename, fsync of its directory. */
#ifndef MMBENCH_ATOMIC_H
#define MMBENCH_ATOMIC_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/*
 * Fills @f (a memory stream: it never fails for lack of disk) with a file's content;
 * 0 or -errno.
 */
typedef int (*atomic_fill_fn)(FILE *f, void *arg);

/*
 * Replace @path with @len bytes of @buf: they go to ".<name>.tmp-<pid>" in the same
 * directory, are fsynced, renamed over @path, and the directory is fsynced, so a crash
 * or a full disk leaves either the old file or the new one, never a part. On failure the
 * temporary file is removed. 0 or -errno; prints nothing.
 */
int atomic_write_buf(const char *path, const char *buf, size_t len);
/* atomic_write_buf() of what @fill writes. */
int atomic_write(const char *path, atomic_fill_fn fill, void *arg);
/* atomic_write_buf() of @json dumped with jansson's @flags. */
int atomic_write_json(const char *path, const json_t *json, size_t flags);
/*
 * A file written as a run goes (log.txt, sweep.txt): it grows under "<path>.partial" and
 * takes its name only when atomic_stream_close() has fsynced it whole. @partial (at least
 * PATH_MAX + 16) keeps the temporary name. NULL with errno on failure.
 */
FILE *atomic_stream_open(const char *path, char *partial, size_t len);
/* fflush, fsync, close, rename to @path, fsync of the directory. 0 or -errno. */
int atomic_stream_close(FILE *f, const char *partial, const char *path);
/* fsync the directory holding @path, so that a file created, renamed or removed there stays so. */
int atomic_sync_dir(const char *path);

#endif
