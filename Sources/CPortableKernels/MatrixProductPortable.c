// y += W · x in plain C with clang's vector extensions: 4 floats a vector, which is SSE2 on x86-64 and NEON on
// arm64, and scalar code for the last 1 to 3 columns. Runs on every machine. See CPortableKernels.h for the contract.
//
// Why it gives the same bits as the AVX paths: every vector lane (and every scalar) is one column j, and each does
// exactly acc = acc + (w[o, p] * x[p, j]) for p = 0, 1, ..., inner-1 in that order, with the product rounded before
// the addition (fp contraction is off for this file, so `acc + weight * x` is never fused into an FMA, not even on
// arm64, where every CPU has one; scripts/check-no-fma.sh verifies the assembly).
#pragma clang fp contract(off)

#include "KernelPaths.h"

/// 4 floats; `+` and `*` act lane by lane with IEEE rounding, exactly like the scalar operators.
typedef float float4 __attribute__((ext_vector_type(4)));
/// Rows per register block: 6 rows x 2 vectors = 12 accumulators, plus two x vectors and a weight, fit the 16 xmm
/// registers of SSE2 (arm64 has 32).
enum { portableRows = 6, portableLanes = 4 };

/// 4 floats from any address (memcpy compiles to one unaligned load or store).
static inline float4 load4(const float *p) { float4 v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline void store4(float *p, float4 v) { __builtin_memcpy(p, &v, sizeof v); }

/// R rows (<= 6) x V vectors (1 or 2) of y; R and V are constants after inlining.
__attribute__((always_inline)) static inline void
block(const int R, const int V, ptrdiff_t inner, const float *w, ptrdiff_t ldw, const float *x, ptrdiff_t ldx,
      float *y, ptrdiff_t ldy) {
    float4 acc[portableRows][2];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) acc[r][v] = load4(y + r * ldy + v * portableLanes);
    for (ptrdiff_t p = 0; p < inner; p++) {
        float4 xv[2];
        for (int v = 0; v < V; v++) xv[v] = load4(x + p * ldx + v * portableLanes);
        for (int r = 0; r < R; r++) {
            const float4 weight = w[r * ldw + p];   // broadcast
            for (int v = 0; v < V; v++) acc[r][v] = acc[r][v] + weight * xv[v];
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) store4(y + r * ldy + v * portableLanes, acc[r][v]);
}

/// R rows (<= 6) x one column of y, in scalars: R independent sums hide the latency of the additions.
__attribute__((always_inline)) static inline void
column(const int R, ptrdiff_t inner, const float *w, ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y,
       ptrdiff_t ldy) {
    float acc[portableRows];
    for (int r = 0; r < R; r++) acc[r] = y[r * ldy];
    for (ptrdiff_t p = 0; p < inner; p++) {
        const float xp = x[p * ldx];
        for (int r = 0; r < R; r++) acc[r] = acc[r] + w[r * ldw + p] * xp;
    }
    for (int r = 0; r < R; r++) y[r * ldy] = acc[r];
}

/// R rows against all the columns: blocks of 8 columns, then one of 4, then single columns.
__attribute__((always_inline)) static inline void
rowsAgainstColumns(const int R, ptrdiff_t inner, ptrdiff_t columns, const float *w, ptrdiff_t ldw, const float *x,
                   ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    ptrdiff_t j = 0;
    for (; j + 2 * portableLanes <= columns; j += 2 * portableLanes)
        block(R, 2, inner, w, ldw, x + j, ldx, y + j, ldy);
    if (j + portableLanes <= columns) {
        block(R, 1, inner, w, ldw, x + j, ldx, y + j, ldy);
        j += portableLanes;
    }
    for (; j < columns; j++) column(R, inner, w, ldw, x + j, ldx, y + j, ldy);
}

void lmconv_matrix_product_portable(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                    ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    ptrdiff_t o = 0;
    for (; o + portableRows <= rows; o += portableRows)
        rowsAgainstColumns(portableRows, inner, columns, w + o * ldw, ldw, x, ldx, y + o * ldy, ldy);
    const float *wo = w + o * ldw;
    float *yo = y + o * ldy;
    switch (rows - o) {   // the last 0 to 5 rows, each count its own unrolled block
    case 5: rowsAgainstColumns(5, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    case 4: rowsAgainstColumns(4, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    case 3: rowsAgainstColumns(3, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    case 2: rowsAgainstColumns(2, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    case 1: rowsAgainstColumns(1, inner, columns, wo, ldw, x, ldx, yo, ldy); break;
    default: break;
    }
}
