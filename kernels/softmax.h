// Softmax and log-softmax along one dimension, computed stably (subtract the max first).
//   softmax:     y_i = exp(x_i - m) / sum_j exp(x_j - m)
//   log_softmax: y_i = x_i - m - log sum_j exp(x_j - m)
// Backward from the output y:  softmax: gx_i += y_i (gy_i - sum_j gy_j y_j)
//                              log:     gx_i += gy_i - exp(y_i) sum_j gy_j
#pragma once
#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

namespace cpu {
void softmax_forward(const Array& x, int dim, bool log, Array& y);
void softmax_backward(const Array& y, const Array& grad_y, int dim, bool log, Array& grad_x);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {  // kernels/cuda/softmax.cu
void softmax_forward(const Array& x, int dim, bool log, Array& y);
void softmax_backward(const Array& y, const Array& grad_y, int dim, bool log, Array& grad_x);
}  // namespace cuda
#endif

// Assigns y (same shape as x). `dim` is already normalised to [0, x.dim()).
inline void softmax_forward(const Array& x, int dim, bool log, Array& y) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::softmax_forward(x, dim, log, y);
#endif
  require_cpu(x, "softmax_forward");
  cpu::softmax_forward(x, dim, log, y);
}
// Accumulates into grad_x.
inline void softmax_backward(const Array& y, const Array& grad_y, int dim, bool log,
                             Array& grad_x) {
#ifdef DNAGRAD_WITH_CUDA
  if (y.device().is_cuda()) return cuda::softmax_backward(y, grad_y, dim, log, grad_x);
#endif
  require_cpu(y, "softmax_backward");
  cpu::softmax_backward(y, grad_y, dim, log, grad_x);
}

}  // namespace dnagrad::kernels
