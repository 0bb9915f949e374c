// Deterministic block-wide sums for kernels/cuda/*.cu: every thread contributes one double and
// the block adds them in a fixed tree order, so a given launch shape gives identical bits on
// every run (no atomics on floating point anywhere).
#pragma once
#include "kernels/cuda/launch.cuh"

namespace dnagrad::kernels::cuda {

// Sum of `value` over the kThreads threads of the block, returned to every thread. Every thread
// of the block must call it (it synchronises); blockDim.x must be kThreads.
__device__ inline double block_sum(double value) {
  DNAGRAD_SHARED(double, scratch, [kThreads]);
  scratch[threadIdx.x] = value;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) scratch[threadIdx.x] += scratch[threadIdx.x + half];
    __syncthreads();
  }
  const double total = scratch[0];
  __syncthreads();  // the next call may overwrite scratch
  return total;
}

}  // namespace dnagrad::kernels::cuda
