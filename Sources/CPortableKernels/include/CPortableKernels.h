// The codec's deterministic ("portable") kernels in C, for LMConv's PortableKernels: the same output bits on every
// machine, whichever instruction set runs them.
//
// Why C: Swift's SIMD types compile to the package's baseline instruction set (SSE2 on x86-64), and Swift has no
// per-function target attribute, so the AVX2 and AVX-512 units of the CPU would stay idle. Here each path is a
// function compiled for its instruction set (`__attribute__((target(...)))`), chosen at run time.
//
// Why every path gives the same bits: each output is a fixed sequence of IEEE-754 operations, each product rounded
// before its addition (every file says `#pragma clang fp contract(off)` and uses separate multiply and add
// intrinsics; scripts/check-no-fma.sh proves the assembly has no fused multiply-add), and vectors only run that
// sequence for several independent outputs at once (across columns), never split or reorder a sum. A wider vector
// therefore computes more outputs per instruction, not different ones. See docs/FORMAT.md, "Determinism".
#ifndef CPORTABLEKERNELS_H
#define CPORTABLEKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The kernel paths, for lmconv_kernel_path_available and the *_path functions.
/// Plain C and clang vector extensions (4 floats: SSE2 on x86-64, NEON on arm64): runs everywhere.
#define LMCONV_KERNEL_PATH_PORTABLE 0
/// AVX2 (8 floats a vector; x86-64 only).
#define LMCONV_KERNEL_PATH_AVX2 1
/// AVX-512F (16 floats a vector; x86-64 only).
#define LMCONV_KERNEL_PATH_AVX512 2
/// One more than the largest path number.
#define LMCONV_KERNEL_PATH_COUNT 3

/// 1 when `path` can run on this CPU (and this operating system saves its registers), else 0.
int lmconv_kernel_path_available(int path);

/// The path the functions without a path argument use: the widest available one (decided once, on first use).
int lmconv_kernel_best_path(void);

/// y (rows, columns) += W (rows, inner) · x (inner, columns); row-major, leading dimensions ldw, ldx, ldy (in
/// floats). Each element is y[o, j] + w[o, 0] x[0, j] + w[o, 1] x[1, j] + ... + w[o, inner-1] x[inner-1, j], summed
/// left to right in float, each product rounded before its addition: the bits do not depend on the path, on the
/// shape (how many rows or columns there are around the element) or on alignment. Single-threaded.
void lmconv_matrix_product(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w, ptrdiff_t ldw,
                           const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);

/// lmconv_matrix_product on a given path (for tests and benchmarks). An unavailable path is a programming error:
/// the call aborts rather than run an illegal instruction.
void lmconv_matrix_product_path(int path, ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy);

/// One component of a discretized logistic mixture added into the level probabilities (the inner loop of
/// LMConv's DiscretizedLogisticMixture.probabilities): with c_i = σ(inverseScale * (edges[i] - mean)) for the
/// `count` upper bin edges (σ exactly as PortableMath.logisticCDF computes it), p[i] += weight * (c_i - c_{i-1})
/// (c_{-1} = 0) for i < count, then p[count] += weight * (1 - c_{count-1}). `p` has count + 1 elements; `scratch`
/// (count + 1 doubles) receives 0, c_0, ..., c_{count-1}. The edges (and levels) are the vector lanes: the bits do
/// not depend on the path.
void lmconv_logistic_component(const double *edges, ptrdiff_t count, double inverseScale, double mean,
                               double weight, double *p, double *scratch);

/// lmconv_logistic_component on a given path (tests and benchmarks); aborts when the path is unavailable.
void lmconv_logistic_component_path(int path, const double *edges, ptrdiff_t count, double inverseScale,
                                    double mean, double weight, double *p, double *scratch);

/// out[i] = σ(z[i]), PortableMath.logisticCDF's bits, on a given path (for the tests that compare the paths with
/// the Swift function); aborts when the path is unavailable.
void lmconv_logistic_cdf_path(int path, const double *z, ptrdiff_t count, double *out);

/// x[i] = σ(x[i]) in place for `count` floats, exactly Float(PortableMath.sigmoid(Double(x[i]))) (the gated
/// resnets' gate in the codec's arithmetic). Elements are the vector lanes: the bits do not depend on the path.
void lmconv_gate_sigmoid(float *x, ptrdiff_t count);

/// rANS frequencies of n >= 1 levels from their probabilities, summing to exactly 2^precisionBits (1...31,
/// n <= 2^precisionBits), every level at least 1: LMConv's quantizeFrequencies (its documentation states the rule),
/// the same operations in the same order. `weights` is scratch of n doubles; `frequencies` receives n values.
void lmconv_quantize_frequencies(const double *probabilities, ptrdiff_t n, int precisionBits, double *weights,
                                 uint32_t *frequencies);

/// lmconv_gate_sigmoid on a given path (tests and benchmarks); aborts when the path is unavailable.
void lmconv_gate_sigmoid_path(int path, float *x, ptrdiff_t count);

#endif
