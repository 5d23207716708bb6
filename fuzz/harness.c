/* The fuzz harness of the run-directory reader: an input is a run directory's files, read, reported and compared. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "harness.h"
#include "results/results_read.h"

/* Empties @dir (files and plots/) from the last input. */
static void empty(const char *dir)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/plots", dir);
	for (int pass = 0; pass < 2; pass++) {
		const char *at = pass ? dir : path;

		d = opendir(at);
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.' && (!de->d_name[1] || de->d_name[1] == '.'))
				continue;
			snprintf(path, sizeof(path), "%s/%s", at, de->d_name);
			if (unlink(path) && errno == EISDIR)
				rmdir(path);
		}
		if (d)
			closedir(d);
		snprintf(path, sizeof(path), "%s/plots", dir);
	}
	rmdir(path);
}

/* A name the scratch directory may take: no path, nothing hidden. */
static int name_ok(const char *name, size_t len)
{
	if (!len || len > 64 || name[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == 0)
			return 0;
	return 1;
}

static void write_files(const char *dir, const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl, *next;
		char path[PATH_MAX + 80];
		FILE *f;

		if (end - p < 3 || memcmp(p, "@@", 2))
			return;
		nl = memchr(p, '\n', end - p);
		if (!nl)
			return;
		next = memmem(nl + 1, end - nl - 1, "\n@@", 3);
		next = next ? next + 1 : end;
		if (name_ok(p + 2, nl - p - 2)) {
			snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(nl - p - 2), p + 2);
			f = fopen(path, "w");
			if (f) {
				fwrite(nl + 1, 1, next - nl - 1, f);
				fclose(f);
			}
		}
		p = next;
	}
}

int fuzz_one(const char *scratch, const char *base, const uint8_t *data, size_t size)
{
	char dir[PATH_MAX], *argv[] = { "compare", dir, dir, NULL };
	struct rl_run run;
	int err;

	snprintf(dir, sizeof(dir), "%s/run", scratch);
	mkdir(dir, 0755);
	empty(dir);
	write_files(dir, data, size);
	err = rl_load(dir, &run);
	if (err)
		return err;
	rl_free(&run);
	/* what a loaded run goes through: the report with its plots, and compare both ways */
	cmd_report(2, (char *[]){ "report", dir, NULL });
	cmd_compare(3, argv);
	argv[1] = (char *)base;
	cmd_compare(3, argv);
	return 0;
}

void fuzz_cleanup(const char *scratch)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/run", scratch);
	empty(dir);
	rmdir(dir);
	rmdir(scratch);
}
