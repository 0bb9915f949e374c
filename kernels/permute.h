// Permutation of axes: y = x with dimensions reordered, y.shape[i] = x.shape[perm[i]],
// materialised as a new contiguous array (dnagrad has no strided views).
#pragma once
#include <vector>

#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

namespace cpu {
void permute(const Array& x, const std::vector<int64_t>& perm, Array& y, bool accumulate);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {  // the same contract, for arrays on a CUDA device (kernels/cuda/permute.cu)
void permute(const Array& x, const std::vector<int64_t>& perm, Array& y, bool accumulate);
}  // namespace cuda
#endif

// Assigns y (or adds into it when `accumulate`). Backward is the same call with the inverse
// permutation and accumulate = true.
inline void permute(const Array& x, const std::vector<int64_t>& perm, Array& y,
                    bool accumulate = false) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::permute(x, perm, y, accumulate);
#endif
  require_cpu(x, "permute");
  cpu::permute(x, perm, y, accumulate);
}

}  // namespace dnagrad::kernels
