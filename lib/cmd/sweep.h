/* mmbench sweep KNOB=V1,V2,..: the orders in which the repetitions apply the values (sweep.c). */
#ifndef MMBENCH_SWEEP_H
#define MMBENCH_SWEEP_H

#include <stdint.h>

/*
 * The orders of @reps repetitions of @n values, repetition r's at @out[r * n ..]: each a
 * rotation of one random permutation, every rotation used equally often (the remainder,
 * when @reps is not a multiple of @n, distinct rotations drawn at random) and the rotations
 * shuffled over the repetitions. So every value takes every position equally often (to
 * within one), slow drift of the machine lines up with no value, and the sweep's paired
 * analysis (a repetition is a block) compares values that ran side by side. Two values:
 * half the repetitions A B, half B A, shuffled. All drawn from @seed alone.
 * 0, or -ENOMEM.
 */
int sweep_orders(unsigned n, unsigned reps, uint64_t seed, unsigned *out);

/* Seeds are below this, so a JSON reader keeps them exact. */
#define SWEEP_SEED_LIMIT	(1ull << 53)

/* A fresh seed for a sweep: getrandom(2), above 0 and below 2^53 (JSON readers keep it exact). */
uint64_t sweep_seed(void);

#endif
