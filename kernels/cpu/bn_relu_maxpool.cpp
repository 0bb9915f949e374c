// BatchNorm1d -> ReLU -> MaxPool1d in one op on the CPU (kernels/bn_relu_maxpool.h), OpenMP over
// channels.
//
// Legend: N batch, C channels, L input length, L_out pooled length, K pooling window, M = N*L.
//   x [N, C, L] (BatchNorm's input), y [N, C, L_out], window_argmax [N, C, L_out] (uint8)
//   z = (x - mean) * scale + shift         BatchNorm, scale = invstd * weight, shift = bias
//   r = relu(z)                            NaN stays NaN, as in PyTorch
//   y[t] = max over window t of r          window_argmax[t] = k, the offset of the maximum in its
//                                          window: index t*stride - padding + k*dilation
// Unfused, these are five passes over the big [N, C, L] activations in the forward (statistics,
// normalise, ReLU, pool, and the writes of z and r) and about seven in the backward. Fused, the
// forward reads x twice for the statistics (in training) and once more to pool, and writes only
// the pooled y and one byte per output; z and r are never stored.
//
// Backward, with g = grad_y: the gradient reaches z only at each window's maximum, and only where
// that maximum is positive (ReLU passes it; a window whose maximum is 0 or NaN passes nothing):
//   gz[i] = sum of g[t] over the windows t whose maximum is i and y[t] > 0
// and BatchNorm's backward needs just two per-channel sums of it, which are sums over the pooled
// outputs:  sum(gz) = sum of g[t] (y[t] > 0),  sum(gz * xhat) = sum of g[t] * xhat[i(t)]
// (xhat = (x - mean) * invstd). Then one pass writes
//   grad_x += scale * (gz - sum(gz) / M - xhat * sum(gz * xhat) / M)      (training)
//   grad_x += scale * gz                                                  (eval statistics)
// with gz scattered into a row buffer first, so overlapping windows add up.
// The forward ASSIGNS y, window_argmax, save_mean and save_invstd and updates the running
// statistics in training; the backward ACCUMULATES (+=) the parameter gradients and grad_x, or
// ASSIGNS grad_x when asked (accumulate_x = false: the engine hands over a new buffer, so the
// [N, C, L] gradient is written once instead of zero-filled, read and written). Each channel
// belongs to one thread, so results do not depend on the thread count; each value is computed with
// the same float arithmetic as the unfused kernels, so both give the same numbers.
#include "kernels/bn_relu_maxpool.h"

#include <cmath>
#include <vector>

#include "kernels/batchnorm_map.h"
#include "kernels/checks.h"
#include "kernels/cpu/batchnorm_stats.h"
#include "kernels/cpu/maxpool_row.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/wide_sum.h"

