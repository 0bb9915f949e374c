// Sum reductions on the CPU (mean = sum * 1/count, passed in as `scale`).
//
// Legend: over one dimension the array is viewed as [outer, D, inner] (D = the summed dimension)
// and y as [outer, inner]; dim = -1 sums every element into y's single element. Sums are taken
// in double, in a fixed order, so results do not depend on the thread count.
// reduce_sum ASSIGNS y; reduce_sum_backward ADDS to grad_x.
#include "kernels/reduce.h"

#include "kernels/checks.h"
#include "kernels/cpu/parallel.h"
#include "kernels/layout.h"

namespace dnagrad::kernels::cpu {

namespace {

// Output columns one task sums at once (its double accumulators live on the stack).
constexpr int64_t kColumns = 256;

}  // namespace

void reduce_sum(const Array& x, int dim, double scale, Array& y) {
  check_reduce_sum("reduce_sum", x, dim, y);
  dispatch_float(x.dtype(), "reduce_sum", [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    if (dim == -1) {
      py[0] =
          static_cast<T>(scale * deterministic_sum(x.numel(), 1, [&](int64_t i) { return px[i]; }));
      return;
    }
    const AroundDim v = around_dim(x.shape(), dim);
    // One task: outer row o, output columns [begin, end), summing down D contiguous rows.
    const int64_t blocks = (v.inner + kColumns - 1) / kColumns;
    parallel_for(v.outer * blocks, v.len * std::min(v.inner, kColumns), [&](int64_t task) {
      const int64_t o = task / blocks, begin = (task % blocks) * kColumns;
      const int64_t width = std::min(v.inner, begin + kColumns) - begin;
      double acc[kColumns] = {};
      for (int64_t d = 0; d < v.len; ++d) {
        const T* row = px + (o * v.len + d) * v.inner + begin;
        for (int64_t i = 0; i < width; ++i) acc[i] += row[i];
      }
      for (int64_t i = 0; i < width; ++i)
        py[o * v.inner + begin + i] = static_cast<T>(scale * acc[i]);
    });
  });
}

void reduce_sum_backward(const Array& grad_y, int dim, double scale, Array& grad_x) {
  check_reduce_sum("reduce_sum backward", grad_x, dim, grad_y);
  dispatch_float(grad_x.dtype(), "reduce_sum backward", [&]<class T>() {
    const T* gy = grad_y.data<T>();
    T* gx = grad_x.data<T>();
    if (dim == -1) {
      const T g = static_cast<T>(scale * gy[0]);
      parallel_chunks(grad_x.numel(), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) gx[i] += g;
      });
      return;
    }
    const AroundDim v = around_dim(grad_x.shape(), dim);
    const T s = static_cast<T>(scale);
    parallel_for(v.outer * v.len, v.inner, [&](int64_t row) {  // row = o * D + d
      const T* from = gy + (row / v.len) * v.inner;
      T* to = gx + row * v.inner;
      for (int64_t i = 0; i < v.inner; ++i) to[i] += s * from[i];
    });
  });
}

}  // namespace dnagrad::kernels::cpu
