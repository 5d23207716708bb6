/* A throwaway archive of runs of bench "fake" for the tests of the archive and its readers. */
#ifndef MMBENCH_TEST_ARCHIVE_FIXTURE_H
#define MMBENCH_TEST_ARCHIVE_FIXTURE_H

#include <stdio.h>

#include "testutil.h"

#define MMBENCH	"./build/mmbench"

/*
 * ROOT/<rel>/<id>: a run of bench "fake" (options size=@size) with cases mode=a and mode=b,
 * metrics m (about @level) and n, made in @boot on host @cpu with @label (NULL: none).
 */
static inline const char *arc_run(const char *root, const char *rel, const char *id, const char *label,
			   const char *boot, const char *cpu, const char *size, double level,
			   int seed)
{
	static char dir[4096];
	char path[4200], lab[64], x[3][32];

	for (int i = 0; i < 3; i++)
		snprintf(x[i], sizeof(x[i]), "%.6g", level * (1 + 0.01 * ((seed * 7 + i * 3) % 5 - 2)));
	snprintf(lab, sizeof(lab), label ? "\"%s\"" : "null", label);
	snprintf(dir, sizeof(dir), "%s/%s/%s", root, rel, id);
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	tu_write_file(path, "{\"schema\": \"mmbench-manifest/1\", \"run_id\": \"%s\", \"label\": %s, "
		      "\"start_time\": \"2026-01-01T00:00:%02dZ\", \"kernel\": {\"release\": \"%s\", "
		      "\"boot_id\": \"%s\"}, \"cpu\": {\"model\": \"%s\"}, \"topology\": "
		      "{\"pus\": 2, \"numa_nodes\": 1}, \"virtualization\": \"kvm\", "
		      "\"knobs\": {\"thp.enabled\": \"always [madvise] never\"}}\n", id, lab,
		      seed % 60, rel, boot, cpu);
	snprintf(path, sizeof(path), "%s/fake.json", dir);
	tu_write_file(path, "{\"schema\": \"mmbench/1\", \"bench\": \"fake\", \"status\": \"ok\", "
		      "\"params\": {\"size\": \"%s\", \"reps\": 3}, \"cases\": ["
		      "{\"case\": \"mode=a\", \"status\": \"ok\", \"params\": {\"mode\": \"a\"}, "
		      "\"metrics\": [{\"name\": \"m\", \"unit\": \"ns\", \"better\": \"lower\", "
		      "\"samples\": [%s, %s, %s]}, {\"name\": \"n\", \"unit\": \"count\", "
		      "\"better\": \"none\", \"samples\": [1, 1, 1]}], "
		      "\"counters\": {\"minor-faults\": {\"val\": 60, \"ena\": 10, \"run\": 10}}, "
		      "\"vmstat\": {\"pgfault\": 82}}, "
		      "{\"case\": \"mode=b\", \"status\": \"ok\", \"metrics\": [{\"name\": \"m\", "
		      "\"unit\": \"ns\", \"better\": \"lower\", \"samples\": [%s, %s, %s]}]}]}\n",
		      size, x[0], x[1], x[2], x[1], x[2], x[0]);
	return dir;
}

static inline const char *plain_run(const char *root, const char *rel, const char *id, double level)
{
	return arc_run(root, rel, id, NULL, "boot-1", "cpu A", "1M", level, (int)level);
}

/*
 * Six kernels: label a (the trend) in one boot each, label b in three boots (history for the
 * steps), with a refused run, one of other options, a bisect step, a run cut short, a run at
 * ROOT/<run> and one of another host.
 */
static inline void rich_archive(const char *root)
{
	static const double level[6] = { 100, 101, 99, 70, 71, 70 };
	char rel[32], id[32], boot[32], path[4400];
	const char *dir;

	for (int k = 0; k < 6; k++) {
		snprintf(rel, sizeof(rel), "6.%d.0", k + 1);
		for (int r = 0; r < 5; r++) {
			snprintf(id, sizeof(id), "2026-%d", r);
			snprintf(boot, sizeof(boot), "boot-%d-%d", k, r < 2 ? 0 : r);
			arc_run(root, rel, id, r < 2 ? "a" : "b", boot, "cpu A", "1M",
				level[k] * (1 + 0.02 * (r % 3)), k * 5 + r);
		}
	}
	dir = arc_run(root, "6.2.0", "2026-8", "a", "boot-x", "cpu A", "1M", 100, 3);
	snprintf(path, sizeof(path), "%s/fake.json", dir);
	tu_write_file(path, "{\"schema\": \"mmbench/1\", \"bench\": \"fake\", \"cases\": [");
	arc_run(root, "6.3.0", "2026-9", "a", "boot-y", "cpu A", "2M", 500, 4);
	dir = arc_run(root, "6.3.0", "2026-7", "a", "boot-z", "cpu A", "1M", 900, 5);
	assert_int_equal(tu_run(NULL, "sed -i 's/\"virtualization\"/\"vm\": {\"bisect\": "
				"{\"commit\": \"c0ffee\"}}, &/' %s/manifest.json", dir), 0);
	dir = arc_run(root, "6.4.0", "2026-6", "a", "boot-w", "cpu A", "1M", 72, 6);
	snprintf(path, sizeof(path), "%s/INCOMPLETE", dir);
	tu_write_file(path, "vm: the transfer was cut short\n");
	arc_run(root, "6.5.0", "2026-5", "b", "boot-v", "cpu B", "1M", 30, 7);
	dir = arc_run(root, "top-run", "x", "a", "boot-u", "cpu A", "1M", 71, 8);
	assert_int_equal(tu_run(NULL, "mv %s %s/2026-top && rmdir %s/top-run", dir, root, root), 0);
}

#endif
