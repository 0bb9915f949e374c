// Matrix products and the fully connected layer on the GPU: GEMMs through cuBLAS (the handle:
// kernels/cuda/cublas_handle.h), the bias through two small kernels of ours. Same contracts as
// kernels/matmul.h and kernels/cpu/matmul.cpp: matmul ASSIGNS c (or ADDS to it with
// accumulate = true); linear_forward ASSIGNS y; linear_backward ADDS to every gradient it is given.
//
// Legend: c [M, P] = op(a) [M, K] · op(b) [K, P]; linear: x [N, I], weight [O, I], bias [O],
// y [N, O].
//
// Row-major arrays through a column-major library: a row-major [R, C] array is, byte for byte,
// the column-major [C, R] matrix, its transpose. So instead of c = op(a) op(b) cuBLAS computes
//   c^T [P, M] = op(b)^T [P, K] · op(a)^T [K, M]
// reading b's and a's memory as the column-major matrices b^T and a^T: b goes first, each operand
// is transposed by cuBLAS exactly when it is transposed in the row-major call, and every leading
// dimension is the row length (size(1)) of the row-major array. Assign vs accumulate is cuBLAS's
// beta (0: c is not read, so NaN-poisoned outputs are fine; 1: c += ...).
//
// float32 runs cublasSgemm and float64 cublasDgemm; the handle's math mode is CUBLAS_DEFAULT_MATH,
// so float32 never uses TF32. The bias kernels reduce in a fixed order (no atomics): bitwise
// repeatable.
#include <climits>

#include "kernels/checks.h"
#include "kernels/cuda/cublas_handle.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/matmul.h"

namespace dnagrad::kernels::cuda {

namespace {

// a's description, marked when the product reads it transposed.
std::string with_flag(const Array& a, bool transposed) {
  return transposed ? a.desc() + " (transposed)" : a.desc();
}

void require_int_extents(const char* op, std::initializer_list<int64_t> extents,
                         const std::string& shapes) {
  for (int64_t e : extents)
    DNAGRAD_CHECK(e <= INT_MAX, op, ": an extent exceeds cuBLAS's int range: ", shapes);
}

cublasOperation_t op_of(bool transposed) { return transposed ? CUBLAS_OP_T : CUBLAS_OP_N; }

// c [m, p] (+)= op(a) [m, k] · op(b) [k, p], all row-major and already checked.
void gemm(const char* op, const Array& a, const Array& b, Array& c, bool trans_a, bool trans_b,
          bool accumulate, int64_t m, int64_t k, int64_t p) {
  if (m == 0 || p == 0) return;
  if (k == 0) {  // an empty sum: c = 0, or c unchanged
    if (!accumulate) c.zero_();
    return;
  }
  require_int_extents(op, {m, k, p, a.size(1), b.size(1)},
                      cat("a ", with_flag(a, trans_a), ", b ", with_flag(b, trans_b)));
  cublasHandle_t handle = cublas_handle(c.device().index);  // the caller made c's device current
  const int mm = static_cast<int>(m), kk = static_cast<int>(k), pp = static_cast<int>(p);
  const int lda = static_cast<int>(a.size(1)), ldb = static_cast<int>(b.size(1));
  const cublasOperation_t op_a = op_of(trans_a), op_b = op_of(trans_b);
  if (a.dtype() == DType::F32) {
    const float alpha = 1, beta = accumulate ? 1 : 0;
    DNAGRAD_CUBLAS_CALL(cublasSgemm(handle, op_b, op_a, pp, mm, kk, &alpha, b.data<float>(), ldb,
                                    a.data<float>(), lda, &beta, c.data<float>(), pp),
                        op, ": c [", m, ", ", p, "] ", accumulate ? "+= " : "= ", "a ",
                        with_flag(a, trans_a), " · b ", with_flag(b, trans_b));
  } else if (a.dtype() == DType::F64) {
    const double alpha = 1, beta = accumulate ? 1 : 0;
    DNAGRAD_CUBLAS_CALL(cublasDgemm(handle, op_b, op_a, pp, mm, kk, &alpha, b.data<double>(), ldb,
                                    a.data<double>(), lda, &beta, c.data<double>(), pp),
                        op, ": c [", m, ", ", p, "] ", accumulate ? "+= " : "= ", "a ",
                        with_flag(a, trans_a), " · b ", with_flag(b, trans_b));
  } else {
    fail(op, ": expected float32 or float64, got ", a.desc());
  }
}

// y [rows, cols] += bias [cols] on every row.
template <class T>
__global__ void add_bias_rows(T* __restrict__ y, const T* __restrict__ bias, int64_t rows,
                              int64_t cols) {
  const int64_t total = rows * cols;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x)
    y[i] += bias[i % cols];
}

// grad_bias [cols] += column sums of g [rows, cols], in double, in a fixed order.
// Block (32 columns x 8 row-lanes): lane r sums rows r, r + 8, ... of its column in order (a warp
// reads 32 consecutive columns of a row: coalesced), then lane 0 adds the 8 lane sums in order.
constexpr int kColTile = 32, kRowLanes = 8;
template <class T>
__global__ void __launch_bounds__(kColTile* kRowLanes)
    column_sums(const T* __restrict__ g, T* __restrict__ grad_bias, int64_t rows, int64_t cols) {
  DNAGRAD_SHARED(double, lane_sums, [kRowLanes][kColTile]);
  const int tx = threadIdx.x % kColTile, lane = threadIdx.x / kColTile;
  for (int64_t col0 = int64_t{blockIdx.x} * kColTile; col0 < cols;
       col0 += int64_t{gridDim.x} * kColTile) {
    const int64_t col = col0 + tx;
    double total = 0;
    if (col < cols)
      for (int64_t r = lane; r < rows; r += kRowLanes)
        total += static_cast<double>(g[r * cols + col]);
    lane_sums[lane][tx] = total;
    __syncthreads();
    if (lane == 0 && col < cols) {
      double sum = 0;
      for (int l = 0; l < kRowLanes; ++l) sum += lane_sums[l][tx];
      grad_bias[col] += static_cast<T>(sum);
    }
    __syncthreads();
  }
}

}  // namespace

