// Fused optimizer updates: one pass over a parameter, its gradient and its state, in place.
// Formulas follow PyTorch's torch.optim (see nn/optim.h for the user-facing classes).
#pragma once
#include <cstdint>

#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

struct SgdConfig {
  double lr = 0.01, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
};
struct AdamConfig {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled = false;  // AdamW: decay the weights directly instead of adding to the gradient
};

namespace cpu {
void sgd_update(Array& param, const Array& grad, Array& momentum_buf, bool first_step,
                const SgdConfig& c);
void adam_update(Array& param, const Array& grad, Array& exp_avg, Array& exp_avg_sq, int64_t step,
                 const AdamConfig& c);
double sum_of_squares(const Array& x);
void scale_inplace(Array& x, double factor);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {  // kernels/cuda/optim.cu
void sgd_update(Array& param, const Array& grad, Array& momentum_buf, bool first_step,
                const SgdConfig& c);
void adam_update(Array& param, const Array& grad, Array& exp_avg, Array& exp_avg_sq, int64_t step,
                 const AdamConfig& c);
double sum_of_squares(const Array& x);
void scale_inplace(Array& x, double factor);
}  // namespace cuda
#endif

// SGD: g = grad + wd*param; with momentum, buf = first_step ? g : momentum*buf + (1-dampening)*g
// and g = nesterov ? g + momentum*buf : buf; then param -= lr * g. Updates param and buf in place
// (buf is unused and may be undefined when momentum == 0).
inline void sgd_update(Array& param, const Array& grad, Array& momentum_buf, bool first_step,
                       const SgdConfig& c) {
#ifdef DNAGRAD_WITH_CUDA
  if (param.device().is_cuda()) return cuda::sgd_update(param, grad, momentum_buf, first_step, c);
#endif
  require_cpu(param, "sgd_update");
  cpu::sgd_update(param, grad, momentum_buf, first_step, c);
}
// Adam/AdamW step number `step` (1-based), bias-corrected as in PyTorch:
// param -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps). Updates in place.
inline void adam_update(Array& param, const Array& grad, Array& exp_avg, Array& exp_avg_sq,
                        int64_t step, const AdamConfig& c) {
#ifdef DNAGRAD_WITH_CUDA
  if (param.device().is_cuda()) return cuda::adam_update(param, grad, exp_avg, exp_avg_sq, step, c);
#endif
  require_cpu(param, "adam_update");
  cpu::adam_update(param, grad, exp_avg, exp_avg_sq, step, c);
}
// Returns sum of x_i^2 (accumulated in double), for gradient-norm clipping.
inline double sum_of_squares(const Array& x) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::sum_of_squares(x);
#endif
  require_cpu(x, "sum_of_squares");
  return cpu::sum_of_squares(x);
}
// x *= factor in place.
inline void scale_inplace(Array& x, double factor) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::scale_inplace(x, factor);
#endif
  require_cpu(x, "scale_inplace");
  cpu::scale_inplace(x, factor);
}

}  // namespace dnagrad::kernels
