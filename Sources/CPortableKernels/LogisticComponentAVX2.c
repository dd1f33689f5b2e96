// A mixture component's CDF at the bin edges with AVX2: 4 edges a vector. See CPortableKernels.h for the contract.
//
// Why it gives the scalar code's bits: each lane is one edge and runs lmconv_logistic_cdf_scalar's operations in
// its order (LogisticCDFScalar.h; the lanes of a masked last vector beyond the edges compute a σ that is never
// stored): the vector min, and, andnot, compare and blend give exactly the scalar ?: and
// fabs; mul, add, sub and div are IEEE-rounded lane by lane; the exponent trick is the same 64-bit integer
// arithmetic. No FMA: fp contraction is off for this file and the target is "avx2" without "fma".
#pragma clang fp contract(off)

#include "KernelPaths.h"
#include "LogisticCDFScalar.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2_TARGET __attribute__((target("avx2")))

/// The 64-bit lanes below `count` (0 to 4) set: the mask of a partial last vector.
AVX2_TARGET static inline __m256i firstLanes(ptrdiff_t count) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3));
}

/// σ of 4 lanes, lane by lane lmconv_logistic_cdf_scalar.
AVX2_TARGET static inline __m256d logisticCDF4(__m256d z) {
    const __m256d signBit = _mm256_set1_pd(-0.0);
    const __m256d magnitude = _mm256_andnot_pd(signBit, z);
    // vminpd(a, b) is a < b ? a : b, so this is 40 < |z| ? 40 : |z|, the scalar code's choice in every case.
    const __m256d t = _mm256_xor_pd(_mm256_min_pd(_mm256_set1_pd(LMCONV_CLAMP), magnitude), signBit);
    const __m256d shifter = _mm256_set1_pd(LMCONV_SHIFTER);
    const __m256d shifted = _mm256_add_pd(_mm256_mul_pd(t, _mm256_set1_pd(LMCONV_INVERSE_LN2)), shifter);
    const __m256d n = _mm256_sub_pd(shifted, shifter);
    const __m256d r = _mm256_sub_pd(_mm256_sub_pd(t, _mm256_mul_pd(n, _mm256_set1_pd(LMCONV_LN2_HIGH))),
                                    _mm256_mul_pd(n, _mm256_set1_pd(LMCONV_LN2_LOW)));
    __m256d p = _mm256_set1_pd(LMCONV_C11);
#define HORNER(c) p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(c))
    HORNER(LMCONV_C10); HORNER(LMCONV_C9); HORNER(LMCONV_C8); HORNER(LMCONV_C7); HORNER(LMCONV_C6);
    HORNER(LMCONV_C5); HORNER(LMCONV_C4); HORNER(LMCONV_C3); HORNER(0.5); HORNER(1.0); HORNER(1.0);
#undef HORNER
    const __m256i nBits = _mm256_sub_epi64(_mm256_castpd_si256(shifted), _mm256_castpd_si256(shifter));
    const __m256i scaleBits = _mm256_slli_epi64(_mm256_add_epi64(nBits, _mm256_set1_epi64x(1023)), 52);
    const __m256d e = _mm256_mul_pd(p, _mm256_castsi256_pd(scaleBits));
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256d s = _mm256_div_pd(one, _mm256_add_pd(one, e));
    // z >= 0 (ordered: false for NaN, as in the scalar code) picks s, otherwise e * s.
    const __m256d nonNegative = _mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_GE_OQ);
    return _mm256_blendv_pd(_mm256_mul_pd(e, s), s, nonNegative);
}

AVX2_TARGET void lmconv_logistic_component_avx2(const double *edges, ptrdiff_t count, double inverseScale,
                                                double mean, double weight, double *p, double *scratch) {
    const __m256d scale = _mm256_set1_pd(inverseScale), center = _mm256_set1_pd(mean);
    double *cdf = scratch + 1;   // c[i] at cdf[i]; scratch[0] = 0 is c[-1]
    scratch[0] = 0;
    double low, high;
    lmconv_logistic_cdf_saturated(&low, &high);
    const __m256d lows = _mm256_set1_pd(low), highs = _mm256_set1_pd(high), clamp = _mm256_set1_pd(LMCONV_CLAMP);
    const __m256d signBit = _mm256_set1_pd(-0.0);
    ptrdiff_t i = 0;
    for (; i + 4 <= count; i += 4) {
        const __m256d z = _mm256_mul_pd(scale, _mm256_sub_pd(_mm256_loadu_pd(edges + i), center));
        // A sharp component puts most edges beyond the clamp, where σ is σ(±40) exactly: 4 such lanes need no
        // polynomial (the same bits, faster).
        const __m256d saturated = _mm256_cmp_pd(_mm256_andnot_pd(signBit, z), clamp, _CMP_GE_OQ);
        if (_mm256_movemask_pd(saturated) == 0xF) {
            const __m256d nonNegative = _mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_GE_OQ);
            _mm256_storeu_pd(cdf + i, _mm256_blendv_pd(lows, highs, nonNegative));
        } else {
            _mm256_storeu_pd(cdf + i, logisticCDF4(z));
        }
    }
    if (i < count) {   // the last 1 to 3 edges: masked lanes (a scalar tail would cost as much as 4 vectors)
        const __m256i tail = firstLanes(count - i);
        const __m256d z = _mm256_mul_pd(scale, _mm256_sub_pd(_mm256_maskload_pd(edges + i, tail), center));
        _mm256_maskstore_pd(cdf + i, tail, logisticCDF4(z));
    }
    // p[i] += weight * (c[i] - c[i-1]), 4 levels at a time, from c[i] at scratch + i + 1 and c[i-1] at scratch + i.
    const __m256d weights = _mm256_set1_pd(weight);
    for (i = 0; i + 4 <= count; i += 4) {
        const __m256d difference = _mm256_sub_pd(_mm256_loadu_pd(scratch + i + 1), _mm256_loadu_pd(scratch + i));
        _mm256_storeu_pd(p + i, _mm256_add_pd(_mm256_loadu_pd(p + i), _mm256_mul_pd(weights, difference)));
    }
    lmconv_add_component_differences(scratch, i, count, weight, p);
}

AVX2_TARGET void lmconv_logistic_cdf_avx2(const double *z, ptrdiff_t count, double *out) {
    ptrdiff_t i = 0;
    for (; i + 4 <= count; i += 4) _mm256_storeu_pd(out + i, logisticCDF4(_mm256_loadu_pd(z + i)));
    if (i < count) {
        const __m256i tail = firstLanes(count - i);
        _mm256_maskstore_pd(out + i, tail, logisticCDF4(_mm256_maskload_pd(z + i, tail)));
    }
}
#endif
