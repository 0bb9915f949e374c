// Inverted dropout on the GPU. Same contract as kernels/dropout.h and kernels/cpu/dropout.cpp:
// ASSIGNS mask (0 or 1/(1-p)) and y = x * mask, both x's shape; advances gen by ceil(n / 4)
// Philox blocks, exactly as the CPU does.
//
// The mask is bit for bit the CPU's for the same generator state: element i uses uniform_i, lane
// i % 4 of the Philox block at counter (offset + i / 4) keyed by the seed, computed by the very
// same code (core/philox.h, compiled for host and device), and compared with keep = 1 - p in
// double as on the CPU. The scale 1/keep is rounded to T on the host once.
//
// Kernel: one thread per Philox block (grid-stride, 64-bit indices) computes the block once and
// writes its up to four elements. No reductions, so nothing here depends on thread order.
#include "core/philox.h"
#include "kernels/checks.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/dropout.h"

namespace dnagrad::kernels::cuda {

namespace {

// For each Philox block b < ceil(n / 4): elements 4b .. min(n, 4b + 4) - 1.
//   mask[i] = uniform_i < keep ? scale : 0,  y[i] = x[i] * mask[i]   (both assigned)
template <class T>
__global__ void dropout_kernel(const T* __restrict__ x, T* __restrict__ mask, T* __restrict__ y,
                               int64_t n, uint64_t seed, uint64_t first_block, double keep,
                               T scale) {
  const int64_t n_blocks = (n + 3) / 4;
  for (int64_t b = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; b < n_blocks;
       b += int64_t{gridDim.x} * blockDim.x) {
    const PhiloxBlock bits = philox4x32_block(seed, first_block + static_cast<uint64_t>(b), 0);
    const int64_t end = n < 4 * b + 4 ? n : 4 * b + 4;
    for (int64_t i = 4 * b; i < end; ++i) {
      const T m = uint_to_unit_float(bits.word[i % 4]) < keep ? scale : T(0);
      mask[i] = m;
      y[i] = x[i] * m;
    }
  }
}

}  // namespace

void dropout_forward(const Array& x, double p, Generator& gen, Array& mask, Array& y) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "dropout";
  check_dropout(x, p, mask, y);
  const int64_t n = x.numel();
  const int64_t n_blocks = (n + 3) / 4;
  const uint64_t seed = gen.seed(), first = gen.offset();
  gen.set_offset(first + static_cast<uint64_t>(n_blocks));  // as the CPU: even when n == 0
  if (n == 0) return;
  const double keep = 1 - p;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    launch(dropout_kernel<T>, blocks_for(n_blocks), kThreads, 0, "dropout_kernel", op)(
        x.data<T>(), mask.data<T>(), y.data<T>(), n, seed, first, keep, static_cast<T>(1 / keep));
  });
}

}  // namespace dnagrad::kernels::cuda
