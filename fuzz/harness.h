/* The fuzz harness of the run-directory reader, shared by the libFuzzer target and the regression test. */
#ifndef MMBENCH_FUZZ_HARNESS_H
#define MMBENCH_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * One input is the files of a run directory, each starting with a line "@@NAME" (NAME:
 * manifest.json, any *.json, INCOMPLETE, sweep.txt). They are written into a scratch
 * directory under @scratch, which is read with rl_load(), rendered as a report, and
 * compared against itself and against @base (a good run directory) when they load.
 * Returns what rl_load() returned.
 */
int fuzz_one(const char *scratch, const char *base, const uint8_t *data, size_t size);
/* Removes what fuzz_one() left under @scratch, and @scratch. */
void fuzz_cleanup(const char *scratch);

#endif
