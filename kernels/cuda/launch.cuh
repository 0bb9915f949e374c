// Shared by every kernels/cuda/*.cu: launch geometry and error checks.
// Every CUDA call and every kernel launch is checked; a failure throws dnagrad::Error naming the
// call (or kernel), the op and file:line.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/error.h"

namespace dnagrad::kernels::cuda {

constexpr int kThreads = 256;

// Enough blocks of kThreads for n elements, capped so grid-stride loops cover the rest.
inline unsigned blocks_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65535 ? (blocks > 0 ? blocks : 1) : 65535);
}

inline void check_cuda(cudaError_t status, const char* what, const char* op, const char* file,
                       int line) {
  if (status != cudaSuccess)
    ::dnagrad::fail(op, ": CUDA error in ", what, " at ", file, ":", line, ": ",
                    cudaGetErrorString(status));
}

}  // namespace dnagrad::kernels::cuda

// DNAGRAD_CUDA_CALL(cudaMemcpy(...), "op") and, right after a launch,
// DNAGRAD_CUDA_CHECK_LAUNCH("kernel_name", "op").
#define DNAGRAD_CUDA_CALL(call, op) \
  ::dnagrad::kernels::cuda::check_cuda((call), #call, op, __FILE__, __LINE__)
#define DNAGRAD_CUDA_CHECK_LAUNCH(kernel, op) \
  ::dnagrad::kernels::cuda::check_cuda(cudaGetLastError(), kernel, op, __FILE__, __LINE__)
