/* Every run directory of an archive, in name order, for trend and publish (archive_walk.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/archive_walk.h"
#include "analysis/runset.h"

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int walk(const char *dir, int depth, const char *who, archive_walk_fn fn, void *arg)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, name_cmp), err = 0;

	if (n < 0) {
		if (depth)
			return 0;
		fprintf(stderr, "mmbench: %s: %s: %s\n", who, dir, strerror(errno));
		return -EINVAL;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];

		if (!err && names[i]->d_name[0] != '.' && names[i]->d_type != DT_LNK) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (is_run_dir(path))
				err = fn(path, arg);
			else if (!depth)
				err = walk(path, 1, who, fn, arg);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int archive_walk(const char *root, const char *who, archive_walk_fn fn, void *arg)
{
	return walk(root, 0, who, fn, arg);
}
