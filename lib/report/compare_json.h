/* A comparison as JSON, schema mmbench-compare/3 (compare_json.c). */
#ifndef MMBENCH_COMPARE_JSON_H
#define MMBENCH_COMPARE_JSON_H

#include "analysis/compare.h"

/* Written whole or not at all: 0, or -errno after one line. */
int cmp_write_json(const char *path, const struct cmp *c);

#endif
