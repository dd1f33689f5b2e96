// The logistic CDF σ(z) of one double, the exact operation sequence of Swift's PortableMath.logisticCDF
// (Sources/LMConv/Arithmetic/PortableLogisticCDF.swift), shared by the mixture-component files: their vector code
// does the same operations lane by lane, and their tails call this. Include it after `#pragma clang fp contract(off)`
// (every kernel file starts with it), so that no `a * b + c` below becomes an FMA.
#ifndef CPORTABLEKERNELS_LOGISTICCDFSCALAR_H
#define CPORTABLEKERNELS_LOGISTICCDFSCALAR_H

#include <stddef.h>
#include <stdint.h>

// The constants, as PortableMath has them (ln 2 split so that n * lmconvLn2High is exact).
#define LMCONV_LN2_HIGH 0x1.62e42fee00000p-1       // bits 0x3FE62E42FEE00000
#define LMCONV_LN2_LOW 0x1.a39ef35793c76p-33       // bits 0x3DEA39EF35793C76
#define LMCONV_INVERSE_LN2 1.44269504088896338700
#define LMCONV_SHIFTER 6755399441055744.0          // 1.5 * 2^52: adding it rounds to an integer kept in the low bits
#define LMCONV_CLAMP 40.0                          // σ is within 4.3e-18 of 0 or 1 beyond |z| = 40
// 1/k! for the degree-11 Taylor polynomial of e^r, highest first (divisions of exact integers, correctly rounded at
// compile time, as Swift's `1.0 / 39_916_800` are).
#define LMCONV_C11 (1.0 / 39916800)
#define LMCONV_C10 (1.0 / 3628800)
#define LMCONV_C9 (1.0 / 362880)
#define LMCONV_C8 (1.0 / 40320)
#define LMCONV_C7 (1.0 / 5040)
#define LMCONV_C6 (1.0 / 720)
#define LMCONV_C5 (1.0 / 120)
#define LMCONV_C4 (1.0 / 24)
#define LMCONV_C3 (1.0 / 6)

static inline double lmconv_bits_to_double(uint64_t bits) { double d; __builtin_memcpy(&d, &bits, 8); return d; }
static inline uint64_t lmconv_double_to_bits(double d) { uint64_t bits; __builtin_memcpy(&bits, &d, 8); return bits; }

/// σ(z) = 1 / (1 + e^-z): t = -min(|z|, 40); t = n ln 2 + r by the shifter; e^r by Horner; e = e^r 2^n; then
/// 1 / (1 + e) for z >= 0, e / (1 + e) otherwise (as e * (1 / (1 + e))).
static inline double lmconv_logistic_cdf_scalar(double z) {
    const double magnitude = __builtin_fabs(z);
    const double t = -(LMCONV_CLAMP < magnitude ? LMCONV_CLAMP : magnitude);   // Swift.min(|z|, 40): y < x ? y : x
    const double shifted = t * LMCONV_INVERSE_LN2 + LMCONV_SHIFTER;
    const double n = shifted - LMCONV_SHIFTER;
    const double r = (t - n * LMCONV_LN2_HIGH) - n * LMCONV_LN2_LOW;
    double p = LMCONV_C11;
    p = p * r + LMCONV_C10;
    p = p * r + LMCONV_C9;
    p = p * r + LMCONV_C8;
    p = p * r + LMCONV_C7;
    p = p * r + LMCONV_C6;
    p = p * r + LMCONV_C5;
    p = p * r + LMCONV_C4;
    p = p * r + LMCONV_C3;
    p = p * r + 0.5;
    p = p * r + 1;
    p = p * r + 1;
    // 2^n: n sits in the shifter's low mantissa bits; exponent field n + 1023.
    const uint64_t scaleBits = (lmconv_double_to_bits(shifted) - lmconv_double_to_bits(LMCONV_SHIFTER) + 1023) << 52;
    const double e = p * lmconv_bits_to_double(scaleBits);
    const double s = 1 / (1 + e);
    return z >= 0 ? s : e * s;
}

/// σ at the clamp: *low = σ(-40) and *high = σ(40), which are σ(z)'s bits for every z <= -40 and every z >= 40
/// (such z all give t = -40 and so the same operations). Computed once by lmconv_logistic_cdf_scalar itself.
static inline void lmconv_logistic_cdf_saturated(double *low, double *high) {
    static uint64_t lowBits, highBits;   // their bit patterns (atomics want integers)
    static int ready;                    // 0, then 1 once they are set (any thread may compute them: same values)
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&lowBits, lmconv_double_to_bits(lmconv_logistic_cdf_scalar(-LMCONV_CLAMP)), __ATOMIC_RELAXED);
        __atomic_store_n(&highBits, lmconv_double_to_bits(lmconv_logistic_cdf_scalar(LMCONV_CLAMP)), __ATOMIC_RELAXED);
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    *low = lmconv_bits_to_double(__atomic_load_n(&lowBits, __ATOMIC_RELAXED));
    *high = lmconv_bits_to_double(__atomic_load_n(&highBits, __ATOMIC_RELAXED));
}

/// The differences step of a mixture component, after its CDF values c[0..<count] are in cdf[1...count] and
/// cdf[0] = 0 (standing for c[-1]): p[i] += weight * (c[i] - c[i-1]) for i < count, then
/// p[count] += weight * (1 - c[count-1]); the loop of DiscretizedLogisticMixture.probabilities, element by element
/// from `first` on (the vector paths do the elements before it).
static inline void lmconv_add_component_differences(const double *cdf, ptrdiff_t first, ptrdiff_t count,
                                                    double weight, double *p) {
    for (ptrdiff_t i = first; i < count; i++) p[i] = p[i] + weight * (cdf[i + 1] - cdf[i]);
    p[count] = p[count] + weight * (1 - cdf[count]);
}

#endif
