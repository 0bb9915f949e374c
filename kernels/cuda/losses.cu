// Loss functions on the GPU. Same contracts, formulas and error messages as kernels/losses.h and
// kernels/cpu/losses.cpp: forward functions ASSIGN out, backward functions ACCUMULATE (+=) into
// the gradients they are given. Each element's loss and gradient are computed in double.
//
// Legend: mse and bce work on any shape (n = number of elements); cross-entropy takes logits
// [N, C] and int64 class indices target [N] (one loss per row, n = N).
//   mse:           l = (p - t)^2                          dl/dp = 2 (p - t),  dl/dt = -2 (p - t)
//   bce (logits):  l = max(z, 0) - z t + log(1 + e^-|z|)  dl/dz = sigmoid(z) - t,  dl/dt = -z
//   cross-entropy: l = logsumexp(z_n) - z_n[t_n]          dl/dz_nc = softmax(z_n)_c - [c == t_n]
// Backward: g_i = dL/dl_i is grad_out[i] (None), grad_out[0] / n (Mean) or grad_out[0] (Sum);
// grad_out stays on the device, the kernels read it there.
//
// Kernels (kThreads = 256 per block, grid-stride, 64-bit indices):
//   None:      loss_each writes out[i] = l_i, one thread per element (per row for cross-entropy).
//   Mean/Sum:  loss_partials gives each of G blocks a fixed slice pattern of the n terms (G
//              depends only on n); each thread adds its terms in order, the block adds its
//              threads in a fixed tree (block_reduce.cuh) and writes partials[block]; then
//              finish_loss, one block, adds the G partials the same way and writes out[0].
//   Determinism: no floating-point atomics anywhere, so a Mean or Sum is bitwise identical from
//   run to run (it may differ from the CPU's in the last bits: the order of the sum differs).
//   cross-entropy: a row's logsumexp is one thread's serial loop over its C logits (C is a
//   handful of classes in genomics tasks); backward first stores each row's logsumexp, then
//   updates the [N, C] gradient elementwise.
// A class index outside [0, C) is found on the device before anything is written: a check
// kernel keeps the first bad row (integer atomicMin), the host copies it back and throws the
// CPU's message naming the row and its value.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/device_checks.h"
#include "kernels/checks.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/launch.cuh"
#include "kernels/losses.h"

namespace dnagrad::kernels::cuda {

namespace {

// ---- checks (kernels/checks.h; the class index range is checked here, on the device) -------

// Every index i < n with t[i] outside [0, classes) lowers *first_bad to i (integer atomics:
// the result, the smallest bad row, does not depend on the order).
__global__ void find_bad_class(const int64_t* __restrict__ t, int64_t n, int64_t classes,
                               unsigned long long* first_bad) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x)
    if (t[i] < 0 || t[i] >= classes) atomicMin(first_bad, static_cast<unsigned long long>(i));
}

// Logits [N, C] and class indices [N] on the logits' device. The range [0, C) is checked on the
// device without waiting for it (core/device_checks.h): a bad index is reported, naming its row,
// at the next copy back to the host; the loss kernels clamp it meanwhile (never reading outside
// the row).
void check_classes(const char* op, const Array& logits, const Array& target) {
  check_class_target(op, logits, target);
  const int64_t n = logits.size(0), classes = logits.size(1);
  if (n == 0) return;
  unsigned long long* first_bad = arm_device_check(
      logits.device().index, "cross_entropy: a target is not a class index in [0, bound)", classes);
  launch(find_bad_class, blocks_for(n), kThreads, 0, "find_bad_class", op)(target.data<int64_t>(),
                                                                           n, classes, first_bad);
}

// ---- per-element terms (device functors; the CPU lambdas, line for line) --------------------

