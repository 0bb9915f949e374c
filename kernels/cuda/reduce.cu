// Sum reductions on the GPU. Same contracts as kernels/reduce.h and kernels/cpu/reduce.cpp:
// reduce_sum ASSIGNS y; reduce_sum_backward ACCUMULATES (+=) into grad_x.
//
// Legend: over one dimension x is viewed as [outer, D, inner] (D = the summed dimension) and y
// as [outer, inner]; dim = -1 sums every element, i.e. outer = inner = 1 and D = numel.
//   reduce_sum:           y[o, i] = scale * sum_d x[o, d, i]        (sum in double, cast once)
//   reduce_sum_backward:  grad_x[o, d, i] += scale * grad_y[o, i]
//
// Determinism: no floating-point atomics. reduce_sum runs on segmented_sum.cuh, whose order of
// addition depends on the shapes only, so two runs give identical bits (and a reduction with few
// terms per output adds them in the CPU's order). An empty dimension gives sums of 0, which are
// written, as the CPU does. The backward is elementwise: one thread per grad_x element, no sums.
#include "kernels/checks.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/segmented_sum.cuh"
#include "kernels/layout.h"
#include "kernels/reduce.h"

namespace dnagrad::kernels::cuda {

namespace {

// Output j = o * inner + i sums x[o, d, i] over d (stride `inner`) and ASSIGNS y[j].
template <class T>
struct SumJob {
  const T* x;
  T* y;
  int64_t len, inner;
  double scale;

  __device__ int64_t base(int64_t j) const { return (j / inner) * len * inner + j % inner; }
  __device__ double term(int64_t offset, int64_t d) const { return double(x[offset + d * inner]); }
  __device__ void finish(int64_t j, double total) const { y[j] = static_cast<T>(scale * total); }
};

// grad_x[e] += g, the same g everywhere (dim = -1). g = T(scale * grad_y[0]), as on the CPU.
template <class T>
__global__ void add_everywhere(const T* __restrict__ grad_y, double scale, T* __restrict__ grad_x,
                               int64_t n) {
  const T g = static_cast<T>(scale * double(grad_y[0]));
  for (int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; e < n;
       e += int64_t{gridDim.x} * blockDim.x)
    grad_x[e] += g;
}

// grad_x[o, d, i] += s * grad_y[o, i] with s = T(scale), as on the CPU; e indexes grad_x.
template <class T>
__global__ void add_along_dim(const T* __restrict__ grad_y, T s, T* __restrict__ grad_x, int64_t n,
                              int64_t len, int64_t inner) {
  for (int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; e < n;
       e += int64_t{gridDim.x} * blockDim.x) {
    const int64_t i = e % inner, o = e / (inner * len);
    grad_x[e] += s * grad_y[o * inner + i];
  }
}

}  // namespace

void reduce_sum(const Array& x, int dim, double scale, Array& y) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "reduce_sum";
  check_reduce_sum(op, x, dim, y);
  const AroundDim v = around_dim(x.shape(), dim);
  dispatch_float(x.dtype(), op, [&]<class T>() {
    const SumJob<T> job{x.data<T>(), y.data<T>(), v.len, v.inner, scale};
    segmented_sum(job, v.outer * v.inner, v.len, x.device(), op);
  });
}

void reduce_sum_backward(const Array& grad_y, int dim, double scale, Array& grad_x) {
  const ScopedDevice on_device(grad_y.device().index);
  const char* op = "reduce_sum backward";
  check_reduce_sum(op, grad_x, dim, grad_y);
  const int64_t n = grad_x.numel();
  if (n == 0) return;
  dispatch_float(grad_x.dtype(), op, [&]<class T>() {
    if (dim == -1) {
      launch(add_everywhere<T>, blocks_for(n), kThreads, 0, "add_everywhere", op)(
          grad_y.data<T>(), scale, grad_x.data<T>(), n);
      return;
    }
    const AroundDim v = around_dim(grad_x.shape(), dim);
    launch(add_along_dim<T>, blocks_for(n), kThreads, 0, "add_along_dim", op)(
        grad_y.data<T>(), static_cast<T>(scale), grad_x.data<T>(), n, v.len, v.inner);
  });
}

}  // namespace dnagrad::kernels::cuda
