// BatchNorm1d -> ReLU -> MaxPool1d as one op: the same numbers as the three kernels in a row
// (batchnorm.h, elementwise.h, pooling.h), in a few passes over the activations instead of a
// dozen, and with the maximum's offset inside its window (one byte) in place of an int64 index.
// nn::Sequential uses it for that run of layers on the CPU (nn/layers.cpp).
// Legend: N batch, C channels, L length, L_out pooled length.
//   x [N, C, L]; weight, bias, running_mean, running_var, save_mean, save_invstd [C];
//   y, window_argmax [N, C, L_out] (window_argmax uint8: the offset k of the window's maximum).
// CPU only: a CUDA tensor takes the three kernels in a row.
#pragma once
#include "core/array.h"
#include "kernels/dispatch.h"
#include "kernels/pooling.h"

namespace dnagrad::kernels {

namespace cpu {
void bn_relu_maxpool_forward(const Array& x, const Array& weight, const Array& bias,
                             Array& running_mean, Array& running_var, bool training,
                             double momentum, double eps, const Pool1dParams& pool, Array& y,
                             Array* window_argmax, Array& save_mean, Array& save_invstd);
void bn_relu_maxpool_backward(const Array& grad_y, const Array& y, const Array& window_argmax,
                              const Array& x, const Array& weight, const Array& mean,
                              const Array& invstd, bool training, const Pool1dParams& pool,
                              Array* grad_x, Array* grad_weight, Array* grad_bias,
                              bool accumulate_x = true);
}  // namespace cpu

// Assigns y, window_argmax (when given: it is only needed for a backward pass), save_mean and
// save_invstd (the batch statistics in training, the running ones turned into invstd otherwise);
// in training, updates the running statistics as batchnorm_forward_train does.
inline void bn_relu_maxpool_forward(const Array& x, const Array& weight, const Array& bias,
                                    Array& running_mean, Array& running_var, bool training,
                                    double momentum, double eps, const Pool1dParams& pool, Array& y,
                                    Array* window_argmax, Array& save_mean, Array& save_invstd) {
  require_cpu(x, "bn_relu_maxpool_forward");
  cpu::bn_relu_maxpool_forward(x, weight, bias, running_mean, running_var, training, momentum, eps,
                               pool, y, window_argmax, save_mean, save_invstd);
}
// Accumulates the gradients of x, weight and bias (any pointer may be null) from grad_y, the
// forward's y and window_argmax, and the statistics it saved; with accumulate_x = false grad_x
// is ASSIGNED instead (every element written: its old contents are never read).
inline void bn_relu_maxpool_backward(const Array& grad_y, const Array& y,
                                     const Array& window_argmax, const Array& x,
                                     const Array& weight, const Array& mean, const Array& invstd,
                                     bool training, const Pool1dParams& pool, Array* grad_x,
                                     Array* grad_weight, Array* grad_bias,
                                     bool accumulate_x = true) {
  require_cpu(x, "bn_relu_maxpool_backward");
  cpu::bn_relu_maxpool_backward(grad_y, y, window_argmax, x, weight, mean, invstd, training, pool,
                                grad_x, grad_weight, grad_bias, accumulate_x);
}

}  // namespace dnagrad::kernels
