// Host-side index plans shared by the CPU and CUDA kernels (plain C++, usable from .cu files):
// the broadcast walk of the elementwise binary ops and the [outer, len, inner] view around one
// dimension used by reduce_sum and softmax.
#pragma once
#include <cstdint>
#include <vector>

#include "core/shape.h"

namespace dnagrad::kernels {

// ---- broadcasting ----
//
// Seen from out's index space, each input of a broadcasting binary op has the strides of its own
// layout with 0 along the dimensions where it has extent 1 (or is missing), so out element o
// reads a and b at offsets that are sums of index * stride over the dimensions.

// Strides of an input of shape `in` seen from out's index space (shapes aligned from the right;
// 0 where `in` is broadcast).
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// One dimension of a walk: its extent and the stride of out, a and b along it.
struct BroadcastDim {
  int64_t extent, out, a, b;
};

// Appends `dim` to `dims` (outermost first): dropped when its extent is 1, merged into the last
// dimension when all three strides continue it contiguously.
void push_broadcast_dim(std::vector<BroadcastDim>& dims, const BroadcastDim& dim);

// The walk over all of out (out contiguous): extent-1 dimensions dropped and neighbours merged,
// e.g. [N, C, L] + [C, L] walks as [N, C*L] with strides out (C*L, 1), a (C*L, 1), b (0, 1).
// Empty when out has no dimension of extent other than 1.
std::vector<BroadcastDim> broadcast_walk(const Shape& a, const Shape& b, const Shape& out);

// For the gradient of the input of shape `in` (a or b): out's dimensions split into `kept`
// (extent > 1 in the input too: row-major over them is the input's own flat index j) and
// `summed` (extent 1 in the input, more in out: the terms k each grad[j] adds up), each
// simplified as broadcast_walk's. Returns the number of terms per gradient element.
int64_t split_broadcast_walk(const Shape& in, const Shape& a, const Shape& b, const Shape& out,
                             std::vector<BroadcastDim>& kept, std::vector<BroadcastDim>& summed);

// ---- lanes around one dimension ----

// Views a shape as [outer, len, inner] around dimension `dim`: outer = product of the extents
// before it, len = its extent, inner = product of those after it. dim = -1 (reduce_sum's "every
// element") views it as [1, numel, 1].
struct AroundDim {
  int64_t outer = 1, len = 1, inner = 1;
};
inline AroundDim around_dim(const Shape& shape, int dim) {
  AroundDim v;
  if (dim == -1) {
    v.len = shape_numel(shape);
    return v;
  }
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    if (d < dim)
      v.outer *= shape[d];
    else if (d == dim)
      v.len = shape[d];
    else
      v.inner *= shape[d];
  }
  return v;
}

}  // namespace dnagrad::kernels
