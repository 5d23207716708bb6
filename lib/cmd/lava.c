/* mmbench lava-results: a run directory as the lines LAVA's test monitors turn into test cases. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/bench.h"
#include "cmd/cmds.h"
#include "results/results_read.h"

/*
 * The job's monitors (lava/job.sh) match these lines on the console: one test case per
 * mmbench case, then one measurement per headline metric (every metric with a better
 * direction: the ones compare judges). LAVA keeps no reason with a result, so a skip or an
 * error carries its reason on the same line, which the result's log view shows. A test case
 * id holds no space: the case key's spaces become commas (LAVA then folds every non-word
 * character to '_' in its case name and keeps the id as it was in extra.test_case_id).
 */
#define CASE_PREFIX	"mmbench-lava-case:"
#define METRIC_PREFIX	"mmbench-lava-metric:"

static const char usage[] =
	"usage: mmbench lava-results --cases|--metrics|--check RUN_DIR\n";

static void case_id(char *buf, size_t len, const char *bench, const char *key)
{
	char *p;

	snprintf(buf, len, "%s/%s", bench, key);
	for (p = buf; *p; p++)
		if (*p == ' ' || *p == '\t')
			*p = ',';
}

static const char *lava_result(const char *status)
{
	if (!strcmp(status, "ok"))
		return "pass";
	if (!strcmp(status, "skip"))
		return "skip";
	return "fail";
}

/* A reason on one line: the reader refuses control characters, but not every space. */
static void print_reason(const char *reason)
{
	if (!reason || !*reason)
		return;
	fputs(" ; reason: ", stdout);
	for (; *reason; reason++)
		putchar(*reason == '\n' || *reason == '\r' ? ' ' : *reason);
}

static void print_cases(const struct rl_run *run)
{
	char id[1024];

	for (size_t b = 0; b < run->nr_benches; b++) {
		const struct rl_bench *rb = &run->benches[b];

		/* a bench that could not run here has no cases: it is one test case itself */
		if (!rb->nr_cases) {
			printf(CASE_PREFIX " %s %s", lava_result(rb->status ? rb->status : "error"),
			       rb->name);
			print_reason(rb->reason);
			putchar('\n');
		}
		for (size_t c = 0; c < rb->nr_cases; c++) {
			const struct rl_case *rc = &rb->cases[c];

			case_id(id, sizeof(id), rb->name, rc->key);
			printf(CASE_PREFIX " %s %s", lava_result(rc->status), id);
			print_reason(rc->reason);
			putchar('\n');
		}
	}
}

static void print_metrics(const struct rl_run *run)
{
	char id[1024];

	for (size_t b = 0; b < run->nr_benches; b++) {
		const struct rl_bench *rb = &run->benches[b];

		for (size_t c = 0; c < rb->nr_cases; c++) {
			const struct rl_case *rc = &rb->cases[c];

			case_id(id, sizeof(id), rb->name, rc->key);
			for (size_t m = 0; m < rc->nr_metrics; m++) {
				const struct rl_metric *rm = &rc->metrics[m];

				if (rm->better == BETTER_NONE || !rm->n || !isfinite(rm->s.median))
					continue;
				printf(METRIC_PREFIX " %s/%s %.9g %s\n", id, rm->name, rm->s.median,
				       rm->unit && *rm->unit ? rm->unit : "none");
			}
		}
	}
}

int cmd_lava_results(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cases", no_argument, NULL, 'c' },
		{ "metrics", no_argument, NULL, 'm' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct rl_run run;
	int what = 0, o;

	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (o == 'h') {
			fputs(usage, stdout);
			return KSFT_PASS;
		}
		if (o == '?' || what) {
			fprintf(stderr, "mmbench lava-results: %s: %s\n", argv[optind - 1],
				o == '?' ? "unknown option" : "give one of --cases, --metrics, --check");
			return KSFT_USAGE;
		}
		what = o;
	}
	if (!what || optind != argc - 1) {
		fputs(usage, stderr);
		return KSFT_USAGE;
	}
	/* the reader's checks, with its one line on stderr: nothing untrusted goes further */
	if (rl_load(argv[optind], &run))
		return KSFT_USAGE;
	if (what == 'c')
		print_cases(&run);
	else if (what == 'm')
		print_metrics(&run);
	rl_free(&run);
	return KSFT_PASS;
}
