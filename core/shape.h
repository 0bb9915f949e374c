// Shapes are plain vectors of extents, outermost first (row-major). Every dnagrad tensor is
// contiguous, so strides follow from the shape: the last dimension has stride 1.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dnagrad {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
std::vector<int64_t> contiguous_strides(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[64, 4, 2000]"

// Maps a possibly negative dimension index (Python style, -1 = last) into [0, ndim);
// throws naming `op` when out of range.
int normalize_dim(int64_t dim, int64_t ndim, const char* op);

// Shape of broadcasting a with b (NumPy rules: align from the right, 1 stretches);
// throws naming `op` and both shapes when they are incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace dnagrad
