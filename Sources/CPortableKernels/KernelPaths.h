// The per-path kernels behind CPortableKernels.h's dispatching functions (Dispatch.c), one file per instruction
// set. Every path has the public function's exact contract; only its speed differs.
#ifndef CPORTABLEKERNELS_KERNELPATHS_H
#define CPORTABLEKERNELS_KERNELPATHS_H

#include <stddef.h>

/// The signature every path of the matrix product shares (see lmconv_matrix_product).
typedef void (*lmconv_matrix_product_fn)(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                          ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);

// MatrixProductPortable.c
void lmconv_matrix_product_portable(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                    ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);

#if defined(__x86_64__)
// MatrixProductAVX2.c
void lmconv_matrix_product_avx2(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);
// MatrixProductAVX512.c
void lmconv_matrix_product_avx512(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                  ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);
#endif

#endif
