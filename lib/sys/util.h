/* Small file-system helpers the rest of lib/ shares. */
#ifndef MMBENCH_UTIL_H
#define MMBENCH_UTIL_H

/* mkdir -p: every directory of @dir; -errno. */
int mkdir_p(const char *dir);
/* mkdir -p of the directory holding @path. */
int mkdir_parents(const char *path);

#endif
