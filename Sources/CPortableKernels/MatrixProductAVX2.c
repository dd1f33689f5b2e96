// y += W · x with AVX2: 8 columns a vector. See CPortableKernels.h for the contract.
//
// Why it gives the scalar code's bits: every vector lane is one column j, and each lane does exactly
// acc = acc + (w[o, p] * x[p, j]) for p = 0, 1, ..., inner-1 in that order, with a separate multiply and add (no FMA;
// fp contraction is off for this file and the target is "avx2" without "fma"; scripts/check-no-fma.sh verifies the
// assembly). Blocking only decides which outputs are computed together, never the order of one output's sum.
#pragma clang fp contract(off)

#include "KernelPaths.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2_TARGET __attribute__((target("avx2")))
/// Register blocks (16 ymm registers): 6 rows x 2 vectors (16 columns) = 12 accumulators plus two x vectors and a
/// broadcast weight (the classic 6 x 16 shape); for the last 1 to 8 columns, 12 rows x 1 vector = 12 accumulators,
/// so that a narrow product (the codec's 8 images a thread) still has 12 independent sums to hide the latency of
/// the additions and loads each x vector once per 12 rows.
enum { avx2Lanes = 8, wideRows = 6, narrowRows = 12 };

/// The lanes below `count` (0 to 8) set: the mask of a partial last vector.
AVX2_TARGET static inline __m256i firstLanes(ptrdiff_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// R rows (<= 12) x V vectors (1 or 2) of y. When `masked`, the last vector holds only the lanes set in `tail`
/// (vmaskmovps reads nothing beyond them, reads zeros instead, and writes nothing there). R, V and masked are
/// constants after inlining, so the loops unroll and the accumulators live in registers.
AVX2_TARGET __attribute__((always_inline)) static inline void
block(const int R, const int V, const int masked, __m256i tail, ptrdiff_t inner, const float *w, ptrdiff_t ldw,
      const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    __m256 acc[narrowRows][2];
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < V; v++) {
            const float *source = y + r * ldy + v * avx2Lanes;
            acc[r][v] = (masked && v == V - 1) ? _mm256_maskload_ps(source, tail) : _mm256_loadu_ps(source);
        }
    }
    for (ptrdiff_t p = 0; p < inner; p++) {
        __m256 xv[2];
        for (int v = 0; v < V; v++) {
            const float *source = x + p * ldx + v * avx2Lanes;
            xv[v] = (masked && v == V - 1) ? _mm256_maskload_ps(source, tail) : _mm256_loadu_ps(source);
        }
        for (int r = 0; r < R; r++) {
            const __m256 weight = _mm256_broadcast_ss(w + r * ldw + p);
            for (int v = 0; v < V; v++) acc[r][v] = _mm256_add_ps(acc[r][v], _mm256_mul_ps(weight, xv[v]));
        }
    }
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < V; v++) {
            float *target = y + r * ldy + v * avx2Lanes;
            if (masked && v == V - 1) _mm256_maskstore_ps(target, tail, acc[r][v]);
            else _mm256_storeu_ps(target, acc[r][v]);
        }
    }
}

/// Every row of one column block: RMAX-row blocks, then one unrolled block of the 0 to RMAX-1 rows left (the
/// compiler drops the cases that RMAX rules out).
AVX2_TARGET __attribute__((always_inline)) static inline void
allRows(const int RMAX, const int V, const int masked, __m256i tail, ptrdiff_t rows, ptrdiff_t inner,
        const float *w, ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    ptrdiff_t o = 0;
    for (; o + RMAX <= rows; o += RMAX) block(RMAX, V, masked, tail, inner, w + o * ldw, ldw, x, ldx, y + o * ldy, ldy);
    w += o * ldw;
    y += o * ldy;
#define LEFT(k) case k: if (k < RMAX) block(k, V, masked, tail, inner, w, ldw, x, ldx, y, ldy); break;
    switch (rows - o) { LEFT(1) LEFT(2) LEFT(3) LEFT(4) LEFT(5) LEFT(6) LEFT(7) LEFT(8) LEFT(9) LEFT(10) LEFT(11)
                        default: break; }
#undef LEFT
}

/// The last 1 to 8 columns (at x, y) for every row: one vector, masked unless all 8 lanes are columns.
AVX2_TARGET void lmconv_matrix_product_avx2_narrow(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns,
                                                   const float *w, ptrdiff_t ldw, const float *x, ptrdiff_t ldx,
                                                   float *y, ptrdiff_t ldy) {
    if (columns == avx2Lanes) allRows(narrowRows, 1, 0, _mm256_setzero_si256(), rows, inner, w, ldw, x, ldx, y, ldy);
    else allRows(narrowRows, 1, 1, firstLanes(columns), rows, inner, w, ldw, x, ldx, y, ldy);
}

/// Column blocks of 16 for every row, then the last 9 to 15 columns with a masked second vector, or 1 to 8 by the
/// narrow kernel.
AVX2_TARGET void lmconv_matrix_product_avx2(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                            ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    ptrdiff_t j = 0;
    for (; j + 2 * avx2Lanes <= columns; j += 2 * avx2Lanes)
        allRows(wideRows, 2, 0, _mm256_setzero_si256(), rows, inner, w, ldw, x + j, ldx, y + j, ldy);
    const ptrdiff_t left = columns - j;   // 0 to 15
    if (left > avx2Lanes) {
        allRows(wideRows, 2, 1, firstLanes(left - avx2Lanes), rows, inner, w, ldw, x + j, ldx, y + j, ldy);
    } else if (left > 0) {
        lmconv_matrix_product_avx2_narrow(rows, inner, left, w, ldw, x + j, ldx, y + j, ldy);
    }
}
#endif
