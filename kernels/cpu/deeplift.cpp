// DeepLIFT's rescale and max-pool rules on the CPU (kernels/deeplift.h has the formulas). The
// stacked batch [x; r] is split at half its elements: element i of the input half pairs with
// element i + half of the reference half.
#include "kernels/deeplift.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace dnagrad::kernels::cpu {

namespace {

// The number of elements in each half of a stacked array; throws unless it splits evenly.
int64_t half_of(const Array& a, const char* op) {
  DNAGRAD_CHECK(a.dim() >= 1 && a.size(0) % 2 == 0, op,
                ": expected a stacked batch [inputs; references] with an even first dimension, "
                "got ",
                a.desc());
  return a.numel() / 2;
}

void require_like(const Array& a, const Array& like, const char* op, const char* what) {
  DNAGRAD_CHECK(a.shape() == like.shape() && a.dtype() == like.dtype() && a.device().is_cpu(), op,
                ": ", what, " is ", a.desc(), ", expected the shape and type of ", like.desc());
}

}  // namespace

void deeplift_rescale(const Array& x, const Array& y, const Array& grad_y, const Array& fallback,
                      double eps, Array& grad_x) {
  const char* op = "deeplift_rescale";
  const int64_t half = half_of(x, op);
  require_like(y, x, op, "y");
  require_like(grad_y, x, op, "grad_y");
  require_like(fallback, x, op, "fallback");
  require_like(grad_x, x, op, "grad_x");
  dispatch_float(x.dtype(), op, [&]<class T>() {
    const T *xv = x.data<T>(), *yv = y.data<T>(), *g = grad_y.data<T>(), *fb = fallback.data<T>();
    T* gx = grad_x.data<T>();
    for (int64_t i = 0; i < half; ++i) {
      const int64_t j = i + half;  // the reference's element
      const T delta_x = xv[i] - xv[j];
      if (std::abs(delta_x) < eps) {  // Δy/Δx is 0/0 or noise: the gradient of each half
        gx[i] += fb[i];
        gx[j] += fb[j];
        continue;
      }
      const T multiplier = (yv[i] - yv[j]) / delta_x;
      gx[i] += g[i] * multiplier;
      gx[j] += g[j] * multiplier;
    }
  });
}

void deeplift_maxpool(const Array& x, const Array& y, const Array& argmax, const Array& grad_y,
                      const Array& fallback, double eps, Array& grad_x) {
  const char* op = "deeplift_maxpool";
  const int64_t half = half_of(x, op), half_out = half_of(y, op);
  require_like(fallback, x, op, "fallback");
  require_like(grad_x, x, op, "grad_x");
  require_like(grad_y, y, op, "grad_y");
  DNAGRAD_CHECK(x.dim() == 3 && y.dim() == 3 && argmax.shape() == y.shape() &&
                    argmax.dtype() == DType::I64 && x.size(0) == y.size(0) &&
                    x.size(1) == y.size(1),
                op, ": expected x [2M, C, L], y and argmax [2M, C, L_out], got ", x.desc(), ", ",
                y.desc(), ", ", argmax.desc());
  const int64_t len = x.size(2), len_out = y.size(2), rows = half / len;
  const int64_t* am = argmax.data<int64_t>();
  dispatch_float(x.dtype(), op, [&]<class T>() {
    const T *xv = x.data<T>(), *yv = y.data<T>(), *g = grad_y.data<T>(), *fb = fallback.data<T>();
    T* gx = grad_x.data<T>();
    std::vector<T> spread(static_cast<size_t>(len));  // U of one row pair, [L]; assigned per row
    for (int64_t row = 0; row < rows; ++row) {
      std::fill(spread.begin(), spread.end(), T(0));
      const int64_t out = row * len_out, ref_out = out + half_out;  // first output of each half
      for (int64_t t = 0; t < len_out; ++t) {
        const T y_in = yv[out + t], y_ref = yv[ref_out + t];
        const T top = std::max(y_in, y_ref);
        spread[static_cast<size_t>(am[out + t])] += g[out + t] * (top - y_ref);
        spread[static_cast<size_t>(am[ref_out + t])] += g[ref_out + t] * (y_in - top);
      }
      const int64_t in = row * len, ref_in = in + half;  // first input of each half
      for (int64_t l = 0; l < len; ++l) {
        const T delta_x = xv[in + l] - xv[ref_in + l];
        if (std::abs(delta_x) < eps) {
          gx[in + l] += fb[in + l];
          gx[ref_in + l] += fb[ref_in + l];
        } else {
          const T multiplier = spread[static_cast<size_t>(l)] / delta_x;
          gx[in + l] += multiplier;
          gx[ref_in + l] += multiplier;
        }
      }
    }
  });
}

}  // namespace dnagrad::kernels::cpu
