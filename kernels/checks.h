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
BatchNormExtents check_batchnorm_input(const char* op, const Array& x);
// `a` (when defined, or always when required) must be a [C] vector of x's dtype on x's device.
void check_channel_vector(const char* op, const char* name, const Array& a, const Array& x,
                          bool required = false);
// `a` must have x's shape, dtype and device.
void check_same_shape(const char* op, const char* name, const Array& a, const Array& x);

}  // namespace dnagrad::kernels
