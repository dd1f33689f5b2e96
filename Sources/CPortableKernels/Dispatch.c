// Which kernel path runs: the widest one this CPU and operating system support, decided once. The choice changes
// speed only, never a bit of the output (see CPortableKernels.h).
#include "CPortableKernels.h"
#include "KernelPaths.h"

#include <stdio.h>
#include <stdlib.h>

int lmconv_kernel_path_available(int path) {
    switch (path) {
    case LMCONV_KERNEL_PATH_PORTABLE: return 1;
#if defined(__x86_64__)
    // libgcc's / compiler-rt's CPU model also checks (XGETBV) that the OS saves the ymm / zmm registers.
    case LMCONV_KERNEL_PATH_AVX2: __builtin_cpu_init(); return __builtin_cpu_supports("avx2") ? 1 : 0;
    case LMCONV_KERNEL_PATH_AVX512: __builtin_cpu_init(); return __builtin_cpu_supports("avx512f") ? 1 : 0;
#endif
    default: return 0;
    }
}

/// -1 until the first call of lmconv_kernel_best_path; every thread computes the same value, so a race is harmless
/// (the accesses are atomic all the same).
static int bestPath = -1;

int lmconv_kernel_best_path(void) {
    int path = __atomic_load_n(&bestPath, __ATOMIC_RELAXED);
    if (path < 0) {
        path = LMCONV_KERNEL_PATH_PORTABLE;
        for (int candidate = LMCONV_KERNEL_PATH_COUNT - 1; candidate > 0; candidate--) {
            if (lmconv_kernel_path_available(candidate)) { path = candidate; break; }
        }
        __atomic_store_n(&bestPath, path, __ATOMIC_RELAXED);
    }
    return path;
}

static lmconv_matrix_product_fn matrixProductOn(int path) {
    switch (path) {
#if defined(__x86_64__)
    case LMCONV_KERNEL_PATH_AVX512: return lmconv_matrix_product_avx512;
    case LMCONV_KERNEL_PATH_AVX2: return lmconv_matrix_product_avx2;
#endif
    default: return lmconv_matrix_product_portable;
    }
}

void lmconv_matrix_product(ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w, ptrdiff_t ldw,
                           const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    if (rows <= 0 || columns <= 0) return;
    matrixProductOn(lmconv_kernel_best_path())(rows, inner, columns, w, ldw, x, ldx, y, ldy);
}

/// Aborts with a message unless `path` can run here (the *_path entry points are for tests and benchmarks).
static void requireAvailable(const char *function, int path) {
    if (!lmconv_kernel_path_available(path)) {
        fprintf(stderr, "%s: kernel path %d is not available on this CPU\n", function, path);
        abort();
    }
}

void lmconv_matrix_product_path(int path, ptrdiff_t rows, ptrdiff_t inner, ptrdiff_t columns, const float *w,
                                ptrdiff_t ldw, const float *x, ptrdiff_t ldx, float *y, ptrdiff_t ldy) {
    requireAvailable("lmconv_matrix_product_path", path);
    if (rows <= 0 || columns <= 0) return;
    matrixProductOn(path)(rows, inner, columns, w, ldw, x, ldx, y, ldy);
}

static lmconv_logistic_component_fn logisticComponentOn(int path) {
    switch (path) {
#if defined(__x86_64__)
    case LMCONV_KERNEL_PATH_AVX512: return lmconv_logistic_component_avx512;
    case LMCONV_KERNEL_PATH_AVX2: return lmconv_logistic_component_avx2;
#endif
    default: return lmconv_logistic_component_portable;
    }
}

void lmconv_logistic_component(const double *edges, ptrdiff_t count, double inverseScale, double mean,
                               double weight, double *p, double *scratch) {
    logisticComponentOn(lmconv_kernel_best_path())(edges, count, inverseScale, mean, weight, p, scratch);
}

void lmconv_logistic_component_path(int path, const double *edges, ptrdiff_t count, double inverseScale,
                                    double mean, double weight, double *p, double *scratch) {
    requireAvailable("lmconv_logistic_component_path", path);
    logisticComponentOn(path)(edges, count, inverseScale, mean, weight, p, scratch);
}

void lmconv_logistic_cdf_path(int path, const double *z, ptrdiff_t count, double *out) {
    requireAvailable("lmconv_logistic_cdf_path", path);
    switch (path) {
#if defined(__x86_64__)
    case LMCONV_KERNEL_PATH_AVX512: lmconv_logistic_cdf_avx512(z, count, out); break;
    case LMCONV_KERNEL_PATH_AVX2: lmconv_logistic_cdf_avx2(z, count, out); break;
#endif
    default: lmconv_logistic_cdf_portable(z, count, out); break;
    }
}

static lmconv_gate_sigmoid_fn gateSigmoidOn(int path) {
    switch (path) {
#if defined(__x86_64__)
    case LMCONV_KERNEL_PATH_AVX512: return lmconv_gate_sigmoid_avx512;
    case LMCONV_KERNEL_PATH_AVX2: return lmconv_gate_sigmoid_avx2;
#endif
    default: return lmconv_gate_sigmoid_portable;
    }
}

void lmconv_gate_sigmoid(float *x, ptrdiff_t count) {
    if (count > 0) gateSigmoidOn(lmconv_kernel_best_path())(x, count);
}

void lmconv_gate_sigmoid_path(int path, float *x, ptrdiff_t count) {
    requireAvailable("lmconv_gate_sigmoid_path", path);
    if (count > 0) gateSigmoidOn(path)(x, count);
}
