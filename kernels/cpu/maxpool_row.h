// One row of 1-D max pooling, shared by max pooling (kernels/cpu/pooling.cpp) and the fused
// BatchNorm -> ReLU -> max pooling (kernels/cpu/bn_relu_maxpool.cpp). Private to kernels/cpu.
//
// Legend: x_r [L_in] one row, y_r / arg_r [L_out]; output t reads the window
//   x_r[t*stride - padding + k*dilation], k = 0 .. K-1 (indices outside [0, L_in) are padding).
// Padding counts as -inf; the first maximum wins (a NaN wins over numbers, as in PyTorch);
// arg_r[t] is the index into L_in of the maximum (-1 only if the window is all padding, which the
// argument checks rule out). Assigns y_r and arg_r.
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>

#include "kernels/pooling.h"

namespace dnagrad::kernels::cpu {

// Outputs [begin, end) whose whole window lies inside [0, L_in).
struct InnerWindows {
  int64_t begin, end;
};

inline InnerWindows inner_windows(int64_t len_in, int64_t len_out, const Pool1dParams& p) {
  // Inner outputs: t*stride - padding >= 0 and t*stride - padding + (K-1)*dilation <= L - 1.
  const int64_t last_start = len_in - 1 - (p.kernel - 1) * p.dilation;  // may be negative
  const int64_t begin = std::min((p.padding + p.stride - 1) / p.stride, len_out);
  const int64_t end = last_start + p.padding < 0
                          ? begin
                          : std::clamp((last_start + p.padding) / p.stride + 1, begin, len_out);
  return {begin, end};
}

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
                 InnerWindows inner, Pool1dParams p) {
  const int64_t kernel = p.kernel, stride = p.stride, padding = p.padding, dilation = p.dilation;
  const int64_t t_inner_begin = inner.begin, t_inner_end = inner.end;
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

}  // namespace dnagrad::kernels::cpu
