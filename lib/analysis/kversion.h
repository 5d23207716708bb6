/* Ordering kernel releases by version: 6.1.0-57-cloud-amd64 < 6.12-rc3 < 6.12.117+deb12-cloud-amd64 < 6.18.44. */
#ifndef MMBENCH_KVERSION_H
#define MMBENCH_KVERSION_H

#include <stdbool.h>

#define KVERSION_PARTS	4

struct kversion {
	bool ok;			/* starts with MAJOR.MINOR */
	unsigned long part[KVERSION_PARTS];	/* 6.12.117 -> 6, 12, 117, 0 */
	long rc;			/* -rcN: N; -1 for a release */
	const char *rest;		/* what follows (Debian ABI, flavour, local version) */
};

/* Parse @release ("6.1.0-57-cloud-amd64"); @v->rest points into it. */
void kversion_parse(const char *release, struct kversion *v);
/*
 * <0, 0, >0 as @a sorts before, with or after @b: by version numbers, then a -rcN before
 * the release, then the rest in natural order (-56 before -57); unparsable releases last,
 * among themselves by name.
 */
int kversion_cmp(const char *a, const char *b);

#endif
