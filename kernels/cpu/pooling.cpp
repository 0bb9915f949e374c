// 1-D pooling on the CPU, OpenMP over rows.
//
// Legend: N batch, C channels, R = N*C independent rows, L input length, L_out output length,
// K kernel size. x [N, C, L] -> y [N, C, L_out]; output t of a row reads the window
//   x[t*stride - padding + k*dilation], k = 0 .. K-1   (indices outside [0, L) are padding).
//   max:      padding counts as -inf; the first maximum wins (a NaN wins over numbers, as in
//             PyTorch); argmax [N, C, L_out] (int64) holds its index into L.
//   avg:      sum of the window's real elements / (K if count_include_pad else their count).
//   adaptive: bin i covers [floor(i*L/out), ceil((i+1)*L/out)); y = its mean.
// Forward functions ASSIGN y (and argmax); backward functions ACCUMULATE (+=) into grad_x.
// Each row is handled by one thread, so there are no write races and results do not depend on
// the thread count. Sums are taken in double.
#include "kernels/pooling.h"

#include <algorithm>
#include <atomic>
#include <limits>

#include "kernels/checks.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/wide_sum.h"

namespace dnagrad::kernels::cpu {

namespace {

// ---- max ----

// `take` decides whether v replaces the best value so far: strictly greater (so the first maximum
// wins), or a NaN replacing a number (the first NaN wins). Written without branches: on real data
// the comparison is a coin flip that a branch predictor cannot learn.
template <class T>
inline bool max_takes(T v, T best) {
  return (best == best) & !(v <= best);
}

// The general window: bounds-checked, for windows that touch the padding.
template <class T>
void max_window(const T* x_r, int64_t len_in, int64_t start, const Pool1dParams& p, T& y,
                int64_t& arg) {
  int64_t best_i = -1;
  T best = -std::numeric_limits<T>::infinity();
  for (int64_t k = 0; k < p.kernel; ++k) {
    const int64_t i = start + k * p.dilation;
    if (i < 0 || i >= len_in) continue;  // padding: -inf never wins
    if (best_i < 0 || max_takes(x_r[i], best)) {
      best = x_r[i];
      best_i = i;
    }
  }
  y = best;
  arg = best_i;
}

// One row of max pooling. Outputs [t_inner_begin, t_inner_end) have their whole window inside
// [0, L) and are computed tap by tap across all t (k outer): branch-free and vectorisable. The
// few windows that touch the padding go through max_window.
template <class T>
void maxpool_row(const T* x_r, T* y_r, int64_t* arg_r, int64_t len_in, int64_t len_out,
                 int64_t t_inner_begin, int64_t t_inner_end, Pool1dParams p) {
  const int64_t kernel = p.kernel, stride = p.stride, padding = p.padding, dilation = p.dilation;
  for (int64_t t = 0; t < t_inner_begin; ++t)
    max_window(x_r, len_in, t * stride - padding, p, y_r[t], arg_r[t]);
  for (int64_t t = t_inner_begin; t < t_inner_end; ++t) {
    y_r[t] = x_r[t * stride - padding];
    arg_r[t] = t * stride - padding;
  }
  for (int64_t k = 1; k < kernel; ++k) {
    const int64_t offset = k * dilation - padding;
    for (int64_t t = t_inner_begin; t < t_inner_end; ++t) {
      const int64_t i = t * stride + offset;
      const T v = x_r[i];
      const bool take = max_takes(v, y_r[t]);
      y_r[t] = take ? v : y_r[t];
      arg_r[t] = take ? i : arg_r[t];
    }
  }
  for (int64_t t = t_inner_end; t < len_out; ++t)
    max_window(x_r, len_in, t * stride - padding, p, y_r[t], arg_r[t]);
}

template <class T>
void maxpool_forward_impl(const Array& x, Array& y, Array& argmax, const Pool1dParams& p,
                          const PoolExtents& d) {
  const T* x_data = x.data<T>();
  T* y_data = y.data<T>();
  int64_t* arg_data = argmax.data<int64_t>();
  // Inner outputs: t*stride - padding >= 0 and t*stride - padding + (K-1)*dilation <= L - 1.
  const int64_t last_start = d.len_in - 1 - (p.kernel - 1) * p.dilation;  // may be negative
  const int64_t t_inner_begin = std::min((p.padding + p.stride - 1) / p.stride, d.len_out);
  const int64_t t_inner_end =
      last_start + p.padding < 0
          ? t_inner_begin
          : std::clamp((last_start + p.padding) / p.stride + 1, t_inner_begin, d.len_out);
  parallel_for(d.rows, d.len_in + d.len_out, [&](int64_t r) {
    maxpool_row(x_data + r * d.len_in, y_data + r * d.len_out, arg_data + r * d.len_out, d.len_in,
                d.len_out, t_inner_begin, t_inner_end, p);
  });
}

template <class T>
void maxpool_backward_impl(const Array& grad_y, const Array& argmax, Array& grad_x, int64_t rows,
                           int64_t len_in, int64_t len_out) {
  const T* gy_data = grad_y.data<T>();
  const int64_t* arg_data = argmax.data<int64_t>();
  T* gx_data = grad_x.data<T>();
  std::atomic<bool> bad_index = false;
  parallel_for(rows, len_in + len_out, [&](int64_t r) {
    const T* gy_r = gy_data + r * len_out;
    const int64_t* arg_r = arg_data + r * len_out;
    T* gx_r = gx_data + r * len_in;
    for (int64_t t = 0; t < len_out; ++t) {
      const int64_t i = arg_r[t];
      if (i < 0 || i >= len_in) {
        bad_index.store(true, std::memory_order_relaxed);
        continue;
      }
      gx_r[i] += gy_r[t];
    }
  });
  DNAGRAD_CHECK(!bad_index, "maxpool1d_backward: argmax ", argmax.desc(),
                " holds an index outside [0, ", len_in, ") of grad_x ", grad_x.desc());
}

// ---- average ----

// Number of elements a window starting at `start` divides by.
inline int64_t avg_divisor(int64_t start, const Pool1dParams& p, int64_t len_in) {
  if (p.count_include_pad) return p.kernel;
  int64_t count = 0;
  for (int64_t k = 0; k < p.kernel; ++k) {
    const int64_t i = start + k * p.dilation;
    count += (i >= 0 && i < len_in);
  }
  return count;
}

template <class T>
void avgpool_forward_impl(const Array& x, Array& y, const Pool1dParams& p, const PoolExtents& d) {
  const T* x_data = x.data<T>();
  T* y_data = y.data<T>();
  parallel_for(d.rows, d.len_in + d.len_out, [&](int64_t r) {
    const T* x_r = x_data + r * d.len_in;  // [L]
    T* y_r = y_data + r * d.len_out;       // [L_out]
    for (int64_t t = 0; t < d.len_out; ++t) {
      const int64_t start = t * p.stride - p.padding;
      double total = 0;
      for (int64_t k = 0; k < p.kernel; ++k) {
        const int64_t i = start + k * p.dilation;
        if (i >= 0 && i < d.len_in) total += x_r[i];
      }
      y_r[t] = static_cast<T>(total / static_cast<double>(avg_divisor(start, p, d.len_in)));
    }
  });
}

template <class T>
void avgpool_backward_impl(const Array& grad_y, Array& grad_x, const Pool1dParams& p,
                           const PoolExtents& d) {
  const T* gy_data = grad_y.data<T>();
  T* gx_data = grad_x.data<T>();
  parallel_for(d.rows, d.len_in + d.len_out, [&](int64_t r) {
    const T* gy_r = gy_data + r * d.len_out;  // [L_out]
    T* gx_r = gx_data + r * d.len_in;         // [L]
    for (int64_t t = 0; t < d.len_out; ++t) {
      const int64_t start = t * p.stride - p.padding;
      const T share = gy_r[t] / static_cast<T>(avg_divisor(start, p, d.len_in));
      for (int64_t k = 0; k < p.kernel; ++k) {
        const int64_t i = start + k * p.dilation;
        if (i >= 0 && i < d.len_in) gx_r[i] += share;
      }
    }
  });
}

// ---- adaptive average ----

// PyTorch's bins: bin i of `out` over a length `len` is [floor(i*len/out), ceil((i+1)*len/out)).
inline int64_t bin_begin(int64_t i, int64_t len, int64_t out) { return i * len / out; }
inline int64_t bin_end(int64_t i, int64_t len, int64_t out) {
  return ((i + 1) * len + out - 1) / out;
}

template <class T>
void adaptive_forward_impl(const Array& x, Array& y, const PoolExtents& d) {
  const T* x_data = x.data<T>();
  T* y_data = y.data<T>();
  parallel_for(d.rows, d.len_in + d.len_out, [&](int64_t r) {
    const T* x_r = x_data + r * d.len_in;  // [L]
    T* y_r = y_data + r * d.len_out;       // [out]
    for (int64_t i = 0; i < d.len_out; ++i) {
      const int64_t begin = bin_begin(i, d.len_in, d.len_out);
      const int64_t end = bin_end(i, d.len_in, d.len_out);
      const T* bin = x_r + begin;
      const double total = wide_sum(end - begin, [&](int64_t j) { return double(bin[j]); });
      y_r[i] = static_cast<T>(total / static_cast<double>(end - begin));
    }
  });
}

template <class T>
void adaptive_backward_impl(const Array& grad_y, Array& grad_x, const PoolExtents& d) {
  const T* gy_data = grad_y.data<T>();
  T* gx_data = grad_x.data<T>();
  parallel_for(d.rows, d.len_in + d.len_out, [&](int64_t r) {
    const T* gy_r = gy_data + r * d.len_out;  // [out]
    T* gx_r = gx_data + r * d.len_in;         // [L]
    for (int64_t i = 0; i < d.len_out; ++i) {
      const int64_t begin = bin_begin(i, d.len_in, d.len_out);
      const int64_t end = bin_end(i, d.len_in, d.len_out);
      const T share = gy_r[i] / static_cast<T>(end - begin);
      for (int64_t j = begin; j < end; ++j) gx_r[j] += share;
    }
  });
}

}  // namespace

void maxpool1d_forward(const Array& x, Array& y, Array& argmax, const Pool1dParams& p) {
  const PoolExtents d = check_pool1d("maxpool1d_forward", x, y, p);
  DNAGRAD_CHECK(
      argmax.shape() == y.shape() && argmax.dtype() == DType::I64 && argmax.device() == y.device(),
      "maxpool1d_forward: expected argmax int64", shape_str(y.shape()), " like the output, got ",
      argmax.desc());
  dispatch_float(x.dtype(), "maxpool1d_forward",
                 [&]<class T>() { maxpool_forward_impl<T>(x, y, argmax, p, d); });
}

void maxpool1d_backward(const Array& grad_y, const Array& argmax, Array& grad_x) {
  DNAGRAD_CHECK(grad_y.dim() == 3 && grad_x.dim() == 3 && grad_x.size(0) == grad_y.size(0) &&
                    grad_x.size(1) == grad_y.size(1) && argmax.shape() == grad_y.shape() &&
                    argmax.dtype() == DType::I64 && argmax.device() == grad_y.device(),
                "maxpool1d_backward: expected grad_y [N, C, L_out], argmax int64[N, C, L_out] and ",
                "grad_x [N, C, L], got ", grad_y.desc(), ", ", argmax.desc(), " and ",
                grad_x.desc());
  require_same_device_dtype("maxpool1d_backward", grad_y, {&grad_x});
  const int64_t rows = grad_y.size(0) * grad_y.size(1);
  dispatch_float(grad_y.dtype(), "maxpool1d_backward", [&]<class T>() {
    maxpool_backward_impl<T>(grad_y, argmax, grad_x, rows, grad_x.size(2), grad_y.size(2));
  });
}

void avgpool1d_forward(const Array& x, Array& y, const Pool1dParams& p) {
  const PoolExtents d = check_pool1d("avgpool1d_forward", x, y, p);
  dispatch_float(x.dtype(), "avgpool1d_forward",
                 [&]<class T>() { avgpool_forward_impl<T>(x, y, p, d); });
}

void avgpool1d_backward(const Array& grad_y, Array& grad_x, const Pool1dParams& p) {
  const PoolExtents d = check_pool1d("avgpool1d_backward", grad_x, grad_y, p);
  dispatch_float(grad_y.dtype(), "avgpool1d_backward",
                 [&]<class T>() { avgpool_backward_impl<T>(grad_y, grad_x, p, d); });
}

void adaptive_avgpool1d_forward(const Array& x, Array& y) {
  const PoolExtents d = check_adaptive_pool1d("adaptive_avgpool1d_forward", x, y);
  dispatch_float(x.dtype(), "adaptive_avgpool1d_forward",
                 [&]<class T>() { adaptive_forward_impl<T>(x, y, d); });
}

void adaptive_avgpool1d_backward(const Array& grad_y, Array& grad_x) {
  const PoolExtents d = check_adaptive_pool1d("adaptive_avgpool1d_backward", grad_x, grad_y);
  dispatch_float(grad_y.dtype(), "adaptive_avgpool1d_backward",
                 [&]<class T>() { adaptive_backward_impl<T>(grad_y, grad_x, d); });
}

}  // namespace dnagrad::kernels::cpu
