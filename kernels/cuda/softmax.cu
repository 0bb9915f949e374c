// Softmax and log-softmax along one dimension on the GPU. Same contracts and formulas as
// kernels/softmax.h and kernels/cpu/softmax.cpp: softmax_forward ASSIGNS y, softmax_backward
// ACCUMULATES (+=) into grad_x.
//
// Legend: the array is viewed as [outer, D, inner] around `dim` (D = the softmax dimension). A
// "lane" is one softmax: the D elements base + d * inner (d < D) with
// base = o * D * inner + i for lane = o * inner + i. There are outer * inner lanes.
//   forward:  m = max_d x_d;  softmax y_d = e^(x_d - m) / sum e^(x - m)
//                             log_softmax y_d = (x_d - m) - log sum e^(x - m)
//   backward: softmax gx_d += y_d (gy_d - sum gy y);  log gx_d += gy_d - e^(y_d) sum gy
// As on the CPU, exponentials are taken in the array's type and the sums in double.
//
// Two kernels, chosen by D:
//   * D <= kShortLane: one thread per lane walks its D elements serially, in the CPU's order
//     (for inner > 1 neighbouring threads read neighbouring addresses, so loads coalesce).
//   * longer lanes: one block of kThreads per lane (grid-stride over lanes); the threads stride
//     over D and meet in fixed-order block trees for the max and the sums.
// Determinism: no atomics; every sum is a per-thread loop followed by a fixed tree
// (block_reduce.cuh), so repeated runs give identical bits.
#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/checks.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/launch.cuh"
#include "kernels/layout.h"
#include "kernels/softmax.h"

namespace dnagrad::kernels::cuda {

namespace {

// Lanes up to this long get one thread each; longer ones a block each.
constexpr int64_t kShortLane = 64;

// around_dim's [outer, D, inner] view (kernels/layout.h) with the lane arithmetic of the kernels.
struct Lanes : AroundDim {
  __host__ __device__ int64_t count() const { return outer * inner; }
  // Offset of element d = 0 of lane `lane`; element d is at base + d * inner.
  __host__ __device__ int64_t base(int64_t lane) const {
    return (lane / inner) * len * inner + lane % inner;
  }
};

Lanes lanes_around(const Shape& shape, int dim) { return {around_dim(shape, dim)}; }

unsigned lane_blocks(int64_t lanes) {
  return static_cast<unsigned>(std::clamp<int64_t>(lanes, 1, 65535));
}

// e^v in v's own type (expf for float, as std::exp on the CPU).
__device__ inline float exp_of(float v) { return expf(v); }
__device__ inline double exp_of(double v) { return exp(v); }

// Maximum of `value` over the block's kThreads threads, returned to every thread (same fixed
// tree as block_sum; every thread must call it). A NaN is skipped, like std::max on the CPU.
__device__ inline double block_max(double value) {
  DNAGRAD_SHARED(double, scratch, [kThreads]);
  scratch[threadIdx.x] = value;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) {
      const double other = scratch[threadIdx.x + half];
      if (scratch[threadIdx.x] < other) scratch[threadIdx.x] = other;
    }
    __syncthreads();
  }
  const double result = scratch[0];
  __syncthreads();
  return result;
}

// ---- one thread per lane (short lanes): the CPU loop, line for line ------------------------

template <class T>
__global__ void forward_thread_per_lane(const T* __restrict__ x, T* __restrict__ y, Lanes v,
                                        bool log) {
  for (int64_t lane = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; lane < v.count();
       lane += int64_t{gridDim.x} * blockDim.x) {
    const T* xs = x + v.base(lane);  // xs[d * inner], d < D
    T* ys = y + v.base(lane);
    T max = -INFINITY;
    for (int64_t d = 0; d < v.len; ++d) max = max < xs[d * v.inner] ? xs[d * v.inner] : max;
    double total = 0;
    for (int64_t d = 0; d < v.len; ++d) {
      const T e = exp_of(xs[d * v.inner] - max);  // in [0, 1]: T is precise enough
      total += e;
      if (!log) ys[d * v.inner] = e;  // assigned now, scaled below
    }
    if (log) {
      const double log_total = ::log(total);
      for (int64_t d = 0; d < v.len; ++d)
        ys[d * v.inner] = static_cast<T>(static_cast<double>(xs[d * v.inner] - max) - log_total);
    } else {
      const double inv_total = 1.0 / total;
      for (int64_t d = 0; d < v.len; ++d)
        ys[d * v.inner] = static_cast<T>(ys[d * v.inner] * inv_total);
    }
  }
}

