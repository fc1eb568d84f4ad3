/* A deterministic generator for the fuzz tests (xorshift64): the same seed
 * gives the same mutations on every machine, so a failure reproduces. */
#ifndef COMPENDIUM_TEST_FUZZ_RANDOM_H
#define COMPENDIUM_TEST_FUZZ_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* The test sets its own seed before the first draw. */
static uint64_t fuzz_rng;

static uint64_t next_random(void)
{
    fuzz_rng ^= fuzz_rng << 13;
    fuzz_rng ^= fuzz_rng >> 7;
    fuzz_rng ^= fuzz_rng << 17;
    return fuzz_rng;
}

/* A number in [0, n); 0 for n == 0. */
static size_t below(size_t n)
{
    return n ? (size_t)(next_random() % n) : 0;
}

#endif
