// CPU kernels of the fused optimizer updates (contracts in kernels/optim.h).
//
// Each element's update is computed in double and stored back in the parameter's type, so a
// float32 parameter gets one rounding per stored value. Element updates are independent, so the
// loops run in parallel (from kParallelGrain elements on: a small parameter is not worth waking
// a team for) and stay bitwise repeatable; the one reduction (sum_of_squares) runs in a fixed
// order for the same reason.
#include "kernels/optim.h"

#include <cmath>

#include "kernels/checks.h"
#include "kernels/cpu/parallel.h"

namespace dnagrad::kernels::cpu {

void sgd_update(Array& param, const Array& grad, Array& momentum_buf, bool first_step,
                const SgdConfig& c) {
  check_optimizer_state("sgd_update", param, grad, "the gradient");
  const bool use_momentum = c.momentum != 0;
  if (use_momentum) check_optimizer_state("sgd_update", param, momentum_buf, "the momentum buffer");
  const int64_t n = param.numel();
  dispatch_float(param.dtype(), "sgd_update", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* buf = use_momentum ? momentum_buf.data<T>() : nullptr;
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
    for (int64_t i = 0; i < n; ++i) {
      double step = static_cast<double>(g[i]) + c.weight_decay * static_cast<double>(p[i]);
      if (use_momentum) {
        const double b =
            first_step ? step : c.momentum * static_cast<double>(buf[i]) + (1 - c.dampening) * step;
        buf[i] = static_cast<T>(b);
        step = c.nesterov ? step + c.momentum * b : b;
      }
      p[i] = static_cast<T>(static_cast<double>(p[i]) - c.lr * step);
    }
  });
}

void adam_update(Array& param, const Array& grad, Array& exp_avg, Array& exp_avg_sq, int64_t step,
                 const AdamConfig& c) {
  check_optimizer_state("adam_update", param, grad, "the gradient");
  check_optimizer_state("adam_update", param, exp_avg, "exp_avg");
  check_optimizer_state("adam_update", param, exp_avg_sq, "exp_avg_sq");
  DNAGRAD_CHECK(step >= 1, "adam_update: step must be >= 1 (1-based), got ", step);
  // Bias corrections: m and v start at 0, so after t steps they are scaled down by
  // (1 - beta^t); dividing by it makes them unbiased estimates of E[g] and E[g^2].
  const double correction1 = 1 - std::pow(c.beta1, static_cast<double>(step));
  const double sqrt_correction2 = std::sqrt(1 - std::pow(c.beta2, static_cast<double>(step)));
  const double step_size = c.lr / correction1;
  const double decay = c.decoupled ? 1 - c.lr * c.weight_decay : 1;  // AdamW shrinks p first
  const double l2 = c.decoupled ? 0 : c.weight_decay;                // Adam adds wd*p to g
  const int64_t n = param.numel();
  dispatch_float(param.dtype(), "adam_update", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* m = exp_avg.data<T>();
    T* v = exp_avg_sq.data<T>();
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
    for (int64_t i = 0; i < n; ++i) {
      const double gi = static_cast<double>(g[i]) + l2 * static_cast<double>(p[i]);
      const double mi = c.beta1 * static_cast<double>(m[i]) + (1 - c.beta1) * gi;
      const double vi = c.beta2 * static_cast<double>(v[i]) + (1 - c.beta2) * gi * gi;
      m[i] = static_cast<T>(mi);
      v[i] = static_cast<T>(vi);
      const double denom = std::sqrt(vi) / sqrt_correction2 + c.eps;
      p[i] = static_cast<T>(decay * static_cast<double>(p[i]) - step_size * mi / denom);
    }
  });
}

void sum_of_squares(const Array& x, Array& total) {
  check_norm_total("sum_of_squares", x, total);
  double sum = 0;
  dispatch_float(x.dtype(), "sum_of_squares", [&]<class T>() {
    const T* p = x.data<T>();
    for (int64_t i = 0; i < x.numel(); ++i) sum += static_cast<double>(p[i]) * p[i];
  });
  total.data<double>()[0] += sum;
}

void clip_scale(Array& x, const Array& total_sq, double max_norm) {
  check_norm_total("clip_scale", x, total_sq);
  const double factor = clip_factor(total_sq.data<double>()[0], max_norm);
  if (!(factor < 1)) return;
  const int64_t n = x.numel();
  dispatch_float(x.dtype(), "clip_scale", [&]<class T>() {
    T* p = x.data<T>();
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(static_cast<double>(p[i]) * factor);
  });
}

}  // namespace dnagrad::kernels::cpu
