// NumPy .npy files (format version 1.0), so arrays such as ISM scores load with numpy.load.
//
// The layout (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
//   bytes [0, 6)    the magic string "\x93NUMPY"
//   bytes [6, 8)    the format version: major 1, minor 0
//   bytes [8, 10)   H, the header's length, an unsigned 16-bit little-endian integer
//   bytes [10, 10 + H)  a Python dict literal, padded with spaces and ended by '\n' so that
//                   10 + H is a multiple of 64:
//                     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 4, 300), }
//   bytes [10 + H, end)  the elements, row-major (C order), little-endian
// descr is '<f4' (float32), '<f8' (float64) or '<i8' (int64); a 1-D shape is written (5,) and
// a 0-D one ().
#pragma once
#include <string>

#include "core/array.h"

namespace dnagrad::genomics {

// Writes `array` (any dtype, any device) to `path` atomically (core/files.h). Throws naming the
// path when the file cannot be written.
void write_npy(const std::string& path, const Array& array);

}  // namespace dnagrad::genomics
