/* Synthetic run directories for the trend and bisect tests: a manifest and one bench "fake". */
#ifndef MMBENCH_SYNRUN_H
#define MMBENCH_SYNRUN_H

#include <stdio.h>
#include <string.h>

#include "testutil.h"

/*
 * ROOT/<release>/<id>/ with a manifest (release, start time @start) and fake.json of
 * schema @schema: case "mode=a" with metric "m" (lower is better) holding @x[0..n).
 * Returns the run directory (a static buffer).
 */
static inline const char *syn_run(const char *root, const char *release, const char *start,
				  const char *id, const double *x, size_t n, const char *schema)
{
	static char dir[4096];
	char path[4200], samples[2048] = "";

	for (size_t i = 0; i < n; i++)
		snprintf(samples + strlen(samples), sizeof(samples) - strlen(samples), "%s%.10g",
			 i ? ", " : "", x[i]);
	snprintf(dir, sizeof(dir), "%s/%s/%s", root, release, id);
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	tu_write_file(path, "{\"schema\": \"mmbench-manifest/1\", \"run_id\": \"%s\", \"label\": null, "
		      "\"start_time\": \"%s\", \"kernel\": {\"release\": \"%s\"}, "
		      "\"virtualization\": \"kvm\"}\n", id, start, release);
	snprintf(path, sizeof(path), "%s/fake.json", dir);
	tu_write_file(path, "{\"schema\": \"%s\", \"bench\": \"fake\", \"status\": \"ok\", "
		      "\"params\": {\"size\": \"1M\"}, \"cases\": [{\"case\": \"mode=a\", "
		      "\"status\": \"ok\", \"params\": {}, \"metrics\": [{\"name\": \"m\", "
		      "\"unit\": \"ns\", \"better\": \"lower\", \"samples\": [%s]}]}]}\n",
		      schema, samples);
	return dir;
}

/* Three samples around @level, spread by @spread (a fraction), varied by @seed. */
static inline const char *syn_level(const char *root, const char *release, const char *id,
				    double level, double spread, int seed)
{
	double x[3];

	for (int i = 0; i < 3; i++)
		x[i] = level * (1 + spread * ((seed + i) % 3 - 1));
	return syn_run(root, release, "2026-01-01T00:00:00Z", id, x, 3, "mmbench/1");
}

#endif