template <class T>
__global__ void backward_thread_per_lane(const T* __restrict__ y, const T* __restrict__ grad_y,
                                         T* __restrict__ grad_x, Lanes v, bool log) {
  for (int64_t lane = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; lane < v.count();
       lane += int64_t{gridDim.x} * blockDim.x) {
    const T* ys = y + v.base(lane);
    const T* gy = grad_y + v.base(lane);
    T* gx = grad_x + v.base(lane);
    double total = 0;  // softmax: sum_d gy_d y_d; log_softmax: sum_d gy_d
    for (int64_t d = 0; d < v.len; ++d)
      total += log ? gy[d * v.inner] : static_cast<double>(gy[d * v.inner]) * ys[d * v.inner];
    for (int64_t d = 0; d < v.len; ++d) {
      const int64_t i = d * v.inner;
      const double term =
          log ? gy[i] - exp(static_cast<double>(ys[i])) * total : ys[i] * (gy[i] - total);
      gx[i] += static_cast<T>(term);  // accumulated
    }
  }
}

// ---- one block per lane (long lanes) --------------------------------------------------------

template <class T>
__global__ void __launch_bounds__(kThreads)
    forward_block_per_lane(const T* __restrict__ x, T* __restrict__ y, Lanes v, bool log) {
  for (int64_t lane = blockIdx.x; lane < v.count(); lane += gridDim.x) {
    const T* xs = x + v.base(lane);
    T* ys = y + v.base(lane);
    double local_max = -INFINITY;
    for (int64_t d = threadIdx.x; d < v.len; d += blockDim.x) {
      const double value = xs[d * v.inner];
      local_max = local_max < value ? value : local_max;
    }
    const T max = static_cast<T>(block_max(local_max));  // exact: it is one of the x_d
    double total = 0;
    for (int64_t d = threadIdx.x; d < v.len; d += blockDim.x) {
      const T e = exp_of(xs[d * v.inner] - max);
      total += e;
      if (!log) ys[d * v.inner] = e;  // this thread rescales its own elements below
    }
    total = block_sum(total);
    if (log) {
      const double log_total = ::log(total);
      for (int64_t d = threadIdx.x; d < v.len; d += blockDim.x)
        ys[d * v.inner] = static_cast<T>(static_cast<double>(xs[d * v.inner] - max) - log_total);
    } else {
      const double inv_total = 1.0 / total;
      for (int64_t d = threadIdx.x; d < v.len; d += blockDim.x)
        ys[d * v.inner] = static_cast<T>(ys[d * v.inner] * inv_total);
    }
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads)
    backward_block_per_lane(const T* __restrict__ y, const T* __restrict__ grad_y,
                            T* __restrict__ grad_x, Lanes v, bool log) {
  for (int64_t lane = blockIdx.x; lane < v.count(); lane += gridDim.x) {
    const T* ys = y + v.base(lane);
    const T* gy = grad_y + v.base(lane);
    T* gx = grad_x + v.base(lane);
    double total = 0;
    for (int64_t d = threadIdx.x; d < v.len; d += blockDim.x)
      total += log ? gy[d * v.inner] : static_cast<double>(gy[d * v.inner]) * ys[d * v.inner];
    total = block_sum(total);
    for (int64_t d = threadIdx.x; d < v.len; d += blockDim.x) {
      const int64_t i = d * v.inner;
      const double term =
          log ? gy[i] - exp(static_cast<double>(ys[i])) * total : ys[i] * (gy[i] - total);
      gx[i] += static_cast<T>(term);  // accumulated
    }
  }
}

}  // namespace

void softmax_forward(const Array& x, int dim, bool log, Array& y) {
  const ScopedDevice on_device(x.device().index);
  const char* name = softmax_name(log);
  check_softmax_forward(name, x, dim, y);
  if (x.numel() == 0) return;
  const Lanes v = lanes_around(x.shape(), dim);
  dispatch_float(x.dtype(), name, [&]<class T>() {
    if (v.len <= kShortLane) {
      launch(forward_thread_per_lane<T>, blocks_for(v.count()), kThreads, 0,
             "softmax forward_thread_per_lane", name)(x.data<T>(), y.data<T>(), v, log);
    } else {
      launch(forward_block_per_lane<T>, lane_blocks(v.count()), kThreads, 0,
             "softmax forward_block_per_lane", name)(x.data<T>(), y.data<T>(), v, log);
    }
  });
}

void softmax_backward(const Array& y, const Array& grad_y, int dim, bool log, Array& grad_x) {
  const ScopedDevice on_device(y.device().index);
  const std::string name = cat(softmax_name(log), " backward");
  const char* op = name.c_str();
  check_softmax_backward(op, y, grad_y, dim, grad_x);
  if (y.numel() == 0) return;
  const Lanes v = lanes_around(y.shape(), dim);
  dispatch_float(y.dtype(), op, [&]<class T>() {
    if (v.len <= kShortLane) {
      launch(backward_thread_per_lane<T>, blocks_for(v.count()), kThreads, 0,
             "softmax backward_thread_per_lane",
             op)(y.data<T>(), grad_y.data<T>(), grad_x.data<T>(), v, log);
    } else {
      launch(backward_block_per_lane<T>, lane_blocks(v.count()), kThreads, 0,
             "softmax backward_block_per_lane",
             op)(y.data<T>(), grad_y.data<T>(), grad_x.data<T>(), v, log);
    }
  });
}

}  // namespace dnagrad::kernels::cuda
