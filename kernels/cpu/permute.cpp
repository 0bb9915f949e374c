// Axis permutation on the CPU: y[i0, ..., ik] = x at the index whose dimension perm[j] is ij,
// so y.shape[j] = x.shape[perm[j]]. Materialised as a new contiguous array.
//
// y is walked in row-major order, one row of its last dimension at a time (rows in parallel);
// along a row x is read with the stride of x's dimension perm[last].
// ASSIGNS y, or ADDS to it when `accumulate` is true (the backward: permute the gradient with
// the inverse permutation into grad_x).
#include "kernels/cpu/parallel.h"
#include "kernels/permute.h"

namespace dnagrad::kernels::cpu {

void permute(const Array& x, const std::vector<int64_t>& perm, Array& y, bool accumulate) {
  require_same_device_dtype("permute", x, {&y});
  const int64_t ndim = x.dim();
  DNAGRAD_CHECK(static_cast<int64_t>(perm.size()) == ndim, "permute: ", perm.size(),
        " dimensions given for ", x.desc());
  std::vector<bool> seen(ndim, false);
  bool valid = true;
  Shape expected;
  for (int64_t d : perm) {
    valid = valid && d >= 0 && d < ndim && !seen[d];
    if (!valid) break;
    seen[d] = true;
    expected.push_back(x.size(d));
  }
  DNAGRAD_CHECK(valid, "permute: ", shape_str(perm), " is not a permutation of the dimensions of ",
        x.desc());
  DNAGRAD_CHECK(y.shape() == expected, "permute: output ", y.desc(), " should have shape ",
        shape_str(expected), " to hold ", x.desc(), " permuted");
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
