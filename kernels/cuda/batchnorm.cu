// Batch normalisation on the GPU. Same contracts and formulas as kernels/batchnorm.h and
// kernels/cpu/batchnorm.cpp: forward functions ASSIGN y (and save_mean, save_invstd) and update
// the running statistics in place; batchnorm_backward ACCUMULATES (+=).
//
// Legend: N batch, C channels, L length (1 for an [N, C] input), M = N*L values per channel.
//   training forward:  mean = sum(x) / M, var = sum((x - mean)^2) / M (two passes, in double),
//                      invstd = 1 / sqrt(var + eps), y = (x - mean) * invstd * weight + bias,
//                      running_var uses the unbiased var * M / (M - 1).
//   backward:          grad_bias += sum(g), grad_weight += sum(g * xhat),
//                      grad_x += weight * invstd * (g - sum(g)/M - xhat * sum(g * xhat)/M)
//                      (training; eval drops the last two terms).
//
// Kernels (256 threads): forward_train and backward give each channel one block (grid-stride
// over channels); its threads stride over the channel's M values and the partial sums meet in a
// fixed-order block tree (block_reduce.cuh), so results are bitwise repeatable. forward_eval is
// elementwise.
#include <algorithm>

#include "kernels/batchnorm.h"
#include "kernels/batchnorm_map.h"
#include "kernels/checks.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/launch.cuh"

namespace dnagrad::kernels::cuda {

namespace {

struct BnShape {
  int64_t n_batch, channels, len;
  __host__ __device__ int64_t count() const { return n_batch * len; }  // M
};

BnShape bn_shape(const BatchNormExtents& e) { return {e.n_batch, e.channels, e.len}; }

// Offset of value e (0 <= e < M) of channel c: e = n*L + t -> x[n, c, t].
__device__ inline int64_t offset(const BnShape& s, int64_t c, int64_t e) {
  const int64_t n = e / s.len, t = e % s.len;
  return (n * s.channels + c) * s.len + t;
}

unsigned channel_blocks(int64_t channels) {
  return static_cast<unsigned>(std::clamp<int64_t>(channels, 1, 65535));
}

template <class T>
__global__ void __launch_bounds__(kThreads)
    forward_train(const T* __restrict__ x, const T* __restrict__ weight, const T* __restrict__ bias,
                  T* running_mean, T* running_var, double momentum, double eps, T* __restrict__ y,
                  T* __restrict__ save_mean, T* __restrict__ save_invstd, BnShape s) {
  const int64_t count = s.count();
  for (int64_t c = blockIdx.x; c < s.channels; c += gridDim.x) {
    double total = 0;
    for (int64_t e = threadIdx.x; e < count; e += blockDim.x) total += double(x[offset(s, c, e)]);
    const double mean = block_sum(total) / static_cast<double>(count);
    double squares = 0;  // sum of squared deviations
    for (int64_t e = threadIdx.x; e < count; e += blockDim.x) {
      const double dev = double(x[offset(s, c, e)]) - mean;
      squares += dev * dev;
    }
    squares = block_sum(squares);
    const double invstd = 1.0 / sqrt(squares / static_cast<double>(count) + eps);
    if (threadIdx.x == 0) {
      save_mean[c] = static_cast<T>(mean);
      save_invstd[c] = static_cast<T>(invstd);
      if (running_mean)
        running_mean[c] = static_cast<T>((1 - momentum) * running_mean[c] + momentum * mean);
      if (running_var)
        running_var[c] = static_cast<T>((1 - momentum) * running_var[c] +
                                        momentum * squares / static_cast<double>(count - 1));
    }
    const auto map = BatchNormMap<T>::make(mean, invstd, weight ? double(weight[c]) : 1.0,
                                           bias ? bias[c] : T(0));
    for (int64_t e = threadIdx.x; e < count; e += blockDim.x) {
      const int64_t i = offset(s, c, e);
      y[i] = map(x[i]);
    }
  }
}

template <class T>
__global__ void forward_eval(const T* __restrict__ x, const T* __restrict__ weight,
                             const T* __restrict__ bias, const T* __restrict__ running_mean,
                             const T* __restrict__ running_var, double eps, T* __restrict__ y,
                             BnShape s) {
  const int64_t total = s.n_batch * s.channels * s.len;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t c = (i / s.len) % s.channels;
    const double invstd = 1.0 / sqrt(double(running_var[c]) + eps);
    y[i] = BatchNormMap<T>::make(running_mean[c], invstd, weight ? double(weight[c]) : 1.0,
                                 bias ? bias[c] : T(0))(x[i]);
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads)
    backward(const T* __restrict__ grad_y, const T* __restrict__ x, const T* __restrict__ weight,
             const T* __restrict__ mean, const T* __restrict__ invstd, bool training,
             T* __restrict__ grad_x, T* __restrict__ grad_weight, T* __restrict__ grad_bias,
             BnShape s) {
  const int64_t count = s.count();
  const bool need_sums = grad_weight || grad_bias || (grad_x && training);
  for (int64_t c = blockIdx.x; c < s.channels; c += gridDim.x) {
    const T mean_c = mean[c];
    const double invstd_c = invstd[c];
    double sum_g = 0, sum_g_dev = 0;  // sum(g), sum(g * (x - mean))
    if (need_sums) {
      for (int64_t e = threadIdx.x; e < count; e += blockDim.x) {
        const int64_t i = offset(s, c, e);
        sum_g += double(grad_y[i]);
        sum_g_dev += double(grad_y[i]) * (double(x[i]) - double(mean_c));
      }
      sum_g = block_sum(sum_g);
      sum_g_dev = block_sum(sum_g_dev);
    }
    if (threadIdx.x == 0) {
      if (grad_bias) grad_bias[c] += static_cast<T>(sum_g);
      if (grad_weight) grad_weight[c] += static_cast<T>(sum_g_dev * invstd_c);
    }
    if (!grad_x) continue;
    // grad_x += scale * (g - shift_g - (x - mean) * slope); in eval mode shift_g = slope = 0.
    const T scale = static_cast<T>(invstd_c * (weight ? double(weight[c]) : 1.0));
    const T shift_g = static_cast<T>(training ? sum_g / double(count) : 0.0);
    const T slope =
        static_cast<T>(training ? sum_g_dev * invstd_c * invstd_c / double(count) : 0.0);
    for (int64_t e = threadIdx.x; e < count; e += blockDim.x) {
      const int64_t i = offset(s, c, e);
      grad_x[i] += scale * (grad_y[i] - shift_g - (x[i] - mean_c) * slope);
    }
  }
}

// The array's data, or null for an undefined (optional) array.
template <class T>
T* data_or_null(const Array& a) {
  return a.defined() ? a.data<T>() : nullptr;
}

}  // namespace

void batchnorm_forward_train(const Array& x, const Array& weight, const Array& bias,
                             Array& running_mean, Array& running_var, double momentum, double eps,
                             Array& y, Array& save_mean, Array& save_invstd) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "batchnorm_forward_train";
  const BnShape s = bn_shape(check_batchnorm_forward_train(
      x, weight, bias, running_mean, running_var, y, save_mean, save_invstd));  // kernels/checks.h
  if (s.channels == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    launch(forward_train<T>, channel_blocks(s.channels), kThreads, 0, "batchnorm forward_train",
           op)(x.data<T>(), data_or_null<T>(weight), data_or_null<T>(bias),
               data_or_null<T>(running_mean), data_or_null<T>(running_var), momentum, eps,
               y.data<T>(), save_mean.data<T>(), save_invstd.data<T>(), s);
  });
}

