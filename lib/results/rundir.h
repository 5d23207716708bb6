/* A run directory: made with its manifest taken before any knob changes, annotated, finished whole or marked INCOMPLETE. */
#ifndef MMBENCH_RUNDIR_H
#define MMBENCH_RUNDIR_H

#include <limits.h>
#include <stdio.h>
#include <jansson.h>
#include "core/driver.h"
#include "sys/kmsg.h"

struct rundir {
	char path[PATH_MAX];
	char run_id[96];
	FILE *log;
	char log_partial[PATH_MAX + 16];	/* log.txt's name while the run lasts */
	double start;
	char *cmdline;
	struct json_t *manifest;	/* taken before any knob changes */
	struct kmsg_watch kmsg;		/* the kernel log from the run's start (cmd/steps.c reads it) */
};

/*
 * <out>/<kernel>/<YYYYmmdd-HHMMSS>[-label]: opens log.txt, takes the manifest (the
 * machine as found, before any knob changes) and writes topology.xml. argv is the
 * subcommand's (argv[0] "run" or "sweep").
 */
int rundir_create(const struct run_args *a, int argc, char **argv, struct rundir *rd);
/*
 * Writes manifest.json with its end time, takes INCOMPLETE away when every file came
 * whole (else says why in it) and closes log.txt; returns how many files failed. The
 * report is the caller's next step (report_render()); while the log is open, benches
 * log into it through their context.
 */
int rundir_finish(struct rundir *rd);


/* What the run was asked to do: the --set values and every selected bench's options. New reference. */
json_t *rundir_settings(const struct run_args *a);
/* Add @key to the run's manifest (takes the reference). */
void rundir_annotate(struct rundir *rd, const char *key, json_t *value);

#endif
