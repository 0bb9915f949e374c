// Fused optimizer updates on the GPU. Same contracts and formulas as kernels/optim.h and
// kernels/cpu/optim.cpp (PyTorch's torch.optim): sgd_update and adam_update UPDATE param and the
// optimizer state IN PLACE (each element read once, written once); scale_inplace too;
// sum_of_squares ASSIGNS nothing and returns a host double.
//
// Legend: n = number of parameter elements; every per-element update is computed in double and
// stored back in the parameter's type (one rounding per stored value), as on the CPU.
//   SGD:   g = grad + wd p;  with momentum: buf = first ? g : mu buf + (1 - dampening) g,
//          g = nesterov ? g + mu buf : buf;  p -= lr g
//   Adam:  g = grad + wd p (Adam) or p *= 1 - lr wd (AdamW, decoupled)
//          m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2
//          p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// The step-dependent scalars (bias corrections) are computed once on the host, by the CPU's
// expressions, and passed to the kernel.
//
// Kernels (kThreads = 256, grid-stride, 64-bit indices): the updates are elementwise.
// sum_of_squares: G blocks (G depends only on n) each add a fixed grid-stride slice of x_i^2 in
// double, per thread in order and then in a fixed block tree (block_reduce.cuh), into
// partials[block]; a final one-block pass adds the G partials the same way. Determinism: no
// floating-point atomics, so the result is bitwise identical from run to run (it may differ from
// the CPU's serial sum in the last bits).
#include <algorithm>
#include <cmath>

#include "kernels/checks.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/launch.cuh"
#include "kernels/optim.h"

namespace dnagrad::kernels::cuda {

namespace {

// p, buf updated in place (buf null without momentum).
template <class T>
__global__ void sgd_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf,
                           bool first_step, SgdConfig c, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    double step = static_cast<double>(g[i]) + c.weight_decay * static_cast<double>(p[i]);
    if (buf) {
      const double b =
          first_step ? step : c.momentum * static_cast<double>(buf[i]) + (1 - c.dampening) * step;
      buf[i] = static_cast<T>(b);
      step = c.nesterov ? step + c.momentum * b : b;
    }
    p[i] = static_cast<T>(static_cast<double>(p[i]) - c.lr * step);
  }
}

// The per-step scalars of an Adam update, from the host.
struct AdamScalars {
  double beta1, beta2, eps;
  double step_size;         // lr / (1 - b1^t)
  double sqrt_correction2;  // sqrt(1 - b2^t)
  double decay;             // AdamW: 1 - lr wd; Adam: 1
  double l2;                // Adam: wd; AdamW: 0
};

// p, m (exp_avg), v (exp_avg_sq) updated in place.
template <class T>
__global__ void adam_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m,
                            T* __restrict__ v, AdamScalars s, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const double gi = static_cast<double>(g[i]) + s.l2 * static_cast<double>(p[i]);
    const double mi = s.beta1 * static_cast<double>(m[i]) + (1 - s.beta1) * gi;
    const double vi = s.beta2 * static_cast<double>(v[i]) + (1 - s.beta2) * gi * gi;
    m[i] = static_cast<T>(mi);
    v[i] = static_cast<T>(vi);
    const double denom = sqrt(vi) / s.sqrt_correction2 + s.eps;
    p[i] = static_cast<T>(s.decay * static_cast<double>(p[i]) - s.step_size * mi / denom);
  }
}

// At most this many partial sums (blocks) in sum_of_squares.
constexpr int64_t kMaxPartials = 1024;

// Blocks for a sum over n terms: a function of n only, so the order of the additions (and the
// bits of the result) never change between runs.
unsigned partial_count(int64_t n) {
  return static_cast<unsigned>(std::min<int64_t>(blocks_for(n), kMaxPartials));
}

// partials[block] = sum of x_i^2 over this block's grid-stride slice (assigned).
template <class T>
__global__ void __launch_bounds__(kThreads)
    square_partials(const T* __restrict__ x, int64_t n, double* __restrict__ partials) {
  double sum = 0;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x)
    sum += static_cast<double>(x[i]) * x[i];
  sum = block_sum(sum);
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

