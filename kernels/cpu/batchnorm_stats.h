// The per-channel pieces of batch normalisation on the CPU, shared by BatchNorm
// (kernels/cpu/batchnorm.cpp) and the fused BatchNorm -> ReLU -> max pooling
// (kernels/cpu/bn_relu_maxpool.cpp). Private to kernels/cpu.
//
// Legend: N batch, C channels, L length, M = N*L values per channel; x [N, C, L].
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/checks.h"
#include "kernels/cpu/wide_sum.h"

namespace dnagrad::kernels::cpu {

struct BnDims {
  int64_t n_batch, channels, len;
  int64_t count() const { return n_batch * len; }  // M
};

inline BnDims bn_dims(const BatchNormExtents& e) { return {e.n_batch, e.channels, e.len}; }

// Row n of channel c: x[n, c, 0 .. L).
template <class T>
T* row(T* data, const BnDims& d, int64_t n, int64_t c) {
  return data + (n * d.channels + c) * d.len;
}

// A channel's batch statistics, summed in double in two passes (mean, then squared deviations)
// over its M values while they are hot in cache.
struct BatchStats {
  double mean, squares, invstd;  // squares = sum of squared deviations; invstd = 1/sqrt(var+eps)
};

template <class T>
BatchStats batch_stats(const T* x, const BnDims& d, int64_t c, double eps) {
  const double count = static_cast<double>(d.count());
  double total = 0;
  for (int64_t n = 0; n < d.n_batch; ++n) {
    const T* x_row = row(x, d, n, c);
    total += wide_sum(d.len, [&](int64_t t) { return double(x_row[t]); });
  }
  const double mean = total / count;
  double squares = 0;
  for (int64_t n = 0; n < d.n_batch; ++n) {
    const T* x_row = row(x, d, n, c);
    squares += wide_sum(d.len, [&](int64_t t) {
      const double dev = double(x_row[t]) - mean;
      return dev * dev;
    });
  }
  return {mean, squares, 1.0 / std::sqrt(squares / count + eps)};
}

// running <- (1 - momentum) * running + momentum * batch statistic, the variance unbiased
// (M - 1), as PyTorch does. Either pointer may be null (statistics not tracked).
template <class T>
void update_running_stats(T* run_mean, T* run_var, int64_t c, const BatchStats& s, double momentum,
                          const BnDims& d) {
  const double count = static_cast<double>(d.count());
  if (run_mean) run_mean[c] = static_cast<T>((1 - momentum) * run_mean[c] + momentum * s.mean);
  if (run_var)
    run_var[c] = static_cast<T>((1 - momentum) * run_var[c] + momentum * s.squares / (count - 1));
}

// The backward of one channel from its two sums over the M values, sum_g = sum(g) and
// sum_g_dev = sum(g * (x - mean)): accumulates the parameter gradients (null: not wanted) and
// returns the map grad_x += scale * (g - shift_g - (x - mean) * slope); with eval statistics
// (training = false) shift_g = slope = 0.
template <class T>
struct BnGradMap {
  T scale, shift_g, slope;
};

template <class T>
BnGradMap<T> bn_channel_backward(double sum_g, double sum_g_dev, double invstd, const T* weight,
                                 bool training, int64_t c, const BnDims& d, T* grad_weight,
                                 T* grad_bias) {
  const double count = static_cast<double>(d.count());
  if (grad_bias) grad_bias[c] += static_cast<T>(sum_g);
  if (grad_weight) grad_weight[c] += static_cast<T>(sum_g_dev * invstd);
  return {static_cast<T>(invstd * (weight ? double(weight[c]) : 1.0)),
          static_cast<T>(training ? sum_g / count : 0.0),
          static_cast<T>(training ? sum_g_dev * invstd * invstd / count : 0.0)};
}

}  // namespace dnagrad::kernels::cpu
