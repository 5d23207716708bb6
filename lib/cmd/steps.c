/* Steps of a run around the driver (steps.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "archive/archive.h"
#include "cmd/steps.h"
#include "cmd/system.h"
#include "report/report.h"
#include "results/results_write.h"
#include "sys/atomic.h"

int step_bench_start(struct bench_ctx *ctx, const struct bench *b, const struct run_args *a,
		     struct rundir *rd, struct case_list *list)
{
	const char *why;
	int r;

	/* what the kernel logged so far belongs to what ran before this bench */
	kmsg_watch_phase(&rd->kmsg, b->name);
	/* the machine's settings as found, before the first bench changes any */
	if (rd->manifest && !json_object_get(rd->manifest, "noise"))
		rundir_annotate(rd, "noise", sys_manifest_items());
	r = bench_ctx_init(ctx, b, a, rd->path, rd->log);
	if (r)
		return r;
	r = driver_bench_start(ctx, list, &why);
	if (r == BENCH_SKIP) {
		if (results_write(rd->path, ctx, NULL, "skip", why))
			r = -EIO;
	} else if (r) {
		results_write(rd->path, ctx, list, "error", why);
		case_list_free(list);
	}
	if (r)
		bench_ctx_fini(ctx);
	return r;
}

/*
 * The kernel log of the run: kmsg.txt (every line kept) and the manifest's kernel_log, a
 * line on stderr when the kernel complained. Returns the files that failed.
 */
static int kmsg_end(struct rundir *rd)
{
	struct kmsg_watch *w = &rd->kmsg;
	char path[PATH_MAX];
	int r = 0;

	kmsg_watch_phase(w, "end");
	if (w->readable || w->nr) {
		snprintf(path, sizeof(path), "%s/kmsg.txt", rd->path);
		r = atomic_write(path, kmsg_watch_write, w);
		if (r) {
			fprintf(stderr, "%s: %s: %s\n", __func__, path, strerror(-r));
			results_unwritten(path, r);
		}
	}
	if (w->problems)
		fprintf(stderr, "mmbench: the kernel logged %zu warning%s or worse during the run "
			"(%s/kmsg.txt)\n", w->problems, w->problems == 1 ? "" : "s", rd->path);
	else if (!w->readable)
		fprintf(stderr, "mmbench: the kernel log was not watched: %s\n", w->why);
	rundir_annotate(rd, "kernel_log", kmsg_watch_json(w));
	return r != 0;
}

int step_run_dir_end(struct rundir *rd, bool no_report)
{
	int errors = kmsg_end(rd) + rundir_finish(rd);
	int r = no_report ? 0 : report_render(rd->path);

	if (r) {
		/* INCOMPLETE comes back, naming the report */
		errors++;
		results_unwritten("report.txt", r);
		results_mark_finished(rd->path);
	}
	/* the archive's index has the run at once; when it cannot, readers bring it up to date */
	if (archive_add_run(rd->path))
		fprintf(stderr, "mmbench: %s: not in the archive's index yet\n", rd->path);
	printf("%s\n", rd->path);
	return errors;
}
