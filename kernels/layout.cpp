#include "kernels/layout.h"

namespace dnagrad::kernels {

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> strides(out.size(), 0);
  const size_t lead = out.size() - in.size();
  int64_t stride = 1;
  for (size_t i = in.size(); i-- > 0;) {
    strides[lead + i] = in[i] == 1 ? 0 : stride;
    stride *= in[i];
  }
  return strides;
}

void push_broadcast_dim(std::vector<BroadcastDim>& dims, const BroadcastDim& dim) {
  if (dim.extent == 1) return;
  if (!dims.empty()) {
    BroadcastDim& last = dims.back();
    if (last.out == dim.out * dim.extent && last.a == dim.a * dim.extent &&
        last.b == dim.b * dim.extent) {
      last.extent *= dim.extent;
      last.out = dim.out;
      last.a = dim.a;
      last.b = dim.b;
      return;
    }
  }
  dims.push_back(dim);
}

std::vector<BroadcastDim> broadcast_walk(const Shape& a, const Shape& b, const Shape& out) {
  const std::vector<int64_t> sa = broadcast_strides(a, out), sb = broadcast_strides(b, out);
  const std::vector<int64_t> so = contiguous_strides(out);
  std::vector<BroadcastDim> dims;
  for (size_t d = 0; d < out.size(); ++d) push_broadcast_dim(dims, {out[d], so[d], sa[d], sb[d]});
  return dims;
}

int64_t split_broadcast_walk(const Shape& in, const Shape& a, const Shape& b, const Shape& out,
                             std::vector<BroadcastDim>& kept, std::vector<BroadcastDim>& summed) {
  const std::vector<int64_t> sa = broadcast_strides(a, out), sb = broadcast_strides(b, out);
  const std::vector<int64_t> so = contiguous_strides(out);
  const size_t lead = out.size() - in.size();
  int64_t terms = 1;
  for (size_t d = 0; d < out.size(); ++d) {
    const int64_t in_extent = d < lead ? 1 : in[d - lead];
    const BroadcastDim dim{out[d], so[d], sa[d], sb[d]};
    if (in_extent == 1 && out[d] != 1) {
      push_broadcast_dim(summed, dim);
      terms *= out[d];
    } else {
      push_broadcast_dim(kept, dim);
    }
  }
  return terms;
}

}  // namespace dnagrad::kernels
