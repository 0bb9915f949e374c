// Shared by every kernels/cuda/*.cu: launch geometry, the one launch function, shared-memory
// declarations and error checks. Every CUDA call and every kernel launch is checked; a failure
// throws dnagrad::Error naming the call (or kernel), the op and file:line.
//
// The same text builds two ways: with nvcc for a GPU, and as host C++ in the emulation build
// (-DDNAGRAD_CUDA=EMULATE, kernels/cuda/simt_emulation.h), where kernels run on the CPU. That is
// why kernels are launched with launch(...)(args) rather than <<<...>>>, and declare shared memory
// with DNAGRAD_SHARED / DNAGRAD_DYNAMIC_SHARED rather than __shared__.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <source_location>
#include <utility>

#include "core/cuda_api.h"
#include "core/cuda_runtime.h"
#include "core/device_checks.h"
#include "core/error.h"

#if defined(DNAGRAD_CUDA_EMULATE)
#include "kernels/cuda/simt_emulation.h"
#endif

namespace dnagrad::kernels::cuda {

constexpr int kThreads = 256;

// The grid of a grid-stride kernel that wants `blocks` blocks: at most 65535 (its loops cover the
// rest), and in the emulation build at most DNAGRAD_EMULATE_MAX_BLOCKS, so that tests can make
// the loops take several turns. Only for kernels whose every loop strides by gridDim.
inline unsigned grid_stride_blocks(int64_t blocks) {
  int64_t cap = 65535;
#if defined(DNAGRAD_CUDA_EMULATE)
  if (const unsigned emulated_cap = emulation::max_grid_stride_blocks(); emulated_cap > 0)
    cap = emulated_cap;
#endif
  return static_cast<unsigned>(blocks < cap ? (blocks > 0 ? blocks : 1) : cap);
}

// Enough blocks of kThreads for n elements, for a grid-stride loop over them.
inline unsigned blocks_for(int64_t n) { return grid_stride_blocks((n + kThreads - 1) / kThreads); }

inline void check_cuda(cudaError_t status, const char* what, const char* op, const char* file,
                       int line) {
  if (status != cudaSuccess)
    ::dnagrad::fail(op, ": CUDA error in ", what, " at ", file, ":", line, ": ",
                    cudaGetErrorString(status));
}

// DNAGRAD_CUDA_SYNC=1: wait for every kernel right after its launch, so a fault inside a kernel is
// reported under that kernel's name instead of at the next synchronising call, and so are the
// deferred checks of core/device_checks.h. For debugging (and the GPU check's test run).
inline bool sync_after_launch() {
  static const bool on = [] {
    const char* env = std::getenv("DNAGRAD_CUDA_SYNC");
    return env != nullptr && env[0] == '1' && env[1] == '\0';
  }();
  return on;
}

// Kernels run on the current device. So every public function of kernels/cuda/*.cu starts with
//   const ScopedDevice on_device(x.device().index);
// for its first operand x: arrays on cuda:1 are computed on cuda:1 whatever the caller's current
// device, and the caller's is restored after. (The emulation build checks at every launch that
// each pointer argument lives on the current device.)
//
// launch(kernel, grid, block, shared_bytes, "name", op)(args...) is kernel<<<grid, block,
// shared_bytes>>>(args...) followed by the launch check; "name" and op label its errors.
template <class... Params>
struct Launch {
  void (*kernel)(Params...);
  dim3 grid, block;
  size_t shared_bytes;
  const char* name;
  const char* op;
  std::source_location where;

  template <class... Args>
  void operator()(Args&&... args) const {
#if defined(DNAGRAD_CUDA_EMULATE)
    emulation::launch_kernel({name, op, where}, kernel, grid, block, shared_bytes,
                             std::forward<Args>(args)...);
#else
    // clang-format off (it would split the launch brackets)
    kernel<<<grid, block, shared_bytes>>>(std::forward<Args>(args)...);
    // clang-format on
    check_cuda(cudaGetLastError(), name, op, where.file_name(), where.line());
    if (sync_after_launch()) {  // debugging: wait, and report the deferred checks too
      check_cuda(cudaDeviceSynchronize(), name, op, where.file_name(), where.line());
      int device = 0;
      check_cuda(cudaGetDevice(&device), name, op, where.file_name(), where.line());
      check_device_errors(device);
    }
#endif
  }
};

template <class... Params>
Launch<Params...> launch(void (*kernel)(Params...), dim3 grid, dim3 block, size_t shared_bytes,
                         const char* name, const char* op,
                         std::source_location where = std::source_location::current()) {
  return {kernel, grid, block, shared_bytes, name, op, where};
}

}  // namespace dnagrad::kernels::cuda

// DNAGRAD_CUDA_CALL(cudaMemcpy(...), "op").
#define DNAGRAD_CUDA_CALL(call, op) \
  ::dnagrad::kernels::cuda::check_cuda((call), #call, op, __FILE__, __LINE__)

// Shared memory, one copy per block:
//   DNAGRAD_SHARED(double, scratch, [kThreads]);   is   __shared__ double scratch[kThreads];
//   DNAGRAD_DYNAMIC_SHARED(unsigned char, raw);    is   extern __shared__ __align__(16)
//                                                       unsigned char raw[];
// (the launch's shared_bytes). In the emulation build each block gets exact-size, NaN-filled
// buffers (kernels/cuda/simt_emulation.h).
#if defined(DNAGRAD_CUDA_EMULATE)
#define DNAGRAD_SHARED(type, name, extents)            \
  static char name##_shared_key_;                      \
  type(&name) extents = *static_cast<type(*) extents>( \
      ::dnagrad::emulation::block_shared(&name##_shared_key_, sizeof(type extents)))
#define DNAGRAD_DYNAMIC_SHARED(type, name) \
  type* name = static_cast<type*>(::dnagrad::emulation::dynamic_shared())
#else
#define DNAGRAD_SHARED(type, name, extents) __shared__ type name extents
#define DNAGRAD_DYNAMIC_SHARED(type, name) extern __shared__ __align__(16) type name[]
#endif