namespace dnagrad::kernels::cpu {

namespace {

struct FusedDims {
  BnDims bn;
  int64_t len_out;
};

// x [N, C, L], per-channel vectors [C], y and window_argmax [N, C, L_out] for window K <= 256.
FusedDims check_fused(const char* op, const Array& x, const Array& weight, const Array& bias,
                      const Array& mean_like, const Array& invstd_like, const Array& y,
                      const Array* window_argmax, const Pool1dParams& pool) {
  DNAGRAD_CHECK(x.dim() == 3, op, ": expected x [N, C, L], got ", x.desc());
  require_same_device_dtype(op, x, {&weight, &bias, &mean_like, &invstd_like, &y});
  const int64_t n = x.size(0), c = x.size(1), len = x.size(2);
  for (const Array* a : {&weight, &bias, &mean_like, &invstd_like})
    DNAGRAD_CHECK(!a->defined() || a->shape() == Shape{c}, op, ": expected a [", c,
                  "] per-channel vector, got ", a->desc());
  DNAGRAD_CHECK(pool.kernel >= 1 && pool.kernel <= 256 && pool.stride >= 1 && pool.dilation >= 1 &&
                    pool.padding >= 0 && 2 * pool.padding <= pool.kernel,
                op, ": pooling window K = ", pool.kernel, " (at most 256), stride ", pool.stride,
                ", padding ", pool.padding, " (at most K/2), dilation ", pool.dilation);
  const int64_t len_out = pool.out_length(len);
  DNAGRAD_CHECK(len_out >= 1 && y.shape() == (Shape{n, c, len_out}), op, ": expected y [", n, ", ",
                c, ", ", len_out, "], got ", y.desc());
  if (window_argmax)
    DNAGRAD_CHECK(window_argmax->dtype() == DType::U8 && window_argmax->shape() == y.shape() &&
                      window_argmax->device() == x.device(),
                  op, ": expected window_argmax uint8", shape_str(y.shape()), ", got ",
                  window_argmax->desc());
  return {{n, c, len}, len_out};
}

// One row when the windows tile it (stride = K, no padding, no dilation) for a K known at compile
// time: tap by tap across all windows, so the compiler vectorises each tap's loop. y_r doubles as
// the running maximum; `taps` [L_out] holds the winning offsets. The same comparisons as
// maxpool_row, so the same winner.
template <class T, int K>
void tiled_row(const T* x_row, const BatchNormMap<T>& map, int64_t len_out, T* __restrict y_r,
               int32_t* __restrict taps) {
  for (int64_t t = 0; t < len_out; ++t) {
    const T z = map(x_row[t * K]);
    y_r[t] = z < T(0) ? T(0) : z;
    taps[t] = 0;
  }
  for (int k = 1; k < K; ++k)
    for (int64_t t = 0; t < len_out; ++t) {
      const T z = map(x_row[t * K + k]);
      const T v = z < T(0) ? T(0) : z;
      const bool take = max_takes(v, y_r[t]);
      y_r[t] = take ? v : y_r[t];
      taps[t] = take ? k : taps[t];
    }
}

template <class T>
void forward_impl(const Array& x, const Array& weight, const Array& bias, Array& running_mean,
                  Array& running_var, bool training, double momentum, double eps,
                  const Pool1dParams& pool, Array& y, Array* window_argmax, Array& save_mean,
                  Array& save_invstd, const FusedDims& d) {
  const T* x_data = x.data<T>();
  T* y_data = y.data<T>();
  uint8_t* arg_data = window_argmax ? window_argmax->data<uint8_t>() : nullptr;
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  const T* b = bias.defined() ? bias.data<T>() : nullptr;
  T* run_mean = running_mean.defined() ? running_mean.data<T>() : nullptr;
  T* run_var = running_var.defined() ? running_var.data<T>() : nullptr;
  const int64_t len = d.bn.len, len_out = d.len_out;
  const InnerWindows inner = inner_windows(len, len_out, pool);

  parallel_for(d.bn.channels, d.bn.count(), [&](int64_t c) {
    double mean, invstd;
    if (training) {
      const BatchStats stats = batch_stats(x_data, d.bn, c, eps);
      update_running_stats(run_mean, run_var, c, stats, momentum, d.bn);
      mean = stats.mean;
      invstd = stats.invstd;
    } else {
      mean = run_mean[c];
      invstd = 1.0 / std::sqrt(double(run_var[c]) + eps);
    }
    save_mean.data<T>()[c] = static_cast<T>(mean);
    save_invstd.data<T>()[c] = static_cast<T>(invstd);
    // As kernels/cpu/batchnorm.cpp computes z, so the fused and unfused paths agree bitwise.
    const auto map = BatchNormMap<T>::make(mean, invstd, w ? double(w[c]) : 1.0, b ? b[c] : T(0));
    const bool tiled = pool.stride == pool.kernel && pool.padding == 0 && pool.dilation == 1 &&
                       pool.kernel >= 2 && pool.kernel <= 4;
    // Row buffers, one set per thread, hot in L1:
    thread_local std::vector<T> r;            // relu(z) of one row (general windows)
    thread_local std::vector<int64_t> index;  // maxima's indices into L (general windows)
    thread_local std::vector<int32_t> taps;   // maxima's offsets in their windows (tiled)
    r.resize(tiled ? 0 : len);
    index.resize(len_out);
    taps.resize(len_out);
    for (int64_t n = 0; n < d.bn.n_batch; ++n) {
      const T* x_row = row(x_data, d.bn, n, c);
      const int64_t out_row = (n * d.bn.channels + c) * len_out;
      T* y_r = y_data + out_row;
      if (tiled) {
        if (pool.kernel == 2) tiled_row<T, 2>(x_row, map, len_out, y_r, taps.data());
        if (pool.kernel == 3) tiled_row<T, 3>(x_row, map, len_out, y_r, taps.data());
        if (pool.kernel == 4) tiled_row<T, 4>(x_row, map, len_out, y_r, taps.data());
      } else {
        for (int64_t t = 0; t < len; ++t) {
          const T z = map(x_row[t]);
          r[t] = z < T(0) ? T(0) : z;
        }
        maxpool_row(r.data(), y_r, index.data(), len, len_out, inner, pool);
        for (int64_t t = 0; t < len_out; ++t)
          taps[t] =
              static_cast<int32_t>((index[t] - (t * pool.stride - pool.padding)) / pool.dilation);
      }
      if (arg_data)
        for (int64_t t = 0; t < len_out; ++t) arg_data[out_row + t] = static_cast<uint8_t>(taps[t]);
    }
  });
}

template <class T>
void backward_impl(const Array& grad_y, const Array& y, const Array& window_argmax, const Array& x,
                   const Array& weight, const Array& mean, const Array& invstd, bool training,
                   const Pool1dParams& pool, Array* grad_x, Array* grad_weight, Array* grad_bias,
                   bool accumulate_x, const FusedDims& d) {
  const T* g_data = grad_y.data<T>();
  const T* y_data = y.data<T>();
  const uint8_t* arg_data = window_argmax.data<uint8_t>();
  const T* x_data = x.data<T>();
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  T* gx_data = grad_x ? grad_x->data<T>() : nullptr;
  T* gw_data = grad_weight ? grad_weight->data<T>() : nullptr;
  T* gb_data = grad_bias ? grad_bias->data<T>() : nullptr;
  const int64_t len = d.bn.len, len_out = d.len_out;
  // The index into L of output t's maximum.
  auto source = [&](int64_t t, uint8_t k) {
    return t * pool.stride - pool.padding + k * pool.dilation;
  };

  parallel_for(d.bn.channels, d.bn.count(), [&](int64_t c) {
    const T mean_c = mean.data<T>()[c];
    const double invstd_c = invstd.data<T>()[c];
    double sum_g = 0, sum_g_dev = 0;  // sum(gz), sum(gz * (x - mean))
    for (int64_t n = 0; n < d.bn.n_batch; ++n) {
      const int64_t out_row = (n * d.bn.channels + c) * len_out;
      const T* x_row = row(x_data, d.bn, n, c);
      for (int64_t t = 0; t < len_out; ++t) {
        if (!(y_data[out_row + t] > T(0))) continue;
        const double g = g_data[out_row + t];
        sum_g += g;
        sum_g_dev += g * (double(x_row[source(t, arg_data[out_row + t])]) - double(mean_c));
      }
    }
    const auto [scale, shift_g, slope] =
        bn_channel_backward(sum_g, sum_g_dev, invstd_c, w, training, c, d.bn, gw_data, gb_data);
    if (!gx_data) return;
    thread_local std::vector<T> gz;  // one row of the gradient at z, mostly zeros (per thread)
    gz.resize(len);
    for (int64_t n = 0; n < d.bn.n_batch; ++n) {
      const int64_t out_row = (n * d.bn.channels + c) * len_out;
      std::fill(gz.begin(), gz.end(), T(0));
      for (int64_t t = 0; t < len_out; ++t)
        if (y_data[out_row + t] > T(0)) gz[source(t, arg_data[out_row + t])] += g_data[out_row + t];
      const T* x_row = row(x_data, d.bn, n, c);
      T* gx_row = row(gx_data, d.bn, n, c);
      if (accumulate_x)
        for (int64_t t = 0; t < len; ++t)
          gx_row[t] += scale * (gz[t] - shift_g - (x_row[t] - mean_c) * slope);
      else
        for (int64_t t = 0; t < len; ++t)
          gx_row[t] = scale * (gz[t] - shift_g - (x_row[t] - mean_c) * slope);
    }
  });
}

}  // namespace

void bn_relu_maxpool_forward(const Array& x, const Array& weight, const Array& bias,
                             Array& running_mean, Array& running_var, bool training,
                             double momentum, double eps, const Pool1dParams& pool, Array& y,
                             Array* window_argmax, Array& save_mean, Array& save_invstd) {
  const char* op = "bn_relu_maxpool_forward";
  const FusedDims d =
      check_fused(op, x, weight, bias, save_mean, save_invstd, y, window_argmax, pool);
  for (const Array* a : {&running_mean, &running_var})
    DNAGRAD_CHECK(a->defined() ? a->shape() == Shape{d.bn.channels} : training, op,
                  ": evaluation needs running statistics [", d.bn.channels, "], got ", a->desc());
  DNAGRAD_CHECK(!training || d.bn.count() > 1, op,
                ": training needs more than one value per channel, got ", x.desc());
  dispatch_float(x.dtype(), op, [&]<class T>() {
    forward_impl<T>(x, weight, bias, running_mean, running_var, training, momentum, eps, pool, y,
                    window_argmax, save_mean, save_invstd, d);
  });
}

void bn_relu_maxpool_backward(const Array& grad_y, const Array& y, const Array& window_argmax,
                              const Array& x, const Array& weight, const Array& mean,
                              const Array& invstd, bool training, const Pool1dParams& pool,
                              Array* grad_x, Array* grad_weight, Array* grad_bias,
                              bool accumulate_x) {
  const char* op = "bn_relu_maxpool_backward";
  const FusedDims d = check_fused(op, x, weight, Array(), mean, invstd, y, &window_argmax, pool);
  DNAGRAD_CHECK(grad_y.shape() == y.shape() && grad_y.dtype() == y.dtype(), op,
                ": expected grad_y like y ", y.desc(), ", got ", grad_y.desc());
  for (const Array* g : {grad_x, grad_weight, grad_bias})
    if (g) require_same_device_dtype(op, x, {g});
  DNAGRAD_CHECK(!grad_x || grad_x->shape() == x.shape(), op, ": expected grad_x like x ", x.desc(),
                ", got ", grad_x ? grad_x->desc() : "");
  for (const Array* g : {grad_weight, grad_bias})
    DNAGRAD_CHECK(!g || g->shape() == Shape{d.bn.channels}, op, ": expected a [", d.bn.channels,
                  "] parameter gradient, got ", g ? g->desc() : "");
  dispatch_float(x.dtype(), op, [&]<class T>() {
    backward_impl<T>(grad_y, y, window_argmax, x, weight, mean, invstd, training, pool, grad_x,
                     grad_weight, grad_bias, accumulate_x, d);
  });
}

}  // namespace dnagrad::kernels::cpu
