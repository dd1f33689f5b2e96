// The gated resnets' σ in the codec's arithmetic: x[i] = Float(PortableMath.sigmoid(Double(x[i]))) for a block of
// floats, on every path. See CPortableKernels.h for the contract.
//
// Why it gives the Swift function's bits: PortableMath.sigmoid(x) is 1 / (1 + exp(-x)) for x >= 0 and
// e / (1 + e), e = exp(x), otherwise; either way exp's argument is a = -|x| <= 0, so only exp's branches for
// a <= 0 occur (NaN, a below the underflow threshold, |a| < 2^-28, |a| <= ln 2 / 2 with k = 0, and the general
// reduction), each of which is written below as a select between values computed by Swift's operations in Swift's
// order. A select is exact, so the scalar loop, its vectorised forms (lanes are elements) and every path compute
// the same bits; fp contraction is off (no FMA), and the targets below do not include "fma".
// Two simplifications are exact for float inputs: exp's subnormal scaling (k < -1021, a < -708.4) gives a value
// below 2^-1021 whose σ rounds to Float 0 either way, so e = 0 there; and the overflow branch (a > 709) cannot occur.
#pragma clang fp contract(off)

#include "KernelPaths.h"
#include "LogisticCDFScalar.h"   // PortableMath's ln 2 split and 1 / ln 2, and the bit casts

#include <stdint.h>

// PortableMath.exp's other constants (decimal literals round to the same doubles in C and Swift).
#define P1 1.66666666666666019037e-01
#define P2 -2.77777777770155933842e-03
#define P3 6.61375632143793436117e-05
#define P4 -1.65339022054652515390e-06
#define P5 4.13813679705723846039e-08
#define UNDERFLOW_THRESHOLD -745.133219101941108420      // exp(a) = 0 below
#define HALF_LN2 0.34657359027997265                     // |a| above it: the general reduction

/// PortableMath.exp(a) for a <= 0 or NaN, its branches as selects.
static inline double expOfNonPositive(double a) {
    const double magnitude = __builtin_fabs(a);
    const int general = magnitude > HALF_LN2;
    // k = Int(a * inverseLn2 + (a < 0 ? -0.5 : 0.5)) (truncation), only where the general reduction applies; the
    // conversion is of a value in [-1076, 1], or of garbage in lanes that select something else (NaN, -inf: the
    // clamp keeps the conversion defined).
    double kReal = a * LMCONV_INVERSE_LN2 + (a < 0 ? -0.5 : 0.5);
    kReal = kReal > -2000.0 ? kReal : -2000.0;                // also maps NaN to -2000 (a NaN lane returns a)
    const int32_t k = general ? (int32_t)kReal : 0;
    const double kd = (double)k;
    const double high = general ? a - kd * LMCONV_LN2_HIGH : a;
    const double low = general ? kd * LMCONV_LN2_LOW : 0.0;
    const double r = high - low;
    const double t = r * r;
    const double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    const double y = 1 - ((low - (r * c) / (2 - c)) - high);
    // scaleByPowerOfTwo(y, k) for k >= -1021; below, the result is replaced by 0 (see the file's comment).
    const double scaled = lmconv_bits_to_double(lmconv_double_to_bits(y) + (uint64_t)((int64_t)k << 52));
    double e = k >= -1021 ? scaled : 0.0;
    e = magnitude < 0x1p-28 ? 1 + a : e;
    e = a < UNDERFLOW_THRESHOLD ? 0.0 : e;
    return a != a ? a : e;
}

/// Float(PortableMath.sigmoid(Double(x))).
static inline float sigmoidOfFloat(float value) {
    const double x = (double)value;
    const double e = expOfNonPositive(-__builtin_fabs(x));   // exp(-x) for x >= 0, exp(x) otherwise
    const double s = x >= 0 ? 1 / (1 + e) : e / (1 + e);
    return (float)s;
}

void lmconv_gate_sigmoid_portable(float *x, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) x[i] = sigmoidOfFloat(x[i]);
}

#if defined(__x86_64__)
// The same loop compiled for wider vectors (the compiler vectorises it; the lanes are elements).
__attribute__((target("avx2"))) void lmconv_gate_sigmoid_avx2(float *x, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) x[i] = sigmoidOfFloat(x[i]);
}

__attribute__((target("avx512f"))) void lmconv_gate_sigmoid_avx512(float *x, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) x[i] = sigmoidOfFloat(x[i]);
}
#endif
