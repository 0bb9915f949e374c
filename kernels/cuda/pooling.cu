// 1-D pooling on the GPU. Same contracts as kernels/pooling.h and kernels/cpu/pooling.cpp:
// forward functions ASSIGN y (and argmax); backward functions ACCUMULATE (+=) into grad_x.
//
// Legend: R = N*C independent rows, L input length, L_out output length, K kernel size.
// Output t of a row reads x[t*stride - padding + k*dilation], k = 0 .. K-1 (outside [0, L):
// padding, -inf for max, excluded or zero for avg).
//
// Kernels (256 threads, grid-stride): forward kernels use one thread per output element. The
// backward kernels never scatter with atomics: avg and adaptive-avg backward give each grad_x
// element one thread that gathers from the outputs whose window contains it, adding them in
// increasing t, the CPU's order (so the results match the CPU bit for bit). maxpool1d_backward
// gets no pooling parameters (only argmax), so it cannot tell which outputs may point at an
// input; it gives each row one thread that walks its outputs in order: race-free, deterministic,
// the CPU's order, but uncoalesced (the first thing to speed up if it shows in a profile).
#include <algorithm>

#include "core/device_checks.h"
#include "kernels/checks.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/pooling.h"

namespace dnagrad::kernels::cuda {

namespace {

// The parameters as plain values for the kernels.
struct PoolArgs {
  int64_t kernel, stride, padding, dilation;
  bool count_include_pad;
};
PoolArgs pool_args(const Pool1dParams& p) {
  return {p.kernel, p.stride, p.padding, p.dilation, p.count_include_pad};
}

#define GRID_STRIDE(i, total)                                                   \
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < (total); \
       i += int64_t{gridDim.x} * blockDim.x)

// ---- max ----

// Whether v replaces the best so far: strictly greater (the first maximum wins), or a NaN
// replacing a number (the first NaN wins) -- the CPU's rule.
template <class T>
__device__ inline bool max_takes(T v, T best) {
  return (best == best) & !(v <= best);
}

template <class T>
__global__ void maxpool_forward(const T* __restrict__ x, T* __restrict__ y,
                                int64_t* __restrict__ argmax, PoolExtents s, PoolArgs p) {
  GRID_STRIDE(e, s.rows * s.len_out) {
    const int64_t r = e / s.len_out, t = e % s.len_out;
    const T* x_r = x + r * s.len_in;
    const int64_t start = t * p.stride - p.padding;
    int64_t best_i = -1;
    T best = T(0);
    for (int64_t k = 0; k < p.kernel; ++k) {
      const int64_t i = start + k * p.dilation;
      if (i < 0 || i >= s.len_in) continue;  // padding: -inf never wins
      const T v = x_r[i];
      if (best_i < 0 || max_takes(v, best)) {
        best = v;
        best_i = i;
      }
    }
    y[e] = best;  // every window holds a real element (checked on the host)
    argmax[e] = best_i;
  }
}

// One thread per row, outputs in increasing t. An index outside [0, L) is skipped and lowers
// *first_bad to its element (a deferred check, core/device_checks.h).
template <class T>
__global__ void maxpool_backward(const T* __restrict__ grad_y, const int64_t* __restrict__ argmax,
                                 T* __restrict__ grad_x, PoolExtents s,
                                 unsigned long long* first_bad) {
  GRID_STRIDE(r, s.rows) {
    const T* gy_r = grad_y + r * s.len_out;
    const int64_t* arg_r = argmax + r * s.len_out;
    T* gx_r = grad_x + r * s.len_in;
    for (int64_t t = 0; t < s.len_out; ++t) {
      const int64_t i = arg_r[t];
      if (i < 0 || i >= s.len_in) {
        atomicMin(first_bad, static_cast<unsigned long long>(r * s.len_out + t));
        continue;
      }
      gx_r[i] += gy_r[t];
    }
  }
}

// ---- average ----

__device__ inline int64_t avg_divisor(int64_t start, const PoolArgs& p, int64_t len_in) {
  if (p.count_include_pad) return p.kernel;
  int64_t count = 0;
  for (int64_t k = 0; k < p.kernel; ++k) {
    const int64_t i = start + k * p.dilation;
    count += (i >= 0 && i < len_in);
  }
  return count;
}

template <class T>
__global__ void avgpool_forward(const T* __restrict__ x, T* __restrict__ y, PoolExtents s,
                                PoolArgs p) {
  GRID_STRIDE(e, s.rows * s.len_out) {
    const int64_t r = e / s.len_out, t = e % s.len_out;
    const T* x_r = x + r * s.len_in;
    const int64_t start = t * p.stride - p.padding;
    double total = 0;
    for (int64_t k = 0; k < p.kernel; ++k) {
      const int64_t i = start + k * p.dilation;
      if (i >= 0 && i < s.len_in) total += x_r[i];
    }
    y[e] = static_cast<T>(total / static_cast<double>(avg_divisor(start, p, s.len_in)));
  }
}

// One thread per grad_x element: output t's window holds i when i = t*stride - padding +
// k*dilation for some k, so t = (i + padding - k*dilation) / stride when that divides.
// k runs downwards so t runs upwards, as the CPU adds.
template <class T>
__global__ void avgpool_backward(const T* __restrict__ grad_y, T* __restrict__ grad_x,
                                 PoolExtents s, PoolArgs p) {
  GRID_STRIDE(e, s.rows * s.len_in) {
    const int64_t r = e / s.len_in, i = e % s.len_in;
    const T* gy_r = grad_y + r * s.len_out;
    T acc = grad_x[e];
    for (int64_t k = p.kernel - 1; k >= 0; --k) {
      const int64_t num = i + p.padding - k * p.dilation;
      if (num < 0 || num % p.stride != 0) continue;
      const int64_t t = num / p.stride;
      if (t >= s.len_out) continue;
      acc += gy_r[t] / static_cast<T>(avg_divisor(t * p.stride - p.padding, p, s.len_in));
    }
    grad_x[e] = acc;
  }
}

// ---- adaptive average ----

// PyTorch's bins: bin b of `out` over `len` is [floor(b*len/out), ceil((b+1)*len/out)).
__device__ inline int64_t bin_begin(int64_t b, int64_t len, int64_t out) { return b * len / out; }
__device__ inline int64_t bin_end(int64_t b, int64_t len, int64_t out) {
  return ((b + 1) * len + out - 1) / out;
}

template <class T>
__global__ void adaptive_forward(const T* __restrict__ x, T* __restrict__ y, PoolExtents s) {
  GRID_STRIDE(e, s.rows * s.len_out) {
    const int64_t r = e / s.len_out, b = e % s.len_out;
    const int64_t begin = bin_begin(b, s.len_in, s.len_out), end = bin_end(b, s.len_in, s.len_out);
    const T* x_r = x + r * s.len_in;
    double total = 0;
    for (int64_t j = begin; j < end; ++j) total += double(x_r[j]);
    y[e] = static_cast<T>(total / static_cast<double>(end - begin));
  }
}

// One thread per grad_x element j, gathering from the bins that hold it: those with
// end(b) > j (b >= floor(j*out/len)) and begin(b) <= j (b <= ((j+1)*out - 1) / len).
template <class T>
__global__ void adaptive_backward(const T* __restrict__ grad_y, T* __restrict__ grad_x,
                                  PoolExtents s) {
  GRID_STRIDE(e, s.rows * s.len_in) {
    const int64_t r = e / s.len_in, j = e % s.len_in;
    const T* gy_r = grad_y + r * s.len_out;
    const int64_t first = j * s.len_out / s.len_in;
    const int64_t last = min(s.len_out - 1, ((j + 1) * s.len_out - 1) / s.len_in);
    T acc = grad_x[e];
    for (int64_t b = first; b <= last; ++b) {
      const int64_t begin = bin_begin(b, s.len_in, s.len_out);
      const int64_t end = bin_end(b, s.len_in, s.len_out);
      if (j < begin || j >= end) continue;
      acc += gy_r[b] / static_cast<T>(end - begin);
    }
    grad_x[e] = acc;
  }
}

#undef GRID_STRIDE

}  // namespace

