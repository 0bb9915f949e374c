// One matrix product for every CPU kernel that needs one (conv1d, matmul, linear), through the
// BLAS library chosen at configure time (cmake/blas.cmake: BLIS, OpenBLAS) or Eigen's own
// product. Private to kernels/cpu.
//
// Legend: row-major matrices with leading dimensions (the distance between rows):
//   C [M, N] (ldc) = alpha * op(A) [M, K] · op(B) [K, N] + beta * C
//   op(A) = A [M, K] (lda), or A^T when trans_a (A is then [K, M] with leading dimension lda)
//   op(B) = B [K, N] (ldb), or B^T when trans_b (B is then [N, K])
// beta = 0 ASSIGNS C (whatever C held, NaN included, is not read); beta = 1 ACCUMULATES.
//
// Threads: the BLAS library is its single-threaded build. Called inside an OpenMP parallel region
// (conv1d runs one sample per thread), gemm runs on the calling thread. Called outside one, a
// large product is cut into blocks of C's rows or columns at boundaries that depend only on the
// shape, and the threads take the blocks: each element of C is summed in the same order either
// way, so the result does not depend on the thread count.
#pragma once
#include <cstdint>

namespace dnagrad::kernels::cpu {

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

}  // namespace dnagrad::kernels::cpu
