// How kernels pick a device. Every kernels/X.h has CPU functions in namespace cpu and, with the
// CUDA backend, twins with the same signatures in namespace cuda; the inline function in
// kernels/X.h is the one place that chooses between them. Until an op has a CUDA twin its
// dispatcher calls require_cpu, which names the op in its error.
#pragma once
#include "core/array.h"

namespace dnagrad::kernels {

inline void require_cpu(const Array& a, const char* op) {
  DNAGRAD_CHECK(a.device().is_cpu(), op, ": no CUDA kernel for this op yet (got ", a.desc(), ")");
}

// Checks that every defined array in `arrays` is on `a`'s device and has a's dtype.
void require_same_device_dtype(const char* op, const Array& a,
                               std::initializer_list<const Array*> arrays);

}  // namespace dnagrad::kernels
