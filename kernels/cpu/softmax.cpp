// Softmax and log-softmax along one dimension on the CPU.
//
// Legend: the array is viewed as [outer, D, inner] around `dim` (D = the softmax dimension). Each
// of the outer * inner "lanes" is one softmax over D elements spaced `inner` apart; lanes are
// independent and run in parallel. Exponentials are taken in the array's type, sums in double.
//   forward:  m = max_j x_j;  softmax y_i = e^(x_i - m) / sum_j e^(x_j - m)
//                             log_softmax y_i = x_i - m - log sum_j e^(x_j - m)
//   backward: softmax gx_i += y_i (gy_i - sum_j gy_j y_j);  log gx_i += gy_i - e^(y_i) sum_j gy_j
// softmax_forward ASSIGNS y; softmax_backward ADDS to grad_x.
#include "kernels/softmax.h"

#include <cmath>
#include <limits>

#include "kernels/checks.h"
#include "kernels/cpu/parallel.h"
#include "kernels/layout.h"

namespace dnagrad::kernels::cpu {

void softmax_forward(const Array& x, int dim, bool log, Array& y) {
  const char* name = softmax_name(log);
  check_softmax_forward(name, x, dim, y);
  const AroundDim v = around_dim(x.shape(), dim);
  dispatch_float(x.dtype(), name, [&]<class T>() {
    parallel_for(v.outer * v.inner, v.len, [&](int64_t lane) {
      const int64_t base = (lane / v.inner) * v.len * v.inner + lane % v.inner;
      const T* xs = x.data<T>() + base;  // xs[d * inner], d < D
      T* ys = y.data<T>() + base;
      T max = -std::numeric_limits<T>::infinity();
      for (int64_t d = 0; d < v.len; ++d) max = std::max(max, xs[d * v.inner]);
      double total = 0;
      for (int64_t d = 0; d < v.len; ++d) {
        const T e = std::exp(xs[d * v.inner] - max);  // in [0, 1]: T is precise enough
        total += e;
        if (!log) ys[d * v.inner] = e;
      }
      if (log) {
        const double log_total = std::log(total);
        for (int64_t d = 0; d < v.len; ++d)
          ys[d * v.inner] = static_cast<T>(static_cast<double>(xs[d * v.inner] - max) - log_total);
      } else {
        const double inv_total = 1.0 / total;
        for (int64_t d = 0; d < v.len; ++d)
          ys[d * v.inner] = static_cast<T>(ys[d * v.inner] * inv_total);
      }
    });
  });
}

void softmax_backward(const Array& y, const Array& grad_y, int dim, bool log, Array& grad_x) {
  const std::string name = cat(softmax_name(log), " backward");
  check_softmax_backward(name.c_str(), y, grad_y, dim, grad_x);
  const AroundDim v = around_dim(y.shape(), dim);
  dispatch_float(y.dtype(), name.c_str(), [&]<class T>() {
    parallel_for(v.outer * v.inner, v.len, [&](int64_t lane) {
      const int64_t base = (lane / v.inner) * v.len * v.inner + lane % v.inner;
      const T* ys = y.data<T>() + base;
      const T* gy = grad_y.data<T>() + base;
      T* gx = grad_x.data<T>() + base;
      double total = 0;  // softmax: sum_j gy_j y_j; log_softmax: sum_j gy_j
      for (int64_t d = 0; d < v.len; ++d)
        total += log ? gy[d * v.inner] : static_cast<double>(gy[d * v.inner]) * ys[d * v.inner];
      for (int64_t d = 0; d < v.len; ++d) {
        const int64_t i = d * v.inner;
        const double term =
            log ? gy[i] - std::exp(static_cast<double>(ys[i])) * total : ys[i] * (gy[i] - total);
        gx[i] += static_cast<T>(term);
      }
    });
  });
}

}  // namespace dnagrad::kernels::cpu
