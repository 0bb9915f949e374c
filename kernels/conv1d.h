// 1-D convolution (really cross-correlation, as in PyTorch).
// Legend: N batch, C_in / C_out channels, L_in / L_out lengths, K kernel size.
//   x [N, C_in, L_in], weight [C_out, C_in, K], bias [C_out], y [N, C_out, L_out]
//   y[n, o, t] = bias[o] + sum_{c, k} weight[o, c, k] * x[n, c, t*stride + k*dilation - padding]
// (terms whose input index falls outside [0, L_in) are zero: the padding).
#pragma once
#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

struct Conv1dParams {
  int64_t stride = 1, padding = 0, dilation = 1;
  // PyTorch's formula: floor((L_in + 2p - d(K-1) - 1) / s) + 1
  int64_t out_length(int64_t len_in, int64_t kernel) const {
    return (len_in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
  }
};

namespace cpu {
void conv1d_forward(const Array& x, const Array& weight, const Array& bias, Array& y,
                    const Conv1dParams& p);
void conv1d_backward_input(const Array& grad_y, const Array& weight, Array& grad_x,
                           const Conv1dParams& p);
void conv1d_backward_weight(const Array& grad_y, const Array& x, Array& grad_weight,
                            const Conv1dParams& p, Array* grad_bias = nullptr);
void conv1d_backward_bias(const Array& grad_y, Array& grad_bias);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {
void conv1d_forward(const Array& x, const Array& weight, const Array& bias, Array& y,
                    const Conv1dParams& p);
void conv1d_backward_input(const Array& grad_y, const Array& weight, Array& grad_x,
                           const Conv1dParams& p);
void conv1d_backward_weight(const Array& grad_y, const Array& x, Array& grad_weight,
                            const Conv1dParams& p);
void conv1d_backward_bias(const Array& grad_y, Array& grad_bias);
}  // namespace cuda
#endif

// Assigns y (bias may be undefined).
inline void conv1d_forward(const Array& x, const Array& weight, const Array& bias, Array& y,
                           const Conv1dParams& p) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::conv1d_forward(x, weight, bias, y, p);
#endif
  require_cpu(x, "conv1d_forward");
  cpu::conv1d_forward(x, weight, bias, y, p);
}
// grad_x += correlation of grad_y with the flipped kernel. Accumulates.
inline void conv1d_backward_input(const Array& grad_y, const Array& weight, Array& grad_x,
                                  const Conv1dParams& p) {
#ifdef DNAGRAD_WITH_CUDA
  if (grad_y.device().is_cuda()) return cuda::conv1d_backward_input(grad_y, weight, grad_x, p);
#endif
  require_cpu(grad_y, "conv1d_backward_input");
  cpu::conv1d_backward_input(grad_y, weight, grad_x, p);
}
// grad_weight += correlation of x with grad_y, and grad_bias as conv1d_backward_bias when it is
// given (the CPU sums it in the same pass over grad_y). Accumulates.
inline void conv1d_backward_weight(const Array& grad_y, const Array& x, Array& grad_weight,
                                   const Conv1dParams& p, Array* grad_bias = nullptr) {
#ifdef DNAGRAD_WITH_CUDA
  if (grad_y.device().is_cuda()) {
    cuda::conv1d_backward_weight(grad_y, x, grad_weight, p);
    if (grad_bias) cuda::conv1d_backward_bias(grad_y, *grad_bias);
    return;
  }
#endif
  require_cpu(grad_y, "conv1d_backward_weight");
  cpu::conv1d_backward_weight(grad_y, x, grad_weight, p, grad_bias);
}
// grad_bias[o] += sum over n, t of grad_y[n, o, t]. Accumulates.
inline void conv1d_backward_bias(const Array& grad_y, Array& grad_bias) {
#ifdef DNAGRAD_WITH_CUDA
  if (grad_y.device().is_cuda()) return cuda::conv1d_backward_bias(grad_y, grad_bias);
#endif
  require_cpu(grad_y, "conv1d_backward_bias");
  cpu::conv1d_backward_bias(grad_y, grad_bias);
}

}  // namespace dnagrad::kernels
