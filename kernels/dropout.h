// Inverted dropout: each element is kept with probability 1 - p and scaled by 1 / (1 - p), so
// the expected output equals the input and evaluation needs no rescaling.
// The keep decisions come from the counter-based Generator (core/rng.h): element i uses the
// stream's i-th uniform, so a CUDA kernel can draw the same mask.
#pragma once
#include "core/array.h"
#include "core/rng.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

namespace cpu {
void dropout_forward(const Array& x, double p, Generator& gen, Array& mask, Array& y);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {  // kernels/cuda/dropout.cu: the same mask, bit for bit, for the same gen state
void dropout_forward(const Array& x, double p, Generator& gen, Array& mask, Array& y);
}  // namespace cuda
#endif

// Assigns mask (0 or 1/(1-p), x's shape and dtype) and y = x * mask; advances gen.
// Backward is grad_x += grad_y * mask (accumulate_product).
inline void dropout_forward(const Array& x, double p, Generator& gen, Array& mask, Array& y) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::dropout_forward(x, p, gen, mask, y);
#endif
  require_cpu(x, "dropout_forward");
  cpu::dropout_forward(x, p, gen, mask, y);
}

}  // namespace dnagrad::kernels
