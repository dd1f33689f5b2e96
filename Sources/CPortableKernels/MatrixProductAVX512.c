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
/// Register blocks (32 zmm registers): 8 rows x 2 vectors (32 columns) = 16 accumulators plus two x vectors and a
/// broadcast weight, each weight load feeding 2 multiplies and each x load 8; for 9 to 16 columns, 16 rows x 1
/// vector. The last 1 to 8 columns go to the AVX2 path's narrow kernel (AVX-512F includes AVX2): half a zmm
/// register would waste half of every instruction, and on CPUs that split 512-bit operations in two (AMD Zen 4)
/// that is twice the time.
enum { avx512Lanes = 16, wideRows = 8, narrowRows = 12 };

/// R rows (<= 16) x V vectors (1 or 2) of y. When `masked`, the last vector holds only the columns in `tail`
/// (masked loads read nothing beyond them and masked stores write nothing). R, V and masked are constants after
/// inlining, so the loops unroll and the accumulators live in registers.
AVX512_TARGET __attribute__((always_inline)) static inline void
block(const int R, const int V, const int masked, __mmask16 tail, ptrdiff_t inner, const float *w, ptrdiff_t ldw,
      const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    __m512 acc[narrowRows][2];
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

/// Every row of one column block: RMAX-row blocks, then one unrolled block of the 0 to RMAX-1 rows left (the
/// compiler drops the cases that RMAX rules out).
AVX512_TARGET __attribute__((always_inline)) static inline void
allRows(const int RMAX, const int V, const int masked, __mmask16 tail, ptrdiff_t rows, ptrdiff_t inner,
        const float *w, ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    ptrdiff_t o = 0;
    for (; o + RMAX <= rows; o += RMAX) block(RMAX, V, masked, tail, inner, w + o * ldw, ldw, x, ldx, y + o * ldy, ldy);
    w += o * ldw;
    y += o * ldy;
#define LEFT(k) case k: if (k < RMAX) block(k, V, masked, tail, inner, w, ldw, x, ldx, y, ldy); break;
    switch (rows - o) { LEFT(1) LEFT(2) LEFT(3) LEFT(4) LEFT(5) LEFT(6) LEFT(7) LEFT(8) LEFT(9) LEFT(10) LEFT(11)
                        LEFT(12) LEFT(13) LEFT(14) LEFT(15) default: break; }
#undef LEFT
}

/// Column blocks of 32 for every row; then the last 17 to 31 columns (a masked second vector), 9 to 16 (one
/// vector, masked unless full), or 1 to 8 (the AVX2 narrow kernel).
AVX512_TARGET void lmconv_matrix_product_avx512(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                                ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y,
                                                ptrdiff_t ldy) {
    ptrdiff_t j = 0;
    for (; j + 2 * avx512Lanes <= columns; j += 2 * avx512Lanes)
        allRows(wideRows, 2, 0, 0, rows, inner, w, ldw, x + j, ldx, y + j, ldy);
    const ptrdiff_t left = columns - j;   // 0 to 31
    x += j;
    y += j;
    if (left > avx512Lanes) {
        allRows(wideRows, 2, 1, (__mmask16)((1u << (left - avx512Lanes)) - 1), rows, inner, w, ldw, x, ldx, y, ldy);
    } else if (left == avx512Lanes) {
        allRows(narrowRows, 1, 0, 0, rows, inner, w, ldw, x, ldx, y, ldy);
    } else if (left > 8) {
        allRows(narrowRows, 1, 1, (__mmask16)((1u << left) - 1), rows, inner, w, ldw, x, ldx, y, ldy);
    } else if (left > 0) {
        lmconv_matrix_product_avx2_narrow(rows, inner, left, w, ldw, x, ldx, y, ldy);
    }
}
#endif
