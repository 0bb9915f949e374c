// Internal to kernels/reference/*.cpp: the one check every reference function makes on the
// buffer it writes.
#pragma once
#include "core/array.h"

namespace dnagrad::kernels::reference {

// `out` must be a float64 CPU array of `shape` (the reference writes doubles through data()).
void require_output(const char* op, const char* what, const Array& out, const Shape& shape);

}  // namespace dnagrad::kernels::reference
