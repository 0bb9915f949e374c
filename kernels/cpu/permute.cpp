// Axis permutation on the CPU: y[i0, ..., ik] = x at the index whose dimension perm[j] is ij,
// so y.shape[j] = x.shape[perm[j]]. Materialised as a new contiguous array.
//
// y is walked in row-major order, one row of its last dimension at a time (rows in parallel);
// along a row x is read with the stride of x's dimension perm[last].
// ASSIGNS y, or ADDS to it when `accumulate` is true (the backward: permute the gradient with
// the inverse permutation into grad_x).
#include "kernels/permute.h"

#include "kernels/checks.h"
#include "kernels/cpu/parallel.h"

namespace dnagrad::kernels::cpu {

void permute(const Array& x, const std::vector<int64_t>& perm, Array& y, bool accumulate) {
  check_permute(x, perm, y);
  const int64_t ndim = x.dim();
  if (x.numel() == 0) return;
  const std::vector<int64_t> x_strides = contiguous_strides(x.shape());
  std::vector<int64_t> stride(ndim);  // stride in x of each of y's dimensions
  for (int64_t j = 0; j < ndim; ++j) stride[j] = x_strides[perm[j]];
  const int64_t inner = ndim ? y.size(-1) : 1;
  const int64_t step = ndim ? stride.back() : 0;
  dispatch_float(x.dtype(), "permute", [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    parallel_for(y.numel() / inner, inner, [&](int64_t row) {
      int64_t offset = 0, rest = row;
      for (int64_t j = ndim - 2; j >= 0; --j) {
        offset += (rest % y.shape()[j]) * stride[j];
        rest /= y.shape()[j];
      }
      T* out = py + row * inner;
      if (accumulate)
        for (int64_t i = 0; i < inner; ++i) out[i] += px[offset + i * step];
      else
        for (int64_t i = 0; i < inner; ++i) out[i] = px[offset + i * step];
    });
  });
}

}  // namespace dnagrad::kernels::cpu
