// The CBLAS interface of OpenBLAS (Debian: libopenblas-dev). No Swift API of its own;
// only LMConvTensor/GEMM.swift imports this module.
#include <cblas.h>
