// The device side of the emulation build (-DDNAGRAD_CUDA=EMULATE): what lets the unmodified
// kernels of kernels/cuda/*.cu compile as host C++ and run on the CPU, thread by thread.
// Included through kernels/cuda/launch.cuh only; the runtime half is core/emulated_runtime.h.
//
// How a launch runs (simt_emulation.cpp):
//   - Blocks run one after another, in forward, reverse or seeded-shuffle order.
//   - A block's threads are cooperative fibers (own stacks, an x86-64 context switch) that run one at a time, in
//     the chosen order, each until it reaches __syncthreads() or returns. When every thread waits
//     at the barrier, the next round starts (in a new order when shuffling). So a missing barrier
//     shows up as a read of data another thread has not written yet, in some order.
//   - A block whose first thread finishes without reaching any barrier runs its other threads as
//     plain calls (fast); a barrier reached by one of them then is barrier divergence.
//   - Barrier divergence is an error naming the kernel: a thread returns while others wait, or
//     threads wait at different __syncthreads() calls.
//   - Shared memory (DNAGRAD_SHARED, DNAGRAD_DYNAMIC_SHARED) is allocated per block at its exact
//     size and filled with 0xFF bytes (NaN), so AddressSanitizer sees overruns and reads of
//     unstaged values are NaN. Static + dynamic shared memory above 48 KiB is an error, as is a
//     launch past the hardware limits (1024 threads a block, grid y/z above 65535).
//   - Every pointer argument of a kernel must lie in a live device allocation of the current
//     device (core/emulated_runtime.h): a host pointer, a freed block or another device's memory
//     is an error naming the kernel and the argument.
//
// Environment:
//   DNAGRAD_EMULATE_ORDER       forward (default), reverse or shuffle: the order of blocks and of
//                               threads between barriers.
//   DNAGRAD_EMULATE_SEED        the shuffle's seed (default 1); printed in every error.
//   DNAGRAD_EMULATE_MAX_BLOCKS  caps the grids of grid-stride kernels (grid_stride_blocks in
//                               launch.cuh) so that their loops take several turns.
//
// What it cannot see: warp-synchronous behaviour (there are no warps), the memory model (threads
// never run at the same time), FMA contraction and the device math library's accuracy, speed.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <source_location>
#include <tuple>
#include <type_traits>

#include "core/emulated_runtime.h"

// ---- qualifiers: no meaning on the host ----------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
// Shared memory must be declared through DNAGRAD_SHARED / DNAGRAD_DYNAMIC_SHARED (launch.cuh) so
// the emulation can give each block its own: a bare __shared__ is a compile error here.
#define __shared__ __shared___is_not_emulated__declare_it_with_DNAGRAD_SHARED

// ---- the thread's coordinates: set by the executor before it resumes a thread --------------------
extern uint3 threadIdx;
extern uint3 blockIdx;
extern dim3 blockDim;
extern dim3 gridDim;

#define __syncthreads() ::dnagrad::emulation::syncthreads(__FILE__, __LINE__)

// Device-side min/max of CUDA's math library, for operands of one type (mixed types are a compile
// error, where CUDA would convert silently).
template <class T>
inline T min(T a, T b) {
  return b < a ? b : a;
}
template <class T>
inline T max(T a, T b) {
  return a < b ? b : a;
}

// The one atomic the kernels use (integer atomicMin). Threads never run at the same time here,
// so a read-modify-write is atomic. Any other atomic is a compile error until a kernel needs it;
// floating-point ones are absent on purpose: dnagrad's reductions use a fixed order.
template <class T>
  requires std::is_integral_v<T>
inline T atomicMin(T* address, T value) {
  const T old = *address;
  if (value < old) *address = value;
  return old;
}

namespace dnagrad::emulation {

// Where a kernel was launched, for messages.
struct KernelSite {
  const char* kernel;  // e.g. "conv1d forward_tiled"
  const char* op;      // the dnagrad op that launched it
  std::source_location where;
};

// Runs body(context) once for every thread of the grid, as described above. Throws Error on a
// launch past the limits, barrier divergence, or whatever a thread throws.
void run_grid(const KernelSite& site, dim3 grid, dim3 block, size_t dynamic_shared_bytes,
              void (*body)(void*), void* context);

// Throws unless `ptr` (argument `index` of the kernel) is null or in a live allocation of the
// current device.
void check_kernel_pointer(const KernelSite& site, int index, const void* ptr);

// The barrier (the __syncthreads() macro).
void syncthreads(const char* file, int line);

// This block's copy of the shared array declared at `key` (one per declaration), `bytes` long;
// and the block's dynamic shared memory.
void* block_shared(const void* key, size_t bytes);
void* dynamic_shared();

// DNAGRAD_EMULATE_MAX_BLOCKS, or 0 for no cap.
unsigned max_grid_stride_blocks();

// The schedule every launch follows; starts from the environment variables above, and tests may
// change it between launches.
enum class Order { Forward, Reverse, Shuffle };
struct Schedule {
  Order order = Order::Forward;
  uint64_t seed = 1;
  unsigned max_blocks = 0;  // cap on grid_stride_blocks; 0: none
};
Schedule schedule();
void set_schedule(const Schedule& s);

// Runs `kernel` with `args` converted to its parameter types, as a launch does, after checking
// its pointer arguments.
template <class... Params, class... Args>
void launch_kernel(const KernelSite& site, void (*kernel)(Params...), dim3 grid, dim3 block,
                   size_t shared_bytes, Args&&... args) {
  using Call = std::pair<void (*)(Params...), std::tuple<Params...>>;
  Call call{kernel, std::tuple<Params...>(std::forward<Args>(args)...)};
  int index = 0;
  std::apply(
      [&](const auto&... param) {
        auto check = [&](const auto& p) {
          if constexpr (std::is_pointer_v<std::decay_t<decltype(p)>>)
            check_kernel_pointer(site, index, static_cast<const void*>(p));
          ++index;
        };
        (check(param), ...);
      },
      call.second);
  run_grid(
      site, grid, block, shared_bytes,
      [](void* context) {
        auto& c = *static_cast<Call*>(context);
        std::apply(c.first, c.second);  // every thread gets its own copy of the arguments
      },
      &call);
}

}  // namespace dnagrad::emulation
