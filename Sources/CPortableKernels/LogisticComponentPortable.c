// A mixture component's CDF at the bin edges in plain C: every machine. See CPortableKernels.h for the contract.
//
// The loop is lmconv_logistic_cdf_scalar per edge (LogisticCDFScalar.h); the compiler may vectorise it (SSE2 pairs
// on x86-64, NEON on arm64), which changes nothing: lanes are edges, each does the scalar operations in order, and
// fp contraction is off for this file (no FMA, even on arm64).
#pragma clang fp contract(off)

#include "KernelPaths.h"
#include "LogisticCDFScalar.h"

void lmconv_logistic_component_portable(const double *edges, ptrdiff_t count, double inverseScale, double mean,
                                        double weight, double *p, double *scratch) {
    scratch[0] = 0;   // c[-1]; c[i] goes to scratch[i + 1]
    for (ptrdiff_t i = 0; i < count; i++) scratch[i + 1] = lmconv_logistic_cdf_scalar(inverseScale * (edges[i] - mean));
    lmconv_add_component_differences(scratch, 0, count, weight, p);
}

void lmconv_logistic_cdf_portable(const double *z, ptrdiff_t count, double *out) {
    for (ptrdiff_t i = 0; i < count; i++) out[i] = lmconv_logistic_cdf_scalar(z[i]);
}
