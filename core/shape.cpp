#include "core/shape.h"

#include <algorithm>

#include "core/error.h"

namespace dnagrad {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t extent : shape) n *= extent;
  return n;
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

int normalize_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t d = dim < 0 ? dim + ndim : dim;
  DNAGRAD_CHECK(d >= 0 && d < ndim, op, ": dimension ", dim, " out of range for a ", ndim,
                "-D tensor");
  return static_cast<int>(d);
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t ea = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t eb = i < n - b.size() ? 1 : b[i - (n - b.size())];
    DNAGRAD_CHECK(ea == eb || ea == 1 || eb == 1, op, ": shapes ", shape_str(a), " and ",
                  shape_str(b), " cannot be broadcast together");
    out[i] = ea == 1 ? eb : ea;
  }
  return out;
}

}  // namespace dnagrad
