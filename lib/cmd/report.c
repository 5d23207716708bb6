/* mmbench report RUN_DIR: (re)render a run's report.txt and report.md. */
#include <errno.h>
#include <stdio.h>
#include "cmd/cmds.h"
#include "core/bench.h"
#include "report/report.h"

int cmd_report(int argc, char **argv)
{
	int err;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "mmbench: usage: mmbench report RUN_DIR\n");
		return KSFT_USAGE;
	}
	err = report_render(argv[1]);
	if (err == -EINVAL || err == -ENOENT || err == -ENOTDIR)
		return KSFT_USAGE;
	return err ? KSFT_FAIL : KSFT_PASS;
}
