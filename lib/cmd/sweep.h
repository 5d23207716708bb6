/* mmbench sweep KNOB=V1,V2,..: the order in which each repetition applies the values (sweep.c). */
#ifndef MMBENCH_SWEEP_H
#define MMBENCH_SWEEP_H

#include <stdint.h>

/*
 * The order in which repetition @rep applies @n values: a permutation of 0..n-1 into
 * @out, drawn afresh per repetition from (@seed, @rep) alone, so that slow drift of the
 * machine does not line up with one value and a run can be reproduced.
 */
void sweep_order(unsigned n, unsigned rep, uint64_t seed, unsigned *out);

#endif
