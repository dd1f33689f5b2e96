// The per-path kernels behind CPortableKernels.h's dispatching functions (Dispatch.c), one file per instruction
// set. Every path has the public function's exact contract; only its speed differs.
#ifndef CPORTABLEKERNELS_KERNELPATHS_H
#define CPORTABLEKERNELS_KERNELPATHS_H

#include <stddef.h>

/// The signature every path of the matrix product shares (see lmconv_matrix_product).
typedef void (*lmconv_matrix_product_fn)(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                          ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);

/// The signatures every path of the mixture-component and logistic-CDF functions share.
typedef void (*lmconv_logistic_component_fn)(const double *edges, ptrdiff_t count, double inverseScale, double mean,
                                             double weight, double *p, double *scratch);
typedef void (*lmconv_logistic_cdf_fn)(const double *z, ptrdiff_t count, double *out);
/// The signature of the gate sigmoid's paths (see lmconv_gate_sigmoid).
typedef void (*lmconv_gate_sigmoid_fn)(float *x, ptrdiff_t count);

// GateSigmoid.c
void lmconv_gate_sigmoid_portable(float *x, ptrdiff_t count);

// LogisticComponentPortable.c
void lmconv_logistic_component_portable(const double *edges, ptrdiff_t count, double inverseScale, double mean,
                                        double weight, double *p, double *scratch);
void lmconv_logistic_cdf_portable(const double *z, ptrdiff_t count, double *out);

// MatrixProductPortable.c
void lmconv_matrix_product_portable(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                    ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);

#if defined(__x86_64__)
// MatrixProductAVX2.c
void lmconv_matrix_product_avx2(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);
/// The AVX2 kernel for 1 to 8 columns (the AVX-512 path uses it for its last 1 to 8).
void lmconv_matrix_product_avx2_narrow(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                       ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);
// MatrixProductAVX512.c
void lmconv_matrix_product_avx512(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                  ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);
// LogisticComponentAVX2.c
void lmconv_logistic_component_avx2(const double *edges, ptrdiff_t count, double inverseScale, double mean,
                                    double weight, double *p, double *scratch);
void lmconv_logistic_cdf_avx2(const double *z, ptrdiff_t count, double *out);
// LogisticComponentAVX512.c
void lmconv_logistic_component_avx512(const double *edges, ptrdiff_t count, double inverseScale, double mean,
                                      double weight, double *p, double *scratch);
void lmconv_logistic_cdf_avx512(const double *z, ptrdiff_t count, double *out);
// GateSigmoid.c
void lmconv_gate_sigmoid_avx2(float *x, ptrdiff_t count);
void lmconv_gate_sigmoid_avx512(float *x, ptrdiff_t count);
#endif

#endif
