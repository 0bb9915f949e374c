// Batch normalisation on the CPU, OpenMP over channels.
//
// Legend: N batch, C channels, L length (1 for an [N, C] input), M = N*L values per channel.
//   x, y, grad_y, grad_x [N, C, L] (or [N, C]); weight, bias, running_*, mean, invstd [C]
//   forward:  y = (x - mean) * invstd * weight + bias, invstd = 1 / sqrt(var + eps)
//   training: mean, var = the channel's batch mean and biased variance (sum / M);
//             running_mean <- (1 - momentum) * running_mean + momentum * mean,
//             running_var  <- (1 - momentum) * running_var  + momentum * var * M / (M - 1)
//   backward, with xhat = (x - mean) * invstd and sums over the channel's M values:
//             grad_bias   += sum(g),  grad_weight += sum(g * xhat)
//             eval:     grad_x += weight * invstd * g
//             training: grad_x += weight * invstd * (g - sum(g) / M - xhat * sum(g * xhat) / M)
//             (the last two terms come from mean and var depending on x).
// Forward functions ASSIGN y (and save_mean, save_invstd) and update the running statistics in
// place; batchnorm_backward ACCUMULATES (+=). Undefined weight/bias mean 1/0 (affine = false);
// undefined running statistics are not tracked. Statistics are summed in double, two passes
// (mean, then squared deviations) over one channel's values while they are hot in cache.
// Each channel belongs to one thread, so results do not depend on the thread count.
#include "kernels/batchnorm.h"

#include <cmath>
#include <vector>

#include "kernels/batchnorm_map.h"
#include "kernels/checks.h"
#include "kernels/cpu/batchnorm_stats.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/wide_sum.h"

