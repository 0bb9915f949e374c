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

#include <atomic>

#include "kernels/checks.h"
#include "kernels/cpu/maxpool_row.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/wide_sum.h"

namespace dnagrad::kernels::cpu {

namespace {

// ---- max (one row: kernels/cpu/maxpool_row.h) ----

template <class T>
void maxpool_forward_impl(const Array& x, Array& y, Array& argmax, const Pool1dParams& p,
                          const PoolExtents& d) {
  const T* x_data = x.data<T>();
  T* y_data = y.data<T>();
  int64_t* arg_data = argmax.data<int64_t>();
  const InnerWindows inner = inner_windows(d.len_in, d.len_out, p);
  parallel_for(d.rows, d.len_in + d.len_out, [&](int64_t r) {
    maxpool_row(x_data + r * d.len_in, y_data + r * d.len_out, arg_data + r * d.len_out, d.len_in,
                d.len_out, inner, p);
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
