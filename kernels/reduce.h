// Sum reductions (mean is a sum times 1/count), over every element or over one dimension.
#pragma once
#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

namespace cpu {
void reduce_sum(const Array& x, int dim, double scale, Array& y);
void reduce_sum_backward(const Array& grad_y, int dim, double scale, Array& grad_x);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {  // the same contracts, for arrays on a CUDA device (kernels/cuda/reduce.cu)
void reduce_sum(const Array& x, int dim, double scale, Array& y);
void reduce_sum_backward(const Array& grad_y, int dim, double scale, Array& grad_x);
}  // namespace cuda
#endif

// y = scale * sum of x over `dim` (dim = -1: over every element, y has one element).
// y holds x's shape without `dim` (a keepdim shape has the same memory layout). Accumulates in
// double. Assigns.
inline void reduce_sum(const Array& x, int dim, double scale, Array& y) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::reduce_sum(x, dim, scale, y);
#endif
  require_cpu(x, "reduce_sum");
  cpu::reduce_sum(x, dim, scale, y);
}
// grad_x += scale * grad_y broadcast back along `dim` (or everywhere for dim = -1). Accumulates.
inline void reduce_sum_backward(const Array& grad_y, int dim, double scale, Array& grad_x) {
#ifdef DNAGRAD_WITH_CUDA
  if (grad_y.device().is_cuda()) return cuda::reduce_sum_backward(grad_y, dim, scale, grad_x);
#endif
  require_cpu(grad_y, "reduce_sum_backward");
  cpu::reduce_sum_backward(grad_y, dim, scale, grad_x);
}

}  // namespace dnagrad::kernels
