// y += W · x with AVX-512F: 16 columns a vector. See CPortableKernels.h for the contract.
//
// Why it gives the scalar code's bits: every vector lane is one column j, and each lane does exactly
// acc = acc + (w[o, p] * x[p, j]) for p = 0, 1, ..., inner-1 in that order, with a separate multiply and add (no FMA;
// fp contraction is off for this file, which scripts/check-no-fma.sh verifies on the assembly). Blocking only decides
// which outputs are computed together, never the order of one output's sum.
#pragma clang fp contract(off)

#include "KernelPaths.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512_TARGET __attribute__((target("avx512f")))
/// Rows per register block: 8 rows x 2 vectors = 16 accumulators, plus the two x vectors and a broadcast weight, of
/// the 32 zmm registers. Each weight load feeds 2 multiplies, each x load 8.
enum { avx512Rows = 8, avx512Lanes = 16 };

/// R rows (<= 8) x V vectors (1 or 2) of y. When `masked`, the last vector holds only the columns in `tail`
/// (masked loads read nothing beyond them and masked stores write nothing). R, V and masked are constants after
/// inlining, so the loops unroll and the accumulators live in registers.
AVX512_TARGET __attribute__((always_inline)) static inline void
block(const int R, const int V, const int masked, __mmask16 tail, ptrdiff_t inner, const float *w, ptrdiff_t ldw,
      const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    __m512 acc[avx512Rows][2];
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < V; v++) {
            const float *source = y + r * ldy + v * avx512Lanes;
            acc[r][v] = (masked && v == V - 1) ? _mm512_maskz_loadu_ps(tail, source) : _mm512_loadu_ps(source);
        }
    }
    for (ptrdiff_t p = 0; p < inner; p++) {
        __m512 xv[2];
        for (int v = 0; v < V; v++) {
            const float *source = x + p * ldx + v * avx512Lanes;
            xv[v] = (masked && v == V - 1) ? _mm512_maskz_loadu_ps(tail, source) : _mm512_loadu_ps(source);
        }
        for (int r = 0; r < R; r++) {
            const __m512 weight = _mm512_set1_ps(w[r * ldw + p]);
            for (int v = 0; v < V; v++) acc[r][v] = _mm512_add_ps(acc[r][v], _mm512_mul_ps(weight, xv[v]));
        }
    }
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < V; v++) {
            float *target = y + r * ldy + v * avx512Lanes;
            if (masked && v == V - 1) _mm512_mask_storeu_ps(target, tail, acc[r][v]);
            else _mm512_storeu_ps(target, acc[r][v]);
        }
    }
}

/// R rows against all the columns: blocks of 32 columns, then the last 1 to 32 with a masked final vector.
AVX512_TARGET __attribute__((always_inline)) static inline void
rowsAgainstColumns(const int R, ptrdiff_t inner, ptrdiff_t columns, const float *w, ptrdiff_t ldw, const float *x,
                   ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    ptrdiff_t j = 0;
    for (; j + 2 * avx512Lanes <= columns; j += 2 * avx512Lanes)
        block(R, 2, 0, 0, inner, w, ldw, x + j, ldx, y + j, ldy);
    const ptrdiff_t left = columns - j;   // 0 to 31
    if (left > avx512Lanes) {
        block(R, 2, 1, (__mmask16)((1u << (left - avx512Lanes)) - 1), inner, w, ldw, x + j, ldx, y + j, ldy);
    } else if (left > 0) {
        block(R, 1, 1, (__mmask16)((1u << left) - 1), inner, w, ldw, x + j, ldx, y + j, ldy);
    }
}

AVX512_TARGET void lmconv_matrix_product_avx512(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                                ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y,
                                                ptrdiff_t ldy) {
    ptrdiff_t o = 0;
    for (; o + avx512Rows <= rows; o += avx512Rows)
        rowsAgainstColumns(avx512Rows, inner, columns, w + o * ldw, ldw, x, ldx, y + o * ldy, ldy);
    const float *wo = w + o * ldw;
    float *yo = y + o * ldy;
    switch (rows - o) {   // the last 0 to 7 rows, each count its own unrolled block
    case 7: rowsAgainstColumns(7, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    case 6: rowsAgainstColumns(6, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    case 5: rowsAgainstColumns(5, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    case 4: rowsAgainstColumns(4, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    case 3: rowsAgainstColumns(3, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    case 2: rowsAgainstColumns(2, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    case 1: rowsAgainstColumns(1, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    default: break;
    }
}
#endif
