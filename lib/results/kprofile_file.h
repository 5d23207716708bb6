/* <bench>.kprofile.json: one bench's sampled profiles, per case; written whole, read back validated. */
#ifndef MMBENCH_KPROFILE_FILE_H
#define MMBENCH_KPROFILE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/bench.h"
#include "core/kprofile_agg.h"

/* Writes <dir>/<bench>.kprofile.json whole (lib/atomic.h); 0 or -errno. */
int kprofile_file_write(const char *dir, const struct kprofile_file *f);
/*
 * Reads @path and checks it: the schema, every count a whole number, no symbol with
 * more self than children or more children than the case has samples, no case or symbol
 * twice. Bad input: one line on stderr naming the file, -EINVAL (@f empty).
 */
int kprofile_file_load(const char *path, struct kprofile_file *f);
/* The same for @bench of run directory @dir; -ENOENT, silently, when it has no profile. */
int kprofile_file_load_run(const char *dir, const char *bench, struct kprofile_file *f);
/*
 * <dir>/<bench>.kprofile.json of the bench just run, from what the sampler collected
 * (core/kprofile.c), when --kprofile was asked; 0 or -errno.
 */
int kprofile_write(const char *dir, const struct bench_ctx *ctx, const struct case_list *list);

#endif
