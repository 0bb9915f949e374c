// The per-channel affine map batch normalisation applies, one definition for the CPU kernels,
// the fused BatchNorm -> ReLU -> max pooling and the CUDA kernels:
//   y = (x - mean) * scale + shift,   scale = invstd * weight, shift = bias.
//
// The mean is held as two values of T, hi = T(mean) and lo = T(mean - hi). Rounding the mean to
// float alone costs |mean| * 2^-24 in every deviation x - mean; when a channel's values barely
// differ (two values a hundredth apart around 3, say) that error is a few 1e-5 of the deviation
// and invstd magnifies it into y. (x - hi) is exact for x near the mean (Sterbenz), so
// (x - hi) - lo keeps the digits the float mean lost. Running means are already values of T:
// lo = 0 there and the map is the plain (x - mean) * scale + shift, bit for bit.
#pragma once
#include "core/host_device.h"

namespace dnagrad::kernels {

template <class T>
struct BatchNormMap {
  T mean_hi, mean_lo, scale, shift;

  DNAGRAD_HOST_DEVICE static BatchNormMap make(double mean, double invstd, double weight, T shift) {
    const T hi = static_cast<T>(mean);
    return {hi, static_cast<T>(mean - double(hi)), static_cast<T>(invstd * weight), shift};
  }
  DNAGRAD_HOST_DEVICE T operator()(T x) const { return ((x - mean_hi) - mean_lo) * scale + shift; }
};

}  // namespace dnagrad::kernels