__device__ inline double sigmoid(double z) {
  const double e = exp(-fabs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

// log sum_c e^(z_c) over one row of C logits, computed as m + log sum_c e^(z_c - m).
template <class T>
__device__ double logsumexp(const T* z, int64_t classes) {
  double max = -INFINITY;
  for (int64_t c = 0; c < classes; ++c) {
    const double value = z[c];
    max = max < value ? value : max;
  }
  double total = 0;
  for (int64_t c = 0; c < classes; ++c) total += exp(z[c] - max);
  return max + log(total);
}

template <class T>
struct MseTerm {  // l_i = (p_i - t_i)^2
  const T* p;
  const T* t;
  __device__ double operator()(int64_t i) const {
    const double diff = static_cast<double>(p[i]) - t[i];
    return diff * diff;
  }
};

template <class T>
struct BceTerm {  // l_i = max(z, 0) - z t + log(1 + e^-|z|)
  const T* z;
  const T* t;
  __device__ double operator()(int64_t i) const {
    const double zi = z[i];
    return (zi < 0.0 ? 0.0 : zi) - zi * t[i] + log1p(exp(-fabs(zi)));  // std::max(zi, 0)
  }
};

template <class T>
struct CrossEntropyTerm {  // l_row = logsumexp(z_row) - z_row[t_row]; t already checked
  const T* z;
  const int64_t* t;
  int64_t classes;
  __device__ double operator()(int64_t row) const {
    const T* zr = z + row * classes;
    // A bad index (reported by the deferred check) is clamped, never read outside the row.
    const int64_t c = t[row] < 0 ? 0 : (t[row] >= classes ? classes - 1 : t[row]);
    return logsumexp(zr, classes) - zr[c];
  }
};

// ---- forward: None writes every term, Mean/Sum reduce them deterministically ----------------

// out[i] = term(i) (assigned).
template <class T, class Term>
__global__ void loss_each(Term term, int64_t n, T* __restrict__ out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x)
    out[i] = static_cast<T>(term(i));
}

// At most this many partial sums (blocks) per reduction.
constexpr int64_t kMaxPartials = 1024;

// The number of blocks (partials) for a sum over n terms: a function of n only, so the order of
// the additions, and hence the bits of the result, never change between runs.
unsigned partial_count(int64_t n) {
  return static_cast<unsigned>(std::min<int64_t>(blocks_for(n), kMaxPartials));
}

// partials[block] = sum of term(i) over this block's grid-stride slice (assigned).
template <class Term>
__global__ void __launch_bounds__(kThreads)
    loss_partials(Term term, int64_t n, double* __restrict__ partials) {
  double sum = 0;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x)
    sum += term(i);
  sum = block_sum(sum);
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

// One block: out[0] = (sum of the partials) / divisor (assigned). divisor is n for Mean (0/0 is
// NaN for an empty input, as on the CPU) and 1 for Sum.
template <class T>
__global__ void __launch_bounds__(kThreads)
    finish_loss(const double* __restrict__ partials, int64_t count, bool mean, int64_t n,
                T* __restrict__ out) {
  double sum = 0;
  for (int64_t b = threadIdx.x; b < count; b += blockDim.x) sum += partials[b];
  sum = block_sum(sum);
  if (threadIdx.x == 0) out[0] = static_cast<T>(mean ? sum / static_cast<double>(n) : sum);
}

// Writes term(i) for i < n into out (None), or their mean or sum into out[0].
template <class T, class Term>
void write_loss(const char* op, const Term& term, int64_t n, Reduction r, Array& out) {
  if (r == Reduction::None) {
    if (n == 0) return;
    launch(loss_each<T, Term>, blocks_for(n), kThreads, 0, "loss_each", op)(term, n, out.data<T>());
    return;
  }
  const unsigned count = partial_count(n);
  Array partials = Array::empty({static_cast<int64_t>(count)}, DType::F64, out.device());
  launch(loss_partials<Term>, count, kThreads, 0, "loss_partials", op)(term, n, partials.data<double>());
  launch(finish_loss<T>, 1, kThreads, 0, "finish_loss", op)(partials.data<double>(), count,
                                                            r == Reduction::Mean, n, out.data<T>());
}

// ---- backward -------------------------------------------------------------------------------

// dL/dl_i for element i of n, given grad_out (on the device) and the reduction.
template <class T>
__device__ double loss_grad(const T* grad_out, Reduction r, int64_t n, int64_t i) {
  if (r == Reduction::None) return grad_out[i];
  return r == Reduction::Mean ? grad_out[0] / static_cast<double>(n) : grad_out[0];
}

// gp += 2 (p - t) g_i, gt -= 2 (p - t) g_i (either may be null). Accumulates.
template <class T>
__global__ void mse_backward_kernel(const T* __restrict__ p, const T* __restrict__ t,
                                    const T* __restrict__ g, Reduction r, int64_t n,
                                    T* __restrict__ gp, T* __restrict__ gt) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const double d = 2 * (static_cast<double>(p[i]) - t[i]) * loss_grad(g, r, n, i);
    if (gp) gp[i] += static_cast<T>(d);
    if (gt) gt[i] -= static_cast<T>(d);
  }
}

// gz += (sigmoid(z) - t) g_i, gt += -z g_i (either may be null). Accumulates.
template <class T>
__global__ void bce_backward_kernel(const T* __restrict__ z, const T* __restrict__ t,
                                    const T* __restrict__ g, Reduction r, int64_t n,
                                    T* __restrict__ gz, T* __restrict__ gt) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const double gi = loss_grad(g, r, n, i);
    if (gz) gz[i] += static_cast<T>((sigmoid(z[i]) - t[i]) * gi);
    if (gt) gt[i] += static_cast<T>(-static_cast<double>(z[i]) * gi);
  }
}

// lse[row] = logsumexp(z[row, :]) for row < N (assigned; scratch for the backward).
template <class T>
__global__ void row_logsumexp(const T* __restrict__ z, int64_t rows, int64_t classes,
                              double* __restrict__ lse) {
  for (int64_t row = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; row < rows;
       row += int64_t{gridDim.x} * blockDim.x)
    lse[row] = logsumexp(z + row * classes, classes);
}

