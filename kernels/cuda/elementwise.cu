// CUDA twins of kernels/cpu/elementwise.cpp (so far: the accumulation the backward engine uses
// for every leaf gradient). Same contracts as kernels/elementwise.h: dst is ACCUMULATED.
#include "kernels/cuda/launch.cuh"
#include "kernels/elementwise.h"

namespace dnagrad::kernels::cuda {

namespace {

// dst[i] += alpha * src[i], grid-stride over n elements.
template <class T>
__global__ void accumulate_kernel(T* dst, const T* src, T alpha, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x)
    dst[i] += alpha * src[i];
}

}  // namespace

void accumulate(Array& dst, const Array& src, double alpha) {
  DNAGRAD_CHECK(dst.numel() == src.numel() && dst.dtype() == src.dtype() &&
                    src.device() == dst.device(),
                "accumulate: cannot add ", src.desc(), " into ", dst.desc());
  const int64_t n = dst.numel();
  if (n == 0) return;
  dispatch_float(dst.dtype(), "accumulate", [&]<class T>() {
    accumulate_kernel<T><<<blocks_for(n), kThreads>>>(dst.data<T>(), src.data<T>(),
                                                      static_cast<T>(alpha), n);
    DNAGRAD_CUDA_CHECK_LAUNCH("accumulate_kernel", "accumulate");
  });
}

}  // namespace dnagrad::kernels::cuda