void matmul(const Array& a, const Array& b, Array& c, bool trans_a, bool trans_b, bool accumulate) {
  const ScopedDevice on_device(a.device().index);
  const char* op = "matmul";
  const MatmulExtents e = check_matmul(a, b, c, trans_a, trans_b);
  gemm(op, a, b, c, trans_a, trans_b, accumulate, e.m, e.k, e.p);
}

// y = x W^T, then y += bias on every row (the CPU's order of operations).
void linear_forward(const Array& x, const Array& weight, const Array& bias, Array& y) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "linear";
  check_linear_forward(x, weight, bias, y);
  const int64_t n = x.size(0), out_features = weight.size(0);
  gemm(op, x, weight, y, false, true, false, n, x.size(1), out_features);
  if (!bias.defined() || y.numel() == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    launch(add_bias_rows<T>, blocks_for(y.numel()), kThreads, 0, "linear add_bias_rows", op)(
        y.data<T>(), bias.data<T>(), n, out_features);
  });
}

// dx += g W [N, I], dW += g^T x [O, I], db += column sums of g [O] (summed in double).
void linear_backward(const Array& grad_y, const Array& x, const Array& weight, Array* grad_x,
                     Array* grad_weight, Array* grad_bias) {
  const ScopedDevice on_device(grad_y.device().index);
  const char* op = "linear backward";
  check_linear_backward(grad_y, x, weight, grad_x, grad_weight, grad_bias);
  const int64_t n = x.size(0), in_features = x.size(1), out_features = weight.size(0);
  if (grad_x) gemm(op, grad_y, weight, *grad_x, false, false, true, n, out_features, in_features);
  if (grad_weight)
    gemm(op, grad_y, x, *grad_weight, true, false, true, out_features, n, in_features);
  if (!grad_bias || out_features == 0 || n == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    const int64_t tiles = (out_features + kColTile - 1) / kColTile;
    const unsigned blocks = static_cast<unsigned>(tiles < 65535 ? tiles : 65535);
    launch(column_sums<T>, blocks, kColTile * kRowLanes, 0, "linear column_sums", op)(
        grad_y.data<T>(), grad_bias->data<T>(), n, out_features);
  });
}

}  // namespace dnagrad::kernels::cuda