namespace dnagrad::kernels::cpu {

namespace {

// y[n, c, :] = map(x[n, c, :]) for every n (kernels/batchnorm_map.h).
template <class T>
void normalise_channel(const T* x, T* y, const BnDims& d, int64_t c, const BatchNormMap<T>& map) {
  for (int64_t n = 0; n < d.n_batch; ++n) {
    const T* x_row = row(x, d, n, c);
    T* y_row = row(y, d, n, c);
    for (int64_t t = 0; t < d.len; ++t) y_row[t] = map(x_row[t]);
  }
}

template <class T>
void forward_train_impl(const Array& x, const Array& weight, const Array& bias, Array& running_mean,
                        Array& running_var, double momentum, double eps, Array& y, Array& save_mean,
                        Array& save_invstd, const BnDims& d) {
  const T* x_data = x.data<T>();
  T* y_data = y.data<T>();
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  const T* b = bias.defined() ? bias.data<T>() : nullptr;
  T* run_mean = running_mean.defined() ? running_mean.data<T>() : nullptr;
  T* run_var = running_var.defined() ? running_var.data<T>() : nullptr;
  T* out_mean = save_mean.data<T>();
  T* out_invstd = save_invstd.data<T>();

  parallel_for(d.channels, d.count(), [&](int64_t c) {
    const BatchStats stats = batch_stats(x_data, d, c, eps);
    const double mean = stats.mean, invstd = stats.invstd;
    out_mean[c] = static_cast<T>(mean);
    out_invstd[c] = static_cast<T>(invstd);
    update_running_stats(run_mean, run_var, c, stats, momentum, d);
    normalise_channel(x_data, y_data, d, c,
                      BatchNormMap<T>::make(mean, invstd, w ? double(w[c]) : 1.0, b ? b[c] : T(0)));
  });
}

template <class T>
void forward_eval_impl(const Array& x, const Array& weight, const Array& bias,
                       const Array& running_mean, const Array& running_var, double eps, Array& y,
                       const BnDims& d) {
  const T* x_data = x.data<T>();
  T* y_data = y.data<T>();
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  const T* b = bias.defined() ? bias.data<T>() : nullptr;
  const T* run_mean = running_mean.data<T>();
  const T* run_var = running_var.data<T>();
  // The per-channel map y = (x - mean) * scale + shift, computed once per channel.
  std::vector<BatchNormMap<T>> map(d.channels);
  for (int64_t c = 0; c < d.channels; ++c) {
    const double invstd = 1.0 / std::sqrt(double(run_var[c]) + eps);
    map[c] = BatchNormMap<T>::make(run_mean[c], invstd, w ? double(w[c]) : 1.0, b ? b[c] : T(0));
  }
  if (d.len > 1) {
    parallel_for(d.channels, d.count(),
                 [&](int64_t c) { normalise_channel(x_data, y_data, d, c, map[c]); });
    return;
  }
  // [N, C] (L = 1): a row's channels are contiguous, so rows outside and channels inside (the
  // incremental ISM's windows [B*W, C] take this path). Same arithmetic, element by element.
  parallel_for(d.n_batch, d.channels, [&](int64_t n) {
    const T* x_row = x_data + n * d.channels;
    T* y_row = y_data + n * d.channels;
    for (int64_t c = 0; c < d.channels; ++c) y_row[c] = map[c](x_row[c]);
  });
}

template <class T>
void backward_impl(const Array& grad_y, const Array& x, const Array& weight, const Array& mean,
                   const Array& invstd, bool training, Array* grad_x, Array* grad_weight,
                   Array* grad_bias, const BnDims& d) {
  const T* g_data = grad_y.data<T>();
  const T* x_data = x.data<T>();
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  const T* mean_data = mean.data<T>();
  const T* invstd_data = invstd.data<T>();
  T* gx_data = grad_x ? grad_x->data<T>() : nullptr;
  T* gw_data = grad_weight ? grad_weight->data<T>() : nullptr;
  T* gb_data = grad_bias ? grad_bias->data<T>() : nullptr;
  const bool need_sums = gw_data || gb_data || (gx_data && training);

  parallel_for(d.channels, d.count(), [&](int64_t c) {
    const T mean_c = mean_data[c];
    const double invstd_c = invstd_data[c];
    double sum_g = 0, sum_g_dev = 0;  // sum(g), sum(g * (x - mean))
    if (need_sums) {
      for (int64_t n = 0; n < d.n_batch; ++n) {
        const T* g_row = row(g_data, d, n, c);
        const T* x_row = row(x_data, d, n, c);
        sum_g += wide_sum(d.len, [&](int64_t t) { return double(g_row[t]); });
        sum_g_dev += wide_sum(d.len, [&](int64_t t) {
          return double(g_row[t]) * (double(x_row[t]) - double(mean_c));
        });
      }
    }
    const auto [scale, shift_g, slope] =
        bn_channel_backward(sum_g, sum_g_dev, invstd_c, w, training, c, d, gw_data, gb_data);
    if (!gx_data) return;
    for (int64_t n = 0; n < d.n_batch; ++n) {
      const T* g_row = row(g_data, d, n, c);
      const T* x_row = row(x_data, d, n, c);
      T* gx_row = row(gx_data, d, n, c);
      for (int64_t t = 0; t < d.len; ++t)
        gx_row[t] += scale * (g_row[t] - shift_g - (x_row[t] - mean_c) * slope);
    }
  });
}

}  // namespace

void batchnorm_forward_train(const Array& x, const Array& weight, const Array& bias,
                             Array& running_mean, Array& running_var, double momentum, double eps,
                             Array& y, Array& save_mean, Array& save_invstd) {
  const char* op = "batchnorm_forward_train";
  const BnDims d = bn_dims(check_batchnorm_forward_train(
      x, weight, bias, running_mean, running_var, y, save_mean, save_invstd));  // kernels/checks.h
  dispatch_float(x.dtype(), op, [&]<class T>() {
    forward_train_impl<T>(x, weight, bias, running_mean, running_var, momentum, eps, y, save_mean,
                          save_invstd, d);
  });
}

void batchnorm_forward_eval(const Array& x, const Array& weight, const Array& bias,
                            const Array& running_mean, const Array& running_var, double eps,
                            Array& y) {
  const char* op = "batchnorm_forward_eval";
  const BnDims d = bn_dims(check_batchnorm_forward_eval(x, weight, bias, running_mean, running_var,
                                                        y));  // kernels/checks.h
  dispatch_float(x.dtype(), op, [&]<class T>() {
    forward_eval_impl<T>(x, weight, bias, running_mean, running_var, eps, y, d);
  });
}

void batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight, const Array& mean,
                        const Array& invstd, bool training, Array* grad_x, Array* grad_weight,
                        Array* grad_bias) {
  const char* op = "batchnorm_backward";
  const BnDims d = bn_dims(check_batchnorm_backward(grad_y, x, weight, mean, invstd, grad_x,
                                                    grad_weight, grad_bias));  // kernels/checks.h
  dispatch_float(x.dtype(), op, [&]<class T>() {
    backward_impl<T>(grad_y, x, weight, mean, invstd, training, grad_x, grad_weight, grad_bias, d);
  });
}

}  // namespace dnagrad::kernels::cpu
