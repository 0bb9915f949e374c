// Axis permutation on the GPU. Same contract as kernels/permute.h and kernels/cpu/permute.cpp:
// y[i0, ..., ik] = x at the index whose dimension perm[j] is ij, so y.shape[j] = x.shape[perm[j]].
// ASSIGNS y, or ADDS to it when `accumulate` is true (the backward: the gradient permuted with
// the inverse permutation into grad_x).
//
// Kernel: one thread per element of y (grid-stride, 64-bit indices) walks y in row-major order,
// so writes are coalesced; it finds its x offset from y's index and the stride in x of each of
// y's dimensions. Reads are strided when the last dimension moves (a shared-memory tiled
// transpose would coalesce them too: the first thing to try if permute shows in a profile).
// To keep the per-element index arithmetic short, extent-1 dimensions are dropped and
// neighbours that are also neighbours in x are merged first ([N, C, L] with perm (0, 2, 1) stays
// 3-D, perm (0, 1, 2) becomes one contiguous run). Each element is written by one thread: no
// atomics, deterministic.
#include <vector>

#include "kernels/checks.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/permute.h"

namespace dnagrad::kernels::cuda {

namespace {

// Dimensions a permutation may have after dropping extent 1 and merging; more fails loudly.
constexpr int kMaxDims = 12;

// y's dimensions (outermost first) with each one's stride in x.
struct PermutePlan {
  int ndim = 0;
  int64_t extent[kMaxDims] = {};
  int64_t stride[kMaxDims] = {};
};

template <class T>
__global__ void permute_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, PermutePlan p,
                               bool accumulate) {
  for (int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; e < n;
       e += int64_t{gridDim.x} * blockDim.x) {
    int64_t offset = 0, rest = e;
    for (int d = p.ndim - 1; d > 0; --d) {
      offset += (rest % p.extent[d]) * p.stride[d];
      rest /= p.extent[d];
    }
    if (p.ndim > 0) offset += rest * p.stride[0];  // e < n, so rest < extent[0]: no division
    if (accumulate)
      y[e] += x[offset];
    else
      y[e] = x[offset];
  }
}

}  // namespace

void permute(const Array& x, const std::vector<int64_t>& perm, Array& y, bool accumulate) {
  const ScopedDevice on_device(x.device().index);
  check_permute(x, perm, y);
  const int64_t ndim = x.dim();
  const int64_t n = x.numel();
  if (n == 0) return;

  // y's dimensions with their strides in x, extent 1 dropped, x-contiguous neighbours merged.
  const std::vector<int64_t> x_strides = contiguous_strides(x.shape());
  PermutePlan plan;
  for (int64_t j = 0; j < ndim; ++j) {
    const int64_t extent = x.size(perm[j]), stride = x_strides[perm[j]];
    if (extent == 1) continue;
    if (plan.ndim > 0 && plan.stride[plan.ndim - 1] == stride * extent) {
      plan.extent[plan.ndim - 1] *= extent;
      plan.stride[plan.ndim - 1] = stride;
      continue;
    }
    DNAGRAD_CHECK(plan.ndim < kMaxDims, "permute: the CUDA kernel handles at most ", kMaxDims,
                  " dimensions (after merging neighbours and dropping extent 1), got ", x.desc(),
                  " with permutation ", shape_str(perm));
    plan.extent[plan.ndim] = extent;
    plan.stride[plan.ndim] = stride;
    ++plan.ndim;
  }
  dispatch_float(x.dtype(), "permute", [&]<class T>() {
    launch(permute_kernel<T>, blocks_for(n), kThreads, 0, "permute_kernel", "permute")(
        x.data<T>(), y.data<T>(), n, plan, accumulate);
  });
}

}  // namespace dnagrad::kernels::cuda
