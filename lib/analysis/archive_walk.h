/* Every run directory of an archive (ROOT/<kernel>/<run>, and ROOT/<run>): the one walk trend and publish share. */
#ifndef MMBENCH_ARCHIVE_WALK_H
#define MMBENCH_ARCHIVE_WALK_H

/* Given each run directory's path; nonzero stops the walk and is returned. */
typedef int (*archive_walk_fn)(const char *dir, void *arg);

/*
 * Each run directory right below @root and one level further down, in name order (a
 * kernel's runs in time order), to @fn. Hidden names and symbolic links are passed over: a
 * link could lead the walk out of the archive or round in a loop. -EINVAL after one line
 * "mmbench: @who: ROOT: why" when @root cannot be read; a kernel directory that cannot be
 * read is passed over.
 */
int archive_walk(const char *root, const char *who, archive_walk_fn fn, void *arg);

#endif
