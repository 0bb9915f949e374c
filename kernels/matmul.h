// Matrix products and the fully connected layer.
// Legend: N = batch rows, I = in_features, O = out_features; M, K, P for a general product.
#pragma once
#include <string>

#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

namespace cpu {
// What the CPU GEMM runs on (cmake/blas.cmake), for reports: "BLIS 0.9.0", "OpenBLAS (...)" or
// "Eigen 3.4.0".
std::string gemm_library();
void matmul(const Array& a, const Array& b, Array& c, bool trans_a, bool trans_b, bool accumulate);
void linear_forward(const Array& x, const Array& weight, const Array& bias, Array& y);
void linear_backward(const Array& grad_y, const Array& x, const Array& weight, Array* grad_x,
                     Array* grad_weight, Array* grad_bias);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
// GEMMs through cuBLAS (kernels/cuda/matmul.cu), float32 without TF32.
namespace cuda {
void matmul(const Array& a, const Array& b, Array& c, bool trans_a, bool trans_b, bool accumulate);
void linear_forward(const Array& x, const Array& weight, const Array& bias, Array& y);
void linear_backward(const Array& grad_y, const Array& x, const Array& weight, Array* grad_x,
                     Array* grad_weight, Array* grad_bias);
}  // namespace cuda
#endif

// c [M, P] = op(a) · op(b), op = transpose when the flag is set (a is [K, M] then, b is [P, K]).
// Assigns c, or adds to it when `accumulate` is true.
inline void matmul(const Array& a, const Array& b, Array& c, bool trans_a = false,
                   bool trans_b = false, bool accumulate = false) {
#ifdef DNAGRAD_WITH_CUDA
  if (a.device().is_cuda()) return cuda::matmul(a, b, c, trans_a, trans_b, accumulate);
#endif
  require_cpu(a, "matmul");
  cpu::matmul(a, b, c, trans_a, trans_b, accumulate);
}
// y [N, O] = x [N, I] · weight[O, I]^T + bias [O] (bias may be undefined). Assigns y.
inline void linear_forward(const Array& x, const Array& weight, const Array& bias, Array& y) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::linear_forward(x, weight, bias, y);
#endif
  require_cpu(x, "linear_forward");
  cpu::linear_forward(x, weight, bias, y);
}
// grad_x += grad_y · W, grad_weight += grad_y^T · x, grad_bias += column sums of grad_y.
// Any grad pointer may be null. Accumulates.
inline void linear_backward(const Array& grad_y, const Array& x, const Array& weight, Array* grad_x,
                            Array* grad_weight, Array* grad_bias) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda())
    return cuda::linear_backward(grad_y, x, weight, grad_x, grad_weight, grad_bias);
#endif
  require_cpu(x, "linear_backward");
  cpu::linear_backward(grad_y, x, weight, grad_x, grad_weight, grad_bias);
}

}  // namespace dnagrad::kernels
