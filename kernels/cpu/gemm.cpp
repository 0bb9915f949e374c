// gemm (kernels/cpu/gemm.h) through CBLAS or Eigen, and its split over threads.
#include "kernels/cpu/gemm.h"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>

#include "kernels/matmul.h"  // gemm_library

#if defined(DNAGRAD_BLAS_BLIS) || defined(DNAGRAD_BLAS_OPENBLAS)
#define DNAGRAD_HAS_CBLAS 1
#include <cblas.h>
#endif
#ifdef DNAGRAD_BLAS_BLIS
#include <blis.h>  // bli_info_get_version_str
#endif

namespace dnagrad::kernels::cpu {

namespace {

// Products below this many multiply-adds run on one thread: a team costs more than it saves.
constexpr int64_t kGemmParallelWork = int64_t(1) << 21;
// C is cut into blocks of this many rows (or columns): a multiple of every BLAS micro-tile.
constexpr int64_t kGemmBlock = 96;

// Eigen's product over strided maps of the same memory; nothing is copied.
template <class T>
void eigen_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
                const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;
  using ConstMap = Eigen::Map<const Matrix, 0, Stride>;
  Eigen::Map<Matrix, 0, Stride> C(c, m, n, Stride(ldc));
  const ConstMap A(a, ta ? k : m, ta ? m : k, Stride(lda));
  const ConstMap B(b, tb ? n : k, tb ? k : n, Stride(ldb));
  auto product = [&](const auto& lhs, const auto& rhs) {
    if (beta == T(0))
      C.noalias() = alpha * lhs * rhs;
    else {
      if (beta != T(1)) C *= beta;
      C.noalias() += alpha * lhs * rhs;
    }
  };
  if (ta && tb)
    product(A.transpose(), B.transpose());
  else if (ta)
    product(A.transpose(), B);
  else if (tb)
    product(A, B.transpose());
  else
    product(A, B);
}

#ifdef DNAGRAD_HAS_CBLAS
// Below this many multiply-adds, Eigen's inline product beats a BLAS call's fixed cost (packing,
// dispatch): the k-mer demo's tiny layers ran 1.5x slower through BLIS.
constexpr int64_t kSmallGemm = int64_t(1) << 15;

void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
               int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
               int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#else
template <class T>
void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
               const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  eigen_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#endif

}  // namespace

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C (BLAS libraries reject a zero leading dimension)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  const bool split = !omp_in_parallel() && omp_get_max_threads() > 1 &&
                     m * n * k >= kGemmParallelWork && std::max(m, n) >= 2 * kGemmBlock;
#ifdef DNAGRAD_HAS_CBLAS
  if (m * n * k < kSmallGemm)
    return eigen_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
  if (!split) return blas_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  // Cut the longer side of C. Rows of C are rows of op(A); columns of C are columns of op(B).
  const bool by_rows = m >= n;
  const int64_t extent = by_rows ? m : n;
  const int64_t n_blocks = (extent + kGemmBlock - 1) / kGemmBlock;
#pragma omp parallel for schedule(static)
  for (int64_t blk = 0; blk < n_blocks; ++blk) {
    const int64_t begin = blk * kGemmBlock, size = std::min(kGemmBlock, extent - begin);
    if (by_rows) {
      // Rows [begin, begin + size) of op(A): row `begin` of A, or column `begin` of A^T.
      const T* a_blk = trans_a ? a + begin : a + begin * lda;
      blas_gemm(trans_a, trans_b, size, n, k, alpha, a_blk, lda, b, ldb, beta, c + begin * ldc,
                ldc);
    } else {
      const T* b_blk = trans_b ? b + begin * ldb : b + begin;
      blas_gemm(trans_a, trans_b, m, size, k, alpha, a, lda, b_blk, ldb, beta, c + begin, ldc);
    }
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);

std::string gemm_library() {
#if defined(DNAGRAD_BLAS_BLIS)
  return std::string("BLIS ") + bli_info_get_version_str();
#elif defined(DNAGRAD_BLAS_OPENBLAS)
  return std::string("OpenBLAS (") + openblas_get_config() + ")";
#else
  return "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
         std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION);
#endif
}

}  // namespace dnagrad::kernels::cpu
