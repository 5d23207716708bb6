/* Small file-system helpers the rest of lib/ shares. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "sys/util.h"

int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

int mkdir_p(const char *dir)
{
	int r = mkdir_parents(dir);

	if (r)
		return r;
	return mkdir(dir, 0755) && errno != EEXIST ? -errno : 0;
}