// One block: *total += sum of partials[0 .. count) (accumulated).
__global__ void __launch_bounds__(kThreads)
    finish_sum(const double* __restrict__ partials, int64_t count, double* __restrict__ total) {
  double sum = 0;
  for (int64_t b = threadIdx.x; b < count; b += blockDim.x) sum += partials[b];
  sum = block_sum(sum);
  if (threadIdx.x == 0) *total += sum;
}

// x *= clip_factor(*total_sq, max_norm) when that factor is below 1 (kernels/optim.h).
template <class T>
__global__ void clip_kernel(T* __restrict__ x, const double* __restrict__ total_sq,
                            double max_norm, int64_t n) {
  const double factor = clip_factor(*total_sq, max_norm);
  if (!(factor < 1)) return;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x)
    x[i] = static_cast<T>(static_cast<double>(x[i]) * factor);
}

}  // namespace

void sgd_update(Array& param, const Array& grad, Array& momentum_buf, bool first_step,
                const SgdConfig& c) {
  const ScopedDevice on_device(param.device().index);
  const char* op = "sgd_update";
  check_optimizer_state(op, param, grad, "the gradient");
  const bool use_momentum = c.momentum != 0;
  if (use_momentum) check_optimizer_state(op, param, momentum_buf, "the momentum buffer");
  const int64_t n = param.numel();
  if (n == 0) return;
  dispatch_float(param.dtype(), op, [&]<class T>() {
    launch(sgd_kernel<T>, blocks_for(n), kThreads, 0, "sgd_kernel", op)(
        param.data<T>(), grad.data<T>(), use_momentum ? momentum_buf.data<T>() : nullptr,
        first_step, c, n);
  });
}

void adam_update(Array& param, const Array& grad, Array& exp_avg, Array& exp_avg_sq, int64_t step,
                 const AdamConfig& c) {
  const ScopedDevice on_device(param.device().index);
  const char* op = "adam_update";
  check_optimizer_state(op, param, grad, "the gradient");
  check_optimizer_state(op, param, exp_avg, "exp_avg");
  check_optimizer_state(op, param, exp_avg_sq, "exp_avg_sq");
  DNAGRAD_CHECK(step >= 1, "adam_update: step must be >= 1 (1-based), got ", step);
  // Bias corrections, exactly the CPU's expressions (see kernels/cpu/optim.cpp).
  AdamScalars s;
  s.beta1 = c.beta1;
  s.beta2 = c.beta2;
  s.eps = c.eps;
  const double correction1 = 1 - std::pow(c.beta1, static_cast<double>(step));
  s.sqrt_correction2 = std::sqrt(1 - std::pow(c.beta2, static_cast<double>(step)));
  s.step_size = c.lr / correction1;
  s.decay = c.decoupled ? 1 - c.lr * c.weight_decay : 1;
  s.l2 = c.decoupled ? 0 : c.weight_decay;
  const int64_t n = param.numel();
  if (n == 0) return;
  dispatch_float(param.dtype(), op, [&]<class T>() {
    launch(adam_kernel<T>, blocks_for(n), kThreads, 0, "adam_kernel", op)(
        param.data<T>(), grad.data<T>(), exp_avg.data<T>(), exp_avg_sq.data<T>(), s, n);
  });
}

void sum_of_squares(const Array& x, Array& total) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "sum_of_squares";
  check_norm_total(op, x, total);
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    const unsigned count = partial_count(n);
    Array partials = Array::empty({static_cast<int64_t>(count)}, DType::F64, x.device());
    launch(square_partials<T>, count, kThreads, 0, "square_partials", op)(x.data<T>(), n,
                                                                          partials.data<double>());
    launch(finish_sum, 1, kThreads, 0, "finish_sum", op)(partials.data<double>(), count,
                                                         total.data<double>());
  });
}

void clip_scale(Array& x, const Array& total_sq, double max_norm) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "clip_scale";
  check_norm_total(op, x, total_sq);
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    launch(clip_kernel<T>, blocks_for(n), kThreads, 0, "clip_kernel", op)(
        x.data<T>(), total_sq.data<double>(), max_norm, n);
  });
}

}  // namespace dnagrad::kernels::cuda
