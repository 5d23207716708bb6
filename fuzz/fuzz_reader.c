/* libFuzzer target: the reader of run directories and what report and compare do with them (fuzz/harness.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

static char scratch[] = "/dev/shm/mmbench-fuzz.XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cleanup(void)
{
	fuzz_cleanup(scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(scratch)) {
		perror(scratch);
		exit(1);
	}
	atexit(cleanup);
	/* compare prints its tables on stdout: not wanted; libFuzzer and sanitizers use stderr */
	if (!freopen("/dev/null", "w", stdout))
		exit(1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(scratch, getenv("MMBENCH_FUZZ_BASE") ?: "tests/data/run-base", data, size);
	return 0;
}