void batchnorm_forward_eval(const Array& x, const Array& weight, const Array& bias,
                            const Array& running_mean, const Array& running_var, double eps,
                            Array& y) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "batchnorm_forward_eval";
  const BnShape s = bn_shape(check_batchnorm_forward_eval(x, weight, bias, running_mean,
                                                          running_var, y));  // kernels/checks.h
  if (x.numel() == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    launch(forward_eval<T>, blocks_for(x.numel()), kThreads, 0, "batchnorm forward_eval", op)(
        x.data<T>(), data_or_null<T>(weight), data_or_null<T>(bias), running_mean.data<T>(),
        running_var.data<T>(), eps, y.data<T>(), s);
  });
}

void batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight, const Array& mean,
                        const Array& invstd, bool training, Array* grad_x, Array* grad_weight,
                        Array* grad_bias) {
  const ScopedDevice on_device(grad_y.device().index);
  const char* op = "batchnorm_backward";
  const BnShape s = bn_shape(check_batchnorm_backward(grad_y, x, weight, mean, invstd, grad_x,
                                                      grad_weight, grad_bias));  // kernels/checks.h
  if (s.channels == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    launch(backward<T>, channel_blocks(s.channels), kThreads, 0, "batchnorm backward", op)(
        grad_y.data<T>(), x.data<T>(), data_or_null<T>(weight), mean.data<T>(), invstd.data<T>(),
        training, grad_x ? grad_x->data<T>() : nullptr,
        grad_weight ? grad_weight->data<T>() : nullptr, grad_bias ? grad_bias->data<T>() : nullptr,
        s);
  });
}

}  // namespace dnagrad::kernels::cuda