void maxpool1d_forward(const Array& x, Array& y, Array& argmax, const Pool1dParams& p) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "maxpool1d_forward";
  const PoolExtents s = check_pool1d(op, x, y, p);
  DNAGRAD_CHECK(
      argmax.shape() == y.shape() && argmax.dtype() == DType::I64 && argmax.device() == y.device(),
      op, ": expected argmax int64", shape_str(y.shape()), " like the output, got ", argmax.desc());
  if (y.numel() == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    launch(maxpool_forward<T>, blocks_for(y.numel()), kThreads, 0, "maxpool_forward", op)(
        x.data<T>(), y.data<T>(), argmax.data<int64_t>(), s, pool_args(p));
  });
}

void maxpool1d_backward(const Array& grad_y, const Array& argmax, Array& grad_x) {
  const ScopedDevice on_device(grad_y.device().index);
  const char* op = "maxpool1d_backward";
  DNAGRAD_CHECK(grad_y.dim() == 3 && grad_x.dim() == 3 && grad_x.size(0) == grad_y.size(0) &&
                    grad_x.size(1) == grad_y.size(1) && argmax.shape() == grad_y.shape() &&
                    argmax.dtype() == DType::I64 && argmax.device() == grad_y.device(),
                op, ": expected grad_y [N, C, L_out], argmax int64[N, C, L_out] and ",
                "grad_x [N, C, L], got ", grad_y.desc(), ", ", argmax.desc(), " and ",
                grad_x.desc());
  require_same_device_dtype(op, grad_y, {&grad_x});
  const PoolExtents s{grad_y.size(0) * grad_y.size(1), grad_x.size(2), grad_y.size(2)};
  if (grad_y.numel() == 0) return;
  // Indices outside [0, L) are reported at the next copy back to the host, without waiting for
  // the device here (core/device_checks.h).
  unsigned long long* first_bad = arm_device_check(
      grad_y.device().index,
      "maxpool1d_backward: an argmax index is outside [0, bound) of the input", s.len_in);
  dispatch_float(grad_y.dtype(), op, [&]<class T>() {
    launch(maxpool_backward<T>, blocks_for(s.rows), kThreads, 0, "maxpool_backward", op)(
        grad_y.data<T>(), argmax.data<int64_t>(), grad_x.data<T>(), s, first_bad);
  });
}

