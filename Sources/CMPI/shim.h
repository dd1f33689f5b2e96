// Open MPI for Swift. Its handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros that cast the addresses of
// global objects, which Swift cannot import; these static inline functions return them, and wrap the few calls
// lmconv makes so that the Swift side never touches an MPI handle at all. Every function returns an MPI error code
// (MPI_SUCCESS = 0) unless it says otherwise. Only used when Package.swift found Open MPI (see LMConvDistributed).
#ifndef LMCONV_CMPI_SHIM_H
#define LMCONV_CMPI_SHIM_H
#include <mpi.h>

/// MPI_Init_thread with MPI_THREAD_FUNNELED (compute threads never call MPI; the main thread does), then errors on
/// MPI_COMM_WORLD return codes instead of aborting, so that the caller can say what failed before ending the job.
static inline int lmconv_mpi_init(void) {
    int provided = 0;
    int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) return rc;
    return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

static inline int lmconv_mpi_initialized(void) { int flag = 0; MPI_Initialized(&flag); return flag; }
static inline int lmconv_mpi_finalized(void) { int flag = 0; MPI_Finalized(&flag); return flag; }
static inline int lmconv_mpi_rank(int *rank) { return MPI_Comm_rank(MPI_COMM_WORLD, rank); }
static inline int lmconv_mpi_size(int *size) { return MPI_Comm_size(MPI_COMM_WORLD, size); }

/// In-place sum over every rank of `count` floats.
static inline int lmconv_mpi_allreduce_sum_float(float *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

/// In-place sum over every rank of `count` doubles.
static inline int lmconv_mpi_allreduce_sum_double(double *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

/// In-place maximum over every rank of `count` 64-bit integers.
static inline int lmconv_mpi_allreduce_max_int64(long long *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
}

/// `count` bytes from `root` to every rank.
static inline int lmconv_mpi_bcast_bytes(void *bytes, int count, int root) {
    return MPI_Bcast(bytes, count, MPI_BYTE, root, MPI_COMM_WORLD);
}

static inline int lmconv_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

/// Ends every process of the job with `code` (does not return on success).
static inline int lmconv_mpi_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }

static inline int lmconv_mpi_finalize(void) { return MPI_Finalize(); }

/// The text of an MPI error code into `text` (at least MPI_MAX_ERROR_STRING bytes); returns its length.
static inline int lmconv_mpi_error_string(int code, char *text, int capacity) {
    char buffer[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, buffer, &length) != MPI_SUCCESS) length = 0;
    if (length >= capacity) length = capacity - 1;
    for (int i = 0; i < length; i++) text[i] = buffer[i];
    text[length < 0 ? 0 : length] = 0;
    return length;
}

static inline int lmconv_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
#endif
