/* Steps of a run around the driver (steps.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "archive/archive.h"
#include "cmd/steps.h"
#include "report/report.h"
#include "results/results_write.h"

int step_bench_start(struct bench_ctx *ctx, const struct bench *b, const struct run_args *a,
		     struct run_dir *rd, struct case_list *list)
{
	const char *why;
	int r = bench_ctx_init(ctx, b, a, rd->path, rd->log);

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

int step_run_dir_end(struct run_dir *rd, bool no_report)
{
	int errors = run_dir_finish(rd);
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
