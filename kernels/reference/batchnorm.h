// Version 0 of BatchNorm: the definition as plain loops in float64, the oracle that the CPU, CUDA
// and cuDNN kernels are tested against (tests/test_batchnorm.cpp).
//
// Legend: N batch, C channels, L length; x [N, C, L] or [N, C] (read as L = 1); M = N * L values
// per channel. For each channel c:
//   mean[c]   = sum_{n, t} x[n, c, t] / M
//   var[c]    = sum_{n, t} (x[n, c, t] - mean[c])^2 / M          (biased: the one y uses)
//   invstd[c] = 1 / sqrt(var[c] + eps)
//   xhat      = (x - mean[c]) * invstd[c]
//   y         = xhat * weight[c] + bias[c]     (undefined weight / bias read as 1 / 0)
// Training also moves the running statistics (when defined) towards the batch's:
//   running_mean = (1 - momentum) * running_mean + momentum * mean
//   running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)   (unbiased)
// Eval mode uses running_mean and 1 / sqrt(running_var + eps) in place of mean and invstd.
//
// Same signatures and contracts as kernels/batchnorm.h. Inputs may be float32 or float64 (read
// as double); outputs must be float64 on the CPU.
#pragma once
#include "core/array.h"

namespace dnagrad::kernels::reference {

// Assigns y, save_mean and save_invstd; updates the running statistics when they are defined.
void batchnorm_forward_train(const Array& x, const Array& weight, const Array& bias,
                             Array& running_mean, Array& running_var, double momentum, double eps,
                             Array& y, Array& save_mean, Array& save_invstd);
// Assigns y from the running statistics.
void batchnorm_forward_eval(const Array& x, const Array& weight, const Array& bias,
                            const Array& running_mean, const Array& running_var, double eps,
                            Array& y);
// Accumulates the gradients of sum(y * grad_y); any grad pointer may be null. `mean` and
// `invstd` are the statistics the forward used. With S1 = sum_{n, t} grad_y and
// S2 = sum_{n, t} grad_y * xhat per channel:
//   grad_bias   += S1
//   grad_weight += S2
//   grad_x      += weight * invstd * grad_y                                (eval: constants)
//   grad_x      += weight * invstd / M * (M * grad_y - S1 - xhat * S2)     (training: mean and
//                                                                           invstd depend on x)
void batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight, const Array& mean,
                        const Array& invstd, bool training, Array* grad_x, Array* grad_weight,
                        Array* grad_bias);

}  // namespace dnagrad::kernels::reference
