// Argument checks shared by the CPU and CUDA twins of conv1d, pooling and batchnorm: both
// validate the same way, here, and throw dnagrad::Error naming the op and the shapes.
#pragma once
#include <cstdint>

#include "core/array.h"
#include "kernels/conv1d.h"
#include "kernels/pooling.h"

namespace dnagrad::kernels {

struct ConvExtents {
  int64_t n_batch, c_in, len_in, c_out, kernel, len_out;
};
// x [N, C_in, L_in], weight [C_out, C_in, K] and y [N, C_out, L_out] (or their gradients) must
// fit together under p, on one device with one dtype.
ConvExtents check_conv1d(const char* op, const Array& x, const Array& weight, const Array& y,
                         const Conv1dParams& p);

struct PoolExtents {
  int64_t rows, len_in, len_out;  // rows = N * C
};
// x [N, C, L] and y [N, C, L_out] under p (the dilated window must fit the padded input).
PoolExtents check_pool1d(const char* op, const Array& x, const Array& y, const Pool1dParams& p);
// x [N, C, L] and y [N, C, out], L and out >= 1.
PoolExtents check_adaptive_pool1d(const char* op, const Array& x, const Array& y);

struct BatchNormExtents {
  int64_t n_batch, channels, len;  // [N, C] inputs have len 1
};
// Every argument of the batchnorm kernel of the same name (kernels/batchnorm.h): x [N, C, L] or
// [N, C]; [C] vectors of x's dtype on x's device (weight, bias and the running statistics may be
// undefined where the contract allows); outputs and gradients shaped like their inputs.
BatchNormExtents check_batchnorm_forward_train(const Array& x, const Array& weight,
                                               const Array& bias, const Array& running_mean,
                                               const Array& running_var, const Array& y,
                                               const Array& save_mean, const Array& save_invstd);
BatchNormExtents check_batchnorm_forward_eval(const Array& x, const Array& weight,
                                              const Array& bias, const Array& running_mean,
                                              const Array& running_var, const Array& y);
BatchNormExtents check_batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight,
                                          const Array& mean, const Array& invstd,
                                          const Array* grad_x, const Array* grad_weight,
                                          const Array* grad_bias);

}  // namespace dnagrad::kernels
