/*
 * An LD_PRELOAD for test_help: each getopt_long call appends the options it offers (--long,
 * and -x for short letters) to the file $MMBENCH_OPTDUMP, then parses as glibc's does.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*getopt_long_fn)(int, char *const[], const char *, const struct option *, int *);

static void dump(const char *shorts, const struct option *longopts)
{
	const char *path = getenv("MMBENCH_OPTDUMP");
	FILE *f = path ? fopen(path, "a") : NULL;

	if (!f)
		return;
	for (const struct option *o = longopts; o && o->name; o++)
		fprintf(f, "--%s\n", o->name);
	for (const char *s = shorts; s && *s; s++)
		if (isalnum((unsigned char)*s))
			fprintf(f, "-%c\n", *s);
	fclose(f);
}

int getopt_long(int argc, char *const argv[], const char *shorts, const struct option *longopts,
		int *longindex)
{
	static getopt_long_fn real;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "getopt_long");
	dump(shorts, longopts);
	return real(argc, argv, shorts, longopts, longindex);
}