void avgpool1d_forward(const Array& x, Array& y, const Pool1dParams& p) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "avgpool1d_forward";
  const PoolExtents s = check_pool1d(op, x, y, p);
  if (y.numel() == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    launch(avgpool_forward<T>, blocks_for(y.numel()), kThreads, 0, "avgpool_forward", op)(
        x.data<T>(), y.data<T>(), s, pool_args(p));
  });
}

void avgpool1d_backward(const Array& grad_y, Array& grad_x, const Pool1dParams& p) {
  const ScopedDevice on_device(grad_y.device().index);
  const char* op = "avgpool1d_backward";
  const PoolExtents s = check_pool1d(op, grad_x, grad_y, p);
  if (grad_x.numel() == 0) return;
  dispatch_float(grad_y.dtype(), op, [&]<class T>() {
    launch(avgpool_backward<T>, blocks_for(grad_x.numel()), kThreads, 0, "avgpool_backward", op)(
        grad_y.data<T>(), grad_x.data<T>(), s, pool_args(p));
  });
}

void adaptive_avgpool1d_forward(const Array& x, Array& y) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "adaptive_avgpool1d_forward";
  const PoolExtents s = check_adaptive_pool1d(op, x, y);
  if (y.numel() == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    launch(adaptive_forward<T>, blocks_for(y.numel()), kThreads, 0, "adaptive_forward", op)(
        x.data<T>(), y.data<T>(), s);
  });
}

void adaptive_avgpool1d_backward(const Array& grad_y, Array& grad_x) {
  const ScopedDevice on_device(grad_y.device().index);
  const char* op = "adaptive_avgpool1d_backward";
  const PoolExtents s = check_adaptive_pool1d(op, grad_x, grad_y);
  if (grad_x.numel() == 0) return;
  dispatch_float(grad_y.dtype(), op, [&]<class T>() {
    launch(adaptive_backward<T>, blocks_for(grad_x.numel()), kThreads, 0, "adaptive_backward", op)(
        grad_y.data<T>(), grad_x.data<T>(), s);
  });
}

}  // namespace dnagrad::kernels::cuda
