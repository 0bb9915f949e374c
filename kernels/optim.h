// Fused optimizer updates: one pass over a parameter, its gradient and its state, in place.
// Formulas follow PyTorch's torch.optim (see nn/optim.h for the user-facing classes).
#pragma once
#include <cmath>
#include <cstdint>

#include "core/array.h"
#include "core/host_device.h"
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
void sum_of_squares(const Array& x, Array& total);
void clip_scale(Array& x, const Array& total_sq, double max_norm);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {  // kernels/cuda/optim.cu
void sgd_update(Array& param, const Array& grad, Array& momentum_buf, bool first_step,
                const SgdConfig& c);
void adam_update(Array& param, const Array& grad, Array& exp_avg, Array& exp_avg_sq, int64_t step,
                 const AdamConfig& c);
void sum_of_squares(const Array& x, Array& total);
void clip_scale(Array& x, const Array& total_sq, double max_norm);
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
// The factor of gradient-norm clipping for a total sum of squares: max_norm / (norm + 1e-6), or 1
// (leave the gradients alone) when that is not below 1 or the norm is not finite. One definition
// for the CPU and the CUDA kernels, so both scale by the same bits.
DNAGRAD_HOST_DEVICE inline double clip_factor(double total_sq, double max_norm) {
  const double norm = sqrt(total_sq);
  const double factor = max_norm / (norm + 1e-6);
  const bool finite = norm - norm == 0;  // false for inf and NaN
  return finite && factor < 1 ? factor : 1.0;
}

// Gradient-norm clipping in two kernels that never wait for the device (no host round trip):
// sum_of_squares ACCUMULATES sum x_i^2 (in double, fixed order) into total, a float64 [1] array
// on x's device; clip_scale then scales x in place by max_norm / (sqrt(total_sq) + 1e-6) when
// that factor is below 1 and the norm finite, reading total_sq where it lives.
inline void sum_of_squares(const Array& x, Array& total) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::sum_of_squares(x, total);
#endif
  require_cpu(x, "sum_of_squares");
  cpu::sum_of_squares(x, total);
}
inline void clip_scale(Array& x, const Array& total_sq, double max_norm) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::clip_scale(x, total_sq, max_norm);
#endif
  require_cpu(x, "clip_scale");
  cpu::clip_scale(x, total_sq, max_norm);
}

}  // namespace dnagrad::kernels
