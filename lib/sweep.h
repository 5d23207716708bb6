/* Sweeping one knob over a list of values: the order of values per repetition, and the verdict per case family. */
#ifndef MMBENCH_SWEEP_H
#define MMBENCH_SWEEP_H

#include <stdint.h>

#define SWEEP_SEED	0x5377ee9ull	/* fixed: the same orders on every run */
#define SWEEP_MAX_VALUES 16

/*
 * The order in which repetition @rep applies @n values: a permutation of 0..n-1 into
 * @out, drawn afresh per repetition from (@seed, @rep) alone, so that slow drift of the
 * machine does not line up with one value and a run can be reproduced.
 */
void sweep_order(unsigned n, unsigned rep, uint64_t seed, unsigned *out);

#endif
