// The emulation build's cuBLAS: see cublas_emulation.h. Compiled into every build, empty unless
// DNAGRAD_CUDA_EMULATE is defined.
#if defined(DNAGRAD_CUDA_EMULATE)
#include "kernels/cuda/cublas_emulation.h"

#include "core/emulated_runtime.h"
#include "core/error.h"

struct cublasContext {
  int device = 0;  // the device current when the handle was created, as in cuBLAS
};

namespace {

// Throws unless the column-major matrix of `rows` x `cols` with leading dimension `ld` at `p`
// lies in one live allocation of the handle's device: the check the real library leaves to the
// hardware.
template <class T>
void require_matrix(const char* call, const char* name, const cublasContext& h, const T* p,
                    int rows, int cols, int ld) {
  DNAGRAD_CHECK(ld >= (rows > 0 ? rows : 1), call, " (emulated cuBLAS): ld", name, " = ", ld,
                " is smaller than the ", rows, " rows of ", name);
  if (rows == 0 || cols == 0) return;
  const size_t bytes = (size_t(cols - 1) * ld + rows) * sizeof(T);
  const int device = dnagrad::emulation::device_of(p, bytes);
  DNAGRAD_CHECK(device == h.device, call, " (emulated cuBLAS): matrix ", name, " (", rows, " x ",
                cols, ", ld ", ld, ") at ", static_cast<const void*>(p),
                device < 0 ? " is not inside one live device allocation"
                           : " lies on another device than the handle's");
}

template <class T>
cublasStatus_t gemm(const char* call, cublasHandle_t h, cublasOperation_t transa,
                    cublasOperation_t transb, int m, int n, int k, const T* alpha, const T* A,
                    int lda, const T* B, int ldb, const T* beta, T* C, int ldc) {
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (m < 0 || n < 0 || k < 0) return CUBLAS_STATUS_INVALID_VALUE;
  const bool ta = transa == CUBLAS_OP_T, tb = transb == CUBLAS_OP_T;
  // op(A) is m x k: A itself is m x k (N) or k x m (T); likewise B for op(B) k x n.
  require_matrix(call, "A", *h, A, ta ? k : m, ta ? m : k, lda);
  require_matrix(call, "B", *h, B, tb ? n : k, tb ? k : n, ldb);
  require_matrix(call, "C", *h, C, m, n, ldc);
  auto a = [&](int i, int l) { return ta ? A[i * size_t(lda) + l] : A[l * size_t(lda) + i]; };
  auto b = [&](int l, int j) { return tb ? B[l * size_t(ldb) + j] : B[j * size_t(ldb) + l]; };
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      T sum = 0;
      for (int l = 0; l < k; ++l) sum += a(i, l) * b(l, j);
      T& c = C[j * size_t(ldc) + i];
      c = *beta == T(0) ? *alpha * sum : *alpha * sum + *beta * c;  // beta 0: C is not read
    }
  return CUBLAS_STATUS_SUCCESS;
}

}  // namespace

cublasStatus_t cublasCreate(cublasHandle_t* handle) {
  auto* h = new cublasContext();
  cudaGetDevice(&h->device);
  *handle = h;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy(cublasHandle_t handle) {
  delete handle;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t, cublasMath_t) { return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSetPointerMode(cublasHandle_t, cublasPointerMode_t) {
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetAtomicsMode(cublasHandle_t, cublasAtomicsMode_t) {
  return CUBLAS_STATUS_SUCCESS;
}

const char* cublasGetStatusString(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS (emulated)";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED (emulated)";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE (emulated)";
  }
  return "unknown cuBLAS status (emulated)";
}

cublasStatus_t cublasSgemm(cublasHandle_t handle, cublasOperation_t transa,
                           cublasOperation_t transb, int m, int n, int k, const float* alpha,
                           const float* A, int lda, const float* B, int ldb, const float* beta,
                           float* C, int ldc) {
  return gemm("cublasSgemm", handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

cublasStatus_t cublasDgemm(cublasHandle_t handle, cublasOperation_t transa,
                           cublasOperation_t transb, int m, int n, int k, const double* alpha,
                           const double* A, int lda, const double* B, int ldb, const double* beta,
                           double* C, int ldc) {
  return gemm("cublasDgemm", handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

#endif  // DNAGRAD_CUDA_EMULATE
