// A mixture component's CDF at the bin edges with AVX-512F: 8 edges a vector. See CPortableKernels.h for the
// contract.
//
// Why it gives the scalar code's bits: each lane is one edge and runs lmconv_logistic_cdf_scalar's operations in
// its order (LogisticCDFScalar.h; the lanes of a masked last vector beyond the edges compute a σ that is never
// stored): the vector min, abs, xor, compare and blend give exactly the scalar ?: and fabs;
// mul, add, sub and div are IEEE-rounded lane by lane; the exponent trick is the same 64-bit integer arithmetic.
// No FMA: fp contraction is off for this file (AVX-512F implies FMA, so this pragma is what keeps the separate
// roundings; scripts/check-no-fma.sh verifies the assembly).
#pragma clang fp contract(off)

#include "KernelPaths.h"
#include "LogisticCDFScalar.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512_TARGET __attribute__((target("avx512f")))

/// σ of 8 lanes, lane by lane lmconv_logistic_cdf_scalar.
AVX512_TARGET static inline __m512d logisticCDF8(__m512d z) {
    const __m512i signBit = _mm512_set1_epi64((long long)0x8000000000000000ULL);
    const __m512d magnitude = _mm512_abs_pd(z);
    // vminpd(a, b) is a < b ? a : b, so this is 40 < |z| ? 40 : |z|, the scalar code's choice in every case.
    const __m512d clamped = _mm512_min_pd(_mm512_set1_pd(LMCONV_CLAMP), magnitude);
    const __m512d t = _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(clamped), signBit));
    const __m512d shifter = _mm512_set1_pd(LMCONV_SHIFTER);
    const __m512d shifted = _mm512_add_pd(_mm512_mul_pd(t, _mm512_set1_pd(LMCONV_INVERSE_LN2)), shifter);
    const __m512d n = _mm512_sub_pd(shifted, shifter);
    const __m512d r = _mm512_sub_pd(_mm512_sub_pd(t, _mm512_mul_pd(n, _mm512_set1_pd(LMCONV_LN2_HIGH))),
                                    _mm512_mul_pd(n, _mm512_set1_pd(LMCONV_LN2_LOW)));
    __m512d p = _mm512_set1_pd(LMCONV_C11);
#define HORNER(c) p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(c))
    HORNER(LMCONV_C10); HORNER(LMCONV_C9); HORNER(LMCONV_C8); HORNER(LMCONV_C7); HORNER(LMCONV_C6);
    HORNER(LMCONV_C5); HORNER(LMCONV_C4); HORNER(LMCONV_C3); HORNER(0.5); HORNER(1.0); HORNER(1.0);
#undef HORNER
    const __m512i nBits = _mm512_sub_epi64(_mm512_castpd_si512(shifted), _mm512_castpd_si512(shifter));
    const __m512i scaleBits = _mm512_slli_epi64(_mm512_add_epi64(nBits, _mm512_set1_epi64(1023)), 52);
    const __m512d e = _mm512_mul_pd(p, _mm512_castsi512_pd(scaleBits));
    const __m512d one = _mm512_set1_pd(1.0);
    const __m512d s = _mm512_div_pd(one, _mm512_add_pd(one, e));
    // z >= 0 (ordered: false for NaN, as in the scalar code) picks s, otherwise e * s.
    const __mmask8 nonNegative = _mm512_cmp_pd_mask(z, _mm512_setzero_pd(), _CMP_GE_OQ);
    return _mm512_mask_blend_pd(nonNegative, _mm512_mul_pd(e, s), s);
}

AVX512_TARGET void lmconv_logistic_component_avx512(const double *edges, ptrdiff_t count, double inverseScale,
                                                    double mean, double weight, double *p, double *scratch) {
    const __m512d scale = _mm512_set1_pd(inverseScale), center = _mm512_set1_pd(mean);
    double *cdf = scratch + 1;   // c[i] at cdf[i]; scratch[0] = 0 is c[-1]
    scratch[0] = 0;
    double low, high;
    lmconv_logistic_cdf_saturated(&low, &high);
    const __m512d lows = _mm512_set1_pd(low), highs = _mm512_set1_pd(high), clamp = _mm512_set1_pd(LMCONV_CLAMP);
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m512d z = _mm512_mul_pd(scale, _mm512_sub_pd(_mm512_loadu_pd(edges + i), center));
        // A sharp component puts most edges beyond the clamp, where σ is σ(±40) exactly: 8 such lanes need no
        // polynomial (the same bits, faster).
        if (_mm512_cmp_pd_mask(_mm512_abs_pd(z), clamp, _CMP_GE_OQ) == 0xFF) {
            const __mmask8 nonNegative = _mm512_cmp_pd_mask(z, _mm512_setzero_pd(), _CMP_GE_OQ);
            _mm512_storeu_pd(cdf + i, _mm512_mask_blend_pd(nonNegative, lows, highs));
        } else {
            _mm512_storeu_pd(cdf + i, logisticCDF8(z));
        }
    }
    if (i < count) {   // the last 1 to 7 edges: masked lanes (a scalar tail would cost as much as 8 vectors)
        const __mmask8 tail = (__mmask8)((1u << (count - i)) - 1);
        const __m512d z = _mm512_mul_pd(scale, _mm512_sub_pd(_mm512_maskz_loadu_pd(tail, edges + i), center));
        _mm512_mask_storeu_pd(cdf + i, tail, logisticCDF8(z));
    }
    // p[i] += weight * (c[i] - c[i-1]), 8 levels at a time, from c[i] at scratch + i + 1 and c[i-1] at scratch + i.
    const __m512d weights = _mm512_set1_pd(weight);
    for (i = 0; i + 8 <= count; i += 8) {
        const __m512d difference = _mm512_sub_pd(_mm512_loadu_pd(scratch + i + 1), _mm512_loadu_pd(scratch + i));
        _mm512_storeu_pd(p + i, _mm512_add_pd(_mm512_loadu_pd(p + i), _mm512_mul_pd(weights, difference)));
    }
    lmconv_add_component_differences(scratch, i, count, weight, p);
}

AVX512_TARGET void lmconv_logistic_cdf_avx512(const double *z, ptrdiff_t count, double *out) {
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) _mm512_storeu_pd(out + i, logisticCDF8(_mm512_loadu_pd(z + i)));
    if (i < count) {
        const __mmask8 tail = (__mmask8)((1u << (count - i)) - 1);
        _mm512_mask_storeu_pd(out + i, tail, logisticCDF8(_mm512_maskz_loadu_pd(tail, z + i)));
    }
}
#endif
