// The arithmetic of DeepLIFT's nonlinear rules (autograd/deeplift_rules.cpp). Every array holds a
// stacked batch [x; r]: its first half (the first numel/2 elements, rows [0, M) of dim 0) belongs
// to the inputs, its second half to their references, pair j being rows j and j + M. A rule turns
// the gradient arriving at the op's output into "multipliers" at its input, for both halves.
//
//   rescale  (elementwise y = f(x)):  Δx = x_j − x_{j+M}, Δy = y_j − y_{j+M};
//            grad_x[j] += grad_y[j] · Δy/Δx and grad_x[j+M] += grad_y[j+M] · Δy/Δx, or, where
//            |Δx| < eps, the ordinary gradient of each half (`fallback`, f'(x) · grad_y).
//   maxpool  (y = max over windows, the first maximum wins, `argmax` its index into L):
//            per window, m = max(y_j, y_{j+M}); the input's argmax receives grad_y[j] · (m −
//            y_{j+M}), the reference's argmax grad_y[j+M] · (y_j − m) (their sum is grad · Δy);
//            these are added up per input position into U, and grad_x[j] += U / Δx, grad_x[j+M] +=
//            U / Δx, or `fallback` (the ordinary max-pool gradient of each half) where |Δx| < eps.
// Both ACCUMULATE (+=) into grad_x. CPU only (the arrays must be on the CPU); float32 or float64.
#pragma once
#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

namespace cpu {
void deeplift_rescale(const Array& x, const Array& y, const Array& grad_y, const Array& fallback,
                      double eps, Array& grad_x);
void deeplift_maxpool(const Array& x, const Array& y, const Array& argmax, const Array& grad_y,
                      const Array& fallback, double eps, Array& grad_x);
}  // namespace cpu

// x, y, grad_y, fallback, grad_x: one shape [2M, ...]. Accumulates into grad_x.
inline void deeplift_rescale(const Array& x, const Array& y, const Array& grad_y,
                             const Array& fallback, double eps, Array& grad_x) {
  require_cpu(x, "deeplift_rescale");
  cpu::deeplift_rescale(x, y, grad_y, fallback, eps, grad_x);
}
// x, fallback, grad_x [2M, C, L]; y, grad_y [2M, C, L_out]; argmax int64 [2M, C, L_out].
// Accumulates into grad_x.
inline void deeplift_maxpool(const Array& x, const Array& y, const Array& argmax,
                             const Array& grad_y, const Array& fallback, double eps,
                             Array& grad_x) {
  require_cpu(x, "deeplift_maxpool");
  cpu::deeplift_maxpool(x, y, argmax, grad_y, fallback, eps, grad_x);
}

}  // namespace dnagrad::kernels
