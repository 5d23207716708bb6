/*
 * A run's files as found, and whether they changed since indexed: the content hash decides;
 * a file whose size, times and inode are all as recorded is not read again (as git's index).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "archive/internal.h"
#include "sys/sha256.h"

/* What the reader of a run reads (results_read.c): the manifest, its texts, every JSON file. */
static int is_read(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	if (d->d_name[0] == '.')
		return 0;
	return !strcmp(d->d_name, "INCOMPLETE") || !strcmp(d->d_name, "sweep.txt") ||
	       (len > 5 && !strcmp(d->d_name + len - 5, ".json"));
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

int ar_files_find(const char *dir, struct ar_files *fs)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, is_read, name_cmp), err = 0;

	memset(fs, 0, sizeof(*fs));
	if (n < 0)
		return -errno;
	fs->f = calloc(n + 1, sizeof(*fs->f));
	if (!fs->f)
		err = -ENOMEM;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX + 256];
		struct ar_file *f = &fs->f[fs->nr];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		/* gone meanwhile: as if never there; the next look sees it again */
		if (!err && !lstat(path, &st) && strlen(names[i]->d_name) < sizeof(f->name)) {
			snprintf(f->name, sizeof(f->name), "%s", names[i]->d_name);
			f->size = st.st_size;
			f->mtime_ns = ns(&st.st_mtim);
			f->ctime_ns = ns(&st.st_ctim);
			f->ino = (int64_t)st.st_ino;
			fs->nr++;
		}
		free(names[i]);
	}
	free(names);
	return err;
}

static void hex(const uint8_t d[32], char *out)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* A file's content hash; what is not a regular file is named as such, never followed. */
static int hash_file(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char buf[65536], d[65];
	struct sha256_ctx s;
	struct stat st;
	uint8_t dg[32];
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ssize_t l = readlink(path, buf, sizeof(buf) - 1);

		if (fd >= 0)
			close(fd);
		if (l >= 0) {
			sha256_hex(buf, (size_t)l, d);
			snprintf(out, len, "link:%s", d);
		} else {
			snprintf(out, len, "other:%s", strerror(errno));
		}
		return 0;
	}
	sha256_init(&s);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&s, (size_t)n, (const uint8_t *)buf);
	close(fd);
	if (n < 0)
		return -errno;
	sha256_digest(&s, sizeof(dg), dg);
	hex(dg, out);
	return 0;
}

static bool same_stat(const struct ar_file *a, const struct ar_file *b)
{
	return !strcmp(a->name, b->name) && a->size == b->size && a->mtime_ns == b->mtime_ns &&
	       a->ctime_ns == b->ctime_ns && a->ino == b->ino;
}

bool ar_files_same_stat(const struct ar_files *a, const struct ar_files *b)
{
	if (a->nr != b->nr)
		return false;
	for (size_t i = 0; i < a->nr; i++)
		if (!same_stat(&a->f[i], &b->f[i]))
			return false;
	return true;
}

int ar_files_hash(const char *dir, struct ar_files *fs, const struct ar_files *old)
{
	struct sha256_ctx s;
	uint8_t dg[32];
	size_t o = 0;

	sha256_init(&s);
	for (size_t i = 0; i < fs->nr; i++) {
		struct ar_file *f = &fs->f[i];
		char path[PATH_MAX + 256];
		int err;

		/* both lists are in name order */
		while (old && o < old->nr && strcmp(old->f[o].name, f->name) < 0)
			o++;
		if (old && o < old->nr && same_stat(&old->f[o], f)) {
			snprintf(f->sha, sizeof(f->sha), "%s", old->f[o].sha);
		} else {
			snprintf(path, sizeof(path), "%s/%s", dir, f->name);
			err = hash_file(path, f->sha, sizeof(f->sha));
			if (err)
				return err;
		}
		sha256_update(&s, strlen(f->name) + 1, (const uint8_t *)f->name);
		sha256_update(&s, strlen(f->sha), (const uint8_t *)f->sha);
		sha256_update(&s, 1, (const uint8_t *)"\n");
	}
	sha256_digest(&s, sizeof(dg), dg);
	hex(dg, fs->hash);
	return 0;
}

void ar_files_free(struct ar_files *fs)
{
	free(fs->f);
	memset(fs, 0, sizeof(*fs));
}

int ar_files_stored(struct archive *a, int64_t id, struct ar_files *fs)
{
	sqlite3_stmt *st = ar_stmt(a, ST_FILES_OF);
	int rc;

	memset(fs, 0, sizeof(*fs));
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ar_file *f = realloc(fs->f, (fs->nr + 1) * sizeof(*f));

		if (!f) {
			sqlite3_reset(st);
			return -ENOMEM;
		}
		fs->f = f;
		f += fs->nr++;
		snprintf(f->name, sizeof(f->name), "%s", (const char *)sqlite3_column_text(st, 0));
		f->size = sqlite3_column_int64(st, 1);
		f->mtime_ns = sqlite3_column_int64(st, 2);
		f->ctime_ns = sqlite3_column_int64(st, 3);
		f->ino = sqlite3_column_int64(st, 4);
		snprintf(f->sha, sizeof(f->sha), "%s", (const char *)sqlite3_column_text(st, 5));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : ar_fail(a, "reading files");
}
