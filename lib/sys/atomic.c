/* Writing a file whole or not at all: a temporary name beside it, fsync, rename, fsync of its directory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sys/atomic.h"

int atomic_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, err = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* some file systems cannot sync a directory (EINVAL): nothing more to do there */
	if (fsync(fd) && errno != EINVAL)
		err = -errno;
	close(fd);
	return err;
}

/* A dot name, so that readers of the directory (*.json) never take it for a result. */
static int temp_name(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	int n = snprintf(buf, len, "%.*s.%s.tmp-%d", dirlen, path, path + dirlen, (int)getpid());

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

int atomic_write_buf(const char *path, const char *buf, size_t len)
{
	char tmp[PATH_MAX];
	int fd, err = temp_name(path, tmp, sizeof(tmp));

	if (err)
		return err;
	/* one left by a killed process of the same pid is not ours to append to */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	err = write_all(fd, buf, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return atomic_sync_dir(path);
}

int atomic_write(const char *path, atomic_fill_fn fill, void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int err;

	if (!m)
		return -errno;
	err = fill(m, arg);
	if (fclose(m) && !err)
		err = -ENOMEM;
	if (!err)
		err = atomic_write_buf(path, buf, len);
	free(buf);
	return err;
}

int atomic_write_json(const char *path, const json_t *json, size_t flags)
{
	char *text = json_dumps(json, flags);
	int err;

	if (!text)
		return -ENOMEM;
	err = atomic_write_buf(path, text, strlen(text));
	free(text);
	return err;
}

FILE *atomic_stream_open(const char *path, char *partial, size_t len)
{
	snprintf(partial, len, "%s.partial", path);
	return fopen(partial, "we");
}

int atomic_stream_close(FILE *f, const char *partial, const char *path)
{
	int err = 0;

	if (fflush(f) || ferror(f) || fsync(fileno(f)))
		err = -(errno ? errno : EIO);
	if (fclose(f) && !err)
		err = -(errno ? errno : EIO);
	if (!err && rename(partial, path))
		err = -errno;
	if (!err)
		err = atomic_sync_dir(path);
	return err;
}