// gz[row, c] += (e^(z[row, c] - lse[row]) - [c == t[row]]) * g_row over the N*C elements.
template <class T>
__global__ void cross_entropy_backward_kernel(const T* __restrict__ z,
                                              const int64_t* __restrict__ t,
                                              const double* __restrict__ lse,
                                              const T* __restrict__ g, Reduction r, int64_t rows,
                                              int64_t classes, T* __restrict__ gz) {
  const int64_t total = rows * classes;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t row = i / classes, c = i % classes;
    const double p = exp(z[i] - lse[row]) - (c == t[row] ? 1.0 : 0.0);
    gz[i] += static_cast<T>(p * loss_grad(g, r, rows, row));
  }
}

template <class T>
T* data_or_null(Array* a) {
  return a ? a->data<T>() : nullptr;
}

}  // namespace

void mse_forward(const Array& pred, const Array& target, Reduction r, Array& out) {
  const ScopedDevice on_device(pred.device().index);
  const char* op = "mse_loss";
  check_loss_forward(op, pred, target, r, out);
  dispatch_float(pred.dtype(), op, [&]<class T>() {
    write_loss<T>(op, MseTerm<T>{pred.data<T>(), target.data<T>()}, pred.numel(), r, out);
  });
}

void mse_backward(const Array& pred, const Array& target, const Array& grad_out, Reduction r,
                  Array* grad_pred, Array* grad_target) {
  const ScopedDevice on_device(pred.device().index);
  const char* op = "mse_loss backward";
  check_loss_backward(op, pred, target, grad_out, r, grad_pred, "prediction", grad_target);
  const int64_t n = pred.numel();
  if (n == 0 || (!grad_pred && !grad_target)) return;
  dispatch_float(pred.dtype(), op, [&]<class T>() {
    launch(mse_backward_kernel<T>, blocks_for(n), kThreads, 0, "mse_backward_kernel", op)(
        pred.data<T>(), target.data<T>(), grad_out.data<T>(), r, n, data_or_null<T>(grad_pred),
        data_or_null<T>(grad_target));
  });
}

void bce_logits_forward(const Array& logits, const Array& target, Reduction r, Array& out) {
  const ScopedDevice on_device(logits.device().index);
  const char* op = "binary_cross_entropy_with_logits";
  check_loss_forward(op, logits, target, r, out);
  dispatch_float(logits.dtype(), op, [&]<class T>() {
    write_loss<T>(op, BceTerm<T>{logits.data<T>(), target.data<T>()}, logits.numel(), r, out);
  });
}

void bce_logits_backward(const Array& logits, const Array& target, const Array& grad_out,
                         Reduction r, Array* grad_logits, Array* grad_target) {
  const ScopedDevice on_device(logits.device().index);
  const char* op = "binary_cross_entropy_with_logits backward";
  check_loss_backward(op, logits, target, grad_out, r, grad_logits, "logits", grad_target);
  const int64_t n = logits.numel();
  if (n == 0 || (!grad_logits && !grad_target)) return;
  dispatch_float(logits.dtype(), op, [&]<class T>() {
    launch(bce_backward_kernel<T>, blocks_for(n), kThreads, 0, "bce_backward_kernel", op)(
        logits.data<T>(), target.data<T>(), grad_out.data<T>(), r, n, data_or_null<T>(grad_logits),
        data_or_null<T>(grad_target));
  });
}

void cross_entropy_forward(const Array& logits, const Array& target, Reduction r, Array& out) {
  const ScopedDevice on_device(logits.device().index);
  const char* op = "cross_entropy";
  check_classes(op, logits, target);  // reported at the next copy back to the host
  check_cross_entropy_forward(op, logits, r, out);
  const int64_t n = logits.size(0), classes = logits.size(1);
  dispatch_float(logits.dtype(), op, [&]<class T>() {
    write_loss<T>(op, CrossEntropyTerm<T>{logits.data<T>(), target.data<int64_t>(), classes}, n, r,
                  out);
  });
}

void cross_entropy_backward(const Array& logits, const Array& target, const Array& grad_out,
                            Reduction r, Array& grad_logits) {
  const ScopedDevice on_device(logits.device().index);
  const char* op = "cross_entropy backward";
  check_classes(op, logits, target);
  check_cross_entropy_backward(op, logits, grad_out, r, grad_logits);
  const int64_t n = logits.size(0), classes = logits.size(1);
  if (logits.numel() == 0) return;
  Array lse = Array::empty({n}, DType::F64, logits.device());  // [N] scratch
  dispatch_float(logits.dtype(), op, [&]<class T>() {
    launch(row_logsumexp<T>, blocks_for(n), kThreads, 0, "row_logsumexp", op)(
        logits.data<T>(), n, classes, lse.data<double>());
    launch(cross_entropy_backward_kernel<T>, blocks_for(n * classes), kThreads, 0,
           "cross_entropy_backward_kernel", op)(logits.data<T>(), target.data<int64_t>(),
                                                lse.data<double>(), grad_out.data<T>(), r, n,
                                                classes, grad_logits.data<T>());
  });
}

}  // namespace dnagrad::kernels::cuda
