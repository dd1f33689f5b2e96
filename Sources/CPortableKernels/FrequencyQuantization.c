// From probabilities to rANS frequencies (LMConv's quantizeFrequencies, whose comment states the rule), in C: the
// same IEEE double operations in the same order as the Swift loops it replaced, without their per-element overhead.
// It runs once per sub-pixel the codec codes (784 times for a 28x28 image, 256 levels each). The sums are sequential,
// in index order; the element-wise steps (the division by the largest weight, the floors) give the same bits
// however the compiler vectorises them; fp contraction is off (no FMA).
#pragma clang fp contract(off)

#include "CPortableKernels.h"

#include <stdint.h>

void lmconv_quantize_frequencies(const double *probabilities, ptrdiff_t n, int precisionBits, double *weights,
                                 uint32_t *frequencies) {
    const int64_t total = (int64_t)1 << precisionBits;
    // Weights: negative, NaN and infinite probabilities count as 0; scaled by their maximum, so the sum cannot
    // overflow (all equal when none is left).
    double largest = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const double v = probabilities[i];
        const double w = __builtin_isfinite(v) && v > 0 ? v : 0;
        weights[i] = w;
        if (w > largest) largest = w;
    }
    if (largest > 0) {
        for (ptrdiff_t i = 0; i < n; i++) weights[i] = weights[i] / largest;
    } else {
        for (ptrdiff_t i = 0; i < n; i++) weights[i] = 1;
    }
    double sum = 0;
    for (ptrdiff_t i = 0; i < n; i++) sum += weights[i];
    const double spare = (double)(total - n);
    const double scale = spare / sum;
    // Level i: 1 + floor(w_i * scale), at most spare (Swift's min(x, spare) is spare < x ? spare : x).
    int64_t assigned = 0;
    ptrdiff_t most = 0;
    uint32_t mostFrequency = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const double floored = __builtin_floor(weights[i] * scale);
        const double extra = spare < floored ? spare : floored;
        const uint32_t f = 1 + (uint32_t)extra;
        frequencies[i] = f;
        assigned += f;
        if (f > mostFrequency) { most = i; mostFrequency = f; }   // the first of the most probable
    }
    // The rounding of scale can make the floors overshoot by a unit; the most probable level absorbs either sign.
    frequencies[most] = (uint32_t)((int64_t)frequencies[most] + total - assigned);
}
