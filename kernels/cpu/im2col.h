// im2col / col2im for 1-D convolution: the unrolled input that turns a convolution into one
// matrix product per sample. Private to kernels/cpu/conv1d.cpp.
//
// Legend: C_in channels, L_in / L_out lengths, K kernel size.
//   col[c*K + k, t] = x[c, t*stride + k*dilation - padding], 0 where that index leaves [0, L_in)
//   x [C_in, L_in] (one sample), col [C_in*K, L_out]
// im2col assigns col; col2im accumulates (+=) col back into x, the adjoint of im2col.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/conv1d.h"

namespace dnagrad::kernels::cpu {

// For one kernel tap k: the input index of output t is t*stride + offset, and exactly the
// outputs t in [t_begin, t_end) read inside [0, L_in). Taps do not depend on the channel.
struct Tap {
  int64_t offset, t_begin, t_end;
};

inline std::vector<Tap> conv_taps(int64_t len_in, int64_t kernel, int64_t len_out,
                                  const Conv1dParams& p) {
  auto ceil_div = [](int64_t a, int64_t b) { return (a + b - 1) / b; };  // a >= 0, b > 0
  std::vector<Tap> taps(kernel);
  for (int64_t k = 0; k < kernel; ++k) {
    const int64_t offset = k * p.dilation - p.padding;
    // t*stride + offset >= 0  <=>  t >= ceil(-offset / stride)
    const int64_t begin = offset >= 0 ? 0 : ceil_div(-offset, p.stride);
    // t*stride + offset < L_in  <=>  t < ceil((L_in - offset) / stride)
    const int64_t end = offset >= len_in ? 0 : ceil_div(len_in - offset, p.stride);
    const int64_t t_begin = std::min(begin, len_out);
    taps[k] = {offset, t_begin, std::clamp(end, t_begin, len_out)};
  }
  return taps;
}

template <class T>
void im2col(const T* x, int64_t c_in, int64_t len_in, int64_t len_out, const std::vector<Tap>& taps,
            int64_t stride, T* col) {
  const int64_t kernel = static_cast<int64_t>(taps.size());
  for (int64_t c = 0; c < c_in; ++c) {
    const T* x_c = x + c * len_in;
    for (int64_t k = 0; k < kernel; ++k) {
      const Tap& tap = taps[k];
      T* row = col + (c * kernel + k) * len_out;  // [L_out]
      std::fill(row, row + tap.t_begin, T(0));
      if (stride == 1) {
        for (int64_t t = tap.t_begin; t < tap.t_end; ++t) row[t] = x_c[t + tap.offset];
      } else {
        for (int64_t t = tap.t_begin; t < tap.t_end; ++t) row[t] = x_c[t * stride + tap.offset];
      }
      std::fill(row + tap.t_end, row + len_out, T(0));
    }
  }
}

template <class T>
void col2im(const T* col, int64_t c_in, int64_t len_in, int64_t len_out,
            const std::vector<Tap>& taps, int64_t stride, T* x) {
  const int64_t kernel = static_cast<int64_t>(taps.size());
  for (int64_t c = 0; c < c_in; ++c) {
    T* x_c = x + c * len_in;
    for (int64_t k = 0; k < kernel; ++k) {
      const Tap& tap = taps[k];
      const T* row = col + (c * kernel + k) * len_out;  // [L_out]
      for (int64_t t = tap.t_begin; t < tap.t_end; ++t) x_c[t * stride + tap.offset] += row[t];
    }
  }
}

}  // namespace dnagrad::kernels::cpu
