/* The system manifest: everything about the machine and kernel a number depends on. */
#ifndef MMBENCH_MANIFEST_H
#define MMBENCH_MANIFEST_H

#include <jansson.h>

struct run_meta {
	const char *run_id;
	const char *label;
	const char *cmdline;	/* the mmbench command line */
	const char *profile;
	double start_time, end_time;	/* unix seconds; 0 when not set */
};

/* The manifest object (schema, kernel, config, CPU, topology, knobs, ...). New reference. */
json_t *manifest_build(const struct run_meta *meta);
int manifest_write(const char *path, json_t *manifest);
#endif
