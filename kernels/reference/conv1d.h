// Version 0 of Conv1d: the definition as plain loops in float64, the oracle that the CPU, CUDA
// and cuDNN kernels are tested against (tests/test_conv1d.cpp) and that `bench/` checks before it
// times. Slow on purpose: no im2col, no tiling, no threads; read it to learn what the fast
// kernels must compute.
//
// Legend: N batch, C_in / C_out channels, L_in / L_out lengths, K kernel size.
//   x [N, C_in, L_in], weight [C_out, C_in, K], bias [C_out], y [N, C_out, L_out]
//   y[n, o, t] = bias[o] + sum_{c, k} weight[o, c, k] * x[n, c, t*stride + k*dilation - padding]
// (an input index outside [0, L_in) reads zero: the padding).
//
// Same signatures and contracts as kernels/conv1d.h: forward ASSIGNS y; the backward functions
// ACCUMULATE (+=). Inputs may be float32 or float64 (read as double); outputs must be float64.
// Everything is on the CPU.
#pragma once
#include "core/array.h"
#include "kernels/conv1d.h"

namespace dnagrad::kernels::reference {

// y = conv(x, weight) + bias (bias may be undefined). Assigns y.
void conv1d_forward(const Array& x, const Array& weight, const Array& bias, Array& y,
                    const Conv1dParams& p);
// grad_x[n, c, i] += sum of weight[o, c, k] * grad_y[n, o, t] over the (o, t, k) whose tap reads
// x[n, c, i]. Accumulates.
void conv1d_backward_input(const Array& grad_y, const Array& weight, Array& grad_x,
                           const Conv1dParams& p);
// grad_weight[o, c, k] += sum over n, t of x[n, c, tap(t, k)] * grad_y[n, o, t]. Accumulates.
void conv1d_backward_weight(const Array& grad_y, const Array& x, Array& grad_weight,
                            const Conv1dParams& p);
// grad_bias[o] += sum over n, t of grad_y[n, o, t]. Accumulates.
void conv1d_backward_bias(const Array& grad_y, Array& grad_bias);

}  // namespace dnagrad::kernels::reference
