// Loss functions on the CPU. Per-element losses ("None") or their mean or sum (shape []), as in
// PyTorch; each element's loss and gradient are computed in double.
//
// Legend: mse and bce work on any shape (n = number of elements); cross-entropy takes logits
// [N, C] and int64 class indices target [N] (one loss per row).
//   mse:           l = (p - t)^2                          dl/dp = 2 (p - t),  dl/dt = -2 (p - t)
//   bce (logits):  l = max(z, 0) - z t + log(1 + e^-|z|)  dl/dz = sigmoid(z) - t,  dl/dt = -z
//   cross-entropy: l = logsumexp(z_n) - z_n[t_n]          dl/dz_nc = softmax(z_n)_c - [c == t_n]
// The BCE form equals -t log s - (1 - t) log(1 - s) with s = sigmoid(z) but never exponentiates a
// positive number; logsumexp subtracts the row's max first.
// Backward: g_i = dL/dl_i is grad_out[i] (None), grad_out / n (Mean) or grad_out (Sum).
// Forward functions ASSIGN out; backward functions ADD to the gradients they are given.
#include "kernels/losses.h"

#include <cmath>
#include <limits>

#include "kernels/checks.h"
#include "kernels/cpu/parallel.h"

namespace dnagrad::kernels::cpu {

namespace {

// Writes loss(i) for i < n into out (None), or their mean or sum into out[0].
template <class T, class Loss>
void write_loss(int64_t n, int64_t cost, Reduction r, T* out, Loss&& loss) {
  if (r == Reduction::None) {
    parallel_for(n, cost, [&](int64_t i) { out[i] = static_cast<T>(loss(i)); });
    return;
  }
  const double total = deterministic_sum(n, cost, loss);
  out[0] = static_cast<T>(r == Reduction::Mean ? total / static_cast<double>(n) : total);
}

// dL/dl_i for element i of n, given grad_out and the reduction.
template <class T>
double loss_grad(const T* grad_out, Reduction r, int64_t n, int64_t i) {
  if (r == Reduction::None) return grad_out[i];
  return r == Reduction::Mean ? grad_out[0] / static_cast<double>(n) : grad_out[0];
}

double sigmoid(double z) {
  const double e = std::exp(-std::abs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

// Logits [N, C] and class indices [N] in [0, C); names the first bad row.
void check_classes(const char* op, const Array& logits, const Array& target) {
  check_class_target(op, logits, target);
  const int64_t n = logits.size(0), classes = logits.size(1);
  const int64_t* t = target.data<int64_t>();
  for (int64_t row = 0; row < n; ++row)
    DNAGRAD_CHECK(t[row] >= 0 && t[row] < classes, op, ": target[", row, "] = ", t[row],
                  " is not a class index in [0, ", classes, ")");
}

// log sum_c e^(z_c) over one row of C logits, computed as m + log sum_c e^(z_c - m).
template <class T>
double logsumexp(const T* z, int64_t classes) {
  double max = -std::numeric_limits<double>::infinity();
  for (int64_t c = 0; c < classes; ++c) max = std::max(max, static_cast<double>(z[c]));
  double total = 0;
  for (int64_t c = 0; c < classes; ++c) total += std::exp(z[c] - max);
  return max + std::log(total);
}

}  // namespace

void mse_forward(const Array& pred, const Array& target, Reduction r, Array& out) {
  check_loss_forward("mse_loss", pred, target, r, out);
  dispatch_float(pred.dtype(), "mse_loss", [&]<class T>() {
    const T* p = pred.data<T>();
    const T* t = target.data<T>();
    write_loss(pred.numel(), 1, r, out.data<T>(), [&](int64_t i) {
      const double diff = static_cast<double>(p[i]) - t[i];
      return diff * diff;
    });
  });
}

void mse_backward(const Array& pred, const Array& target, const Array& grad_out, Reduction r,
                  Array* grad_pred, Array* grad_target) {
  const char* op = "mse_loss backward";
  check_loss_backward(op, pred, target, grad_out, r, grad_pred, "prediction", grad_target);
  dispatch_float(pred.dtype(), op, [&]<class T>() {
    const T* p = pred.data<T>();
    const T* t = target.data<T>();
    const T* g = grad_out.data<T>();
    T* gp = grad_pred ? grad_pred->data<T>() : nullptr;
    T* gt = grad_target ? grad_target->data<T>() : nullptr;
    const int64_t n = pred.numel();
    parallel_for(n, 1, [&](int64_t i) {
      const double d = 2 * (static_cast<double>(p[i]) - t[i]) * loss_grad(g, r, n, i);
      if (gp) gp[i] += static_cast<T>(d);
      if (gt) gt[i] -= static_cast<T>(d);
    });
  });
}

void bce_logits_forward(const Array& logits, const Array& target, Reduction r, Array& out) {
  const char* op = "binary_cross_entropy_with_logits";
  check_loss_forward(op, logits, target, r, out);
  dispatch_float(logits.dtype(), op, [&]<class T>() {
    const T* z = logits.data<T>();
    const T* t = target.data<T>();
    write_loss(logits.numel(), 4, r, out.data<T>(), [&](int64_t i) {
      const double zi = z[i];
      return std::max(zi, 0.0) - zi * t[i] + std::log1p(std::exp(-std::abs(zi)));
    });
  });
}

void bce_logits_backward(const Array& logits, const Array& target, const Array& grad_out,
                         Reduction r, Array* grad_logits, Array* grad_target) {
  const char* op = "binary_cross_entropy_with_logits backward";
  check_loss_backward(op, logits, target, grad_out, r, grad_logits, "logits", grad_target);
  dispatch_float(logits.dtype(), op, [&]<class T>() {
    const T* z = logits.data<T>();
    const T* t = target.data<T>();
    const T* g = grad_out.data<T>();
    T* gz = grad_logits ? grad_logits->data<T>() : nullptr;
    T* gt = grad_target ? grad_target->data<T>() : nullptr;
    const int64_t n = logits.numel();
    parallel_for(n, 4, [&](int64_t i) {
      const double gi = loss_grad(g, r, n, i);
      if (gz) gz[i] += static_cast<T>((sigmoid(z[i]) - t[i]) * gi);
      if (gt) gt[i] += static_cast<T>(-static_cast<double>(z[i]) * gi);
    });
  });
}

void cross_entropy_forward(const Array& logits, const Array& target, Reduction r, Array& out) {
  const char* op = "cross_entropy";
  check_classes(op, logits, target);
  check_cross_entropy_forward(op, logits, r, out);
  const int64_t n = logits.size(0), classes = logits.size(1);
  dispatch_float(logits.dtype(), op, [&]<class T>() {
    const T* z = logits.data<T>();
    const int64_t* t = target.data<int64_t>();
    write_loss(n, classes, r, out.data<T>(), [&](int64_t row) {
      const T* zr = z + row * classes;
      return logsumexp(zr, classes) - zr[t[row]];
    });
  });
}

void cross_entropy_backward(const Array& logits, const Array& target, const Array& grad_out,
                            Reduction r, Array& grad_logits) {
  const char* op = "cross_entropy backward";
  check_classes(op, logits, target);
  check_cross_entropy_backward(op, logits, grad_out, r, grad_logits);
  const int64_t n = logits.size(0), classes = logits.size(1);
  dispatch_float(logits.dtype(), op, [&]<class T>() {
    const T* z = logits.data<T>();
    const int64_t* t = target.data<int64_t>();
    const T* g = grad_out.data<T>();
    T* gz = grad_logits.data<T>();
    parallel_for(n, classes, [&](int64_t row) {
      const T* zr = z + row * classes;
      T* gr = gz + row * classes;
      const double lse = logsumexp(zr, classes), gn = loss_grad(g, r, n, row);
      for (int64_t c = 0; c < classes; ++c) {
        const double p = std::exp(zr[c] - lse) - (c == t[row] ? 1.0 : 0.0);
        gr[c] += static_cast<T>(p * gn);
      }
    });
  });
}

}  // namespace dnagrad::kernels::cpu
