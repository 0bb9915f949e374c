// Version 0 of 1-D pooling: the definitions as plain loops in float64, the oracle that the CPU,
// CUDA and cuDNN kernels are tested against (tests/test_pooling.cpp).
//
// Legend: N batch, C channels, R = N * C independent rows, L input length, L_out output length,
// K kernel size. x [N, C, L] -> y [N, C, L_out]. Output t of a row reads the window
//   x[t*stride - padding + k*dilation], k = 0 .. K-1   (indices outside [0, L) are padding).
//   max:      the largest real element; the first maximum wins, a NaN beats every number (as in
//             PyTorch); argmax (int64, shaped like y) holds its index into L. Backward routes
//             grad_y[r, t] to x[r, argmax[r, t]] only.
//   avg:      sum of the window's real elements / (K if count_include_pad else their count);
//             backward spreads grad_y[r, t] / divisor over the same elements.
//   adaptive: output bin i of `out` covers [floor(i*L/out), ceil((i+1)*L/out)); y = its mean.
//
// Same signatures and contracts as kernels/pooling.h: forward functions ASSIGN y (and argmax),
// backward functions ACCUMULATE (+=) into grad_x. Inputs may be float32 or float64 (read as
// double); y and grad_x must be float64, everything on the CPU.
#pragma once
#include "core/array.h"
#include "kernels/pooling.h"

namespace dnagrad::kernels::reference {

void maxpool1d_forward(const Array& x, Array& y, Array& argmax, const Pool1dParams& p);
void maxpool1d_backward(const Array& grad_y, const Array& argmax, Array& grad_x);
void avgpool1d_forward(const Array& x, Array& y, const Pool1dParams& p);
void avgpool1d_backward(const Array& grad_y, Array& grad_x, const Pool1dParams& p);
// y's length is the number of bins.
void adaptive_avgpool1d_forward(const Array& x, Array& y);
void adaptive_avgpool1d_backward(const Array& grad_y, Array& grad_x);

}  // namespace dnagrad::kernels::reference
