// 1-D pooling over the last axis of x [N, C, L] (N*C independent rows of length L).
//   max:      y[r, t] = max_k x[r, t*stride - padding + k*dilation]; the first maximum wins and
//             its index (into L) is saved in argmax; backward routes grad to that index only.
//   avg:      y[r, t] = mean of the window (count_include_pad: padded zeros count in the divisor).
//   adaptive: output bin i covers [floor(i*L/out), ceil((i+1)*L/out)) — PyTorch's bins.
#pragma once
#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

struct Pool1dParams {
  int64_t kernel = 1, stride = 1, padding = 0, dilation = 1;
  bool count_include_pad = true;  // avg only
  int64_t out_length(int64_t len_in) const {
    return (len_in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
  }
};

namespace cpu {
void maxpool1d_forward(const Array& x, Array& y, Array& argmax, const Pool1dParams& p);
void maxpool1d_backward(const Array& grad_y, const Array& argmax, Array& grad_x);
void avgpool1d_forward(const Array& x, Array& y, const Pool1dParams& p);
void avgpool1d_backward(const Array& grad_y, Array& grad_x, const Pool1dParams& p);
void adaptive_avgpool1d_forward(const Array& x, Array& y);
void adaptive_avgpool1d_backward(const Array& grad_y, Array& grad_x);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {
void maxpool1d_forward(const Array& x, Array& y, Array& argmax, const Pool1dParams& p);
void maxpool1d_backward(const Array& grad_y, const Array& argmax, Array& grad_x);
void avgpool1d_forward(const Array& x, Array& y, const Pool1dParams& p);
void avgpool1d_backward(const Array& grad_y, Array& grad_x, const Pool1dParams& p);
void adaptive_avgpool1d_forward(const Array& x, Array& y);
void adaptive_avgpool1d_backward(const Array& grad_y, Array& grad_x);
}  // namespace cuda
#endif

// Assigns y [N, C, L_out] and argmax (int64, same shape as y).
inline void maxpool1d_forward(const Array& x, Array& y, Array& argmax, const Pool1dParams& p) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::maxpool1d_forward(x, y, argmax, p);
#endif
  require_cpu(x, "maxpool1d_forward");
  cpu::maxpool1d_forward(x, y, argmax, p);
}
// grad_x[r, argmax[r, t]] += grad_y[r, t]. Accumulates.
inline void maxpool1d_backward(const Array& grad_y, const Array& argmax, Array& grad_x) {
#ifdef DNAGRAD_WITH_CUDA
  if (grad_y.device().is_cuda()) return cuda::maxpool1d_backward(grad_y, argmax, grad_x);
#endif
  require_cpu(grad_y, "maxpool1d_backward");
  cpu::maxpool1d_backward(grad_y, argmax, grad_x);
}
// Assigns y [N, C, L_out].
inline void avgpool1d_forward(const Array& x, Array& y, const Pool1dParams& p) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::avgpool1d_forward(x, y, p);
#endif
  require_cpu(x, "avgpool1d_forward");
  cpu::avgpool1d_forward(x, y, p);
}
// Spreads grad_y evenly over each window. Accumulates.
inline void avgpool1d_backward(const Array& grad_y, Array& grad_x, const Pool1dParams& p) {
#ifdef DNAGRAD_WITH_CUDA
  if (grad_y.device().is_cuda()) return cuda::avgpool1d_backward(grad_y, grad_x, p);
#endif
  require_cpu(grad_y, "avgpool1d_backward");
  cpu::avgpool1d_backward(grad_y, grad_x, p);
}
// Assigns y [N, C, out] where out = y.size(2).
inline void adaptive_avgpool1d_forward(const Array& x, Array& y) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::adaptive_avgpool1d_forward(x, y);
#endif
  require_cpu(x, "adaptive_avgpool1d_forward");
  cpu::adaptive_avgpool1d_forward(x, y);
}
// Accumulates into grad_x [N, C, L].
inline void adaptive_avgpool1d_backward(const Array& grad_y, Array& grad_x) {
#ifdef DNAGRAD_WITH_CUDA
  if (grad_y.device().is_cuda()) return cuda::adaptive_avgpool1d_backward(grad_y, grad_x);
#endif
  require_cpu(grad_y, "adaptive_avgpool1d_backward");
  cpu::adaptive_avgpool1d_backward(grad_y, grad_x);
}

}  // namespace dnagrad::kernels
