// Helpers shared by the GPU parity tests (tests/test_gpu_*.cpp): moving arrays between devices
// and comparing a device result with the CPU kernel's.
#pragma once
#include <doctest/doctest.h>

#include "test_util.h"

namespace dnagrad::testing {

inline Array on_gpu(const Array& a) { return a.to(Device::cuda()); }
inline Array on_cpu(const Array& a) { return a.to(Device::cpu()); }
// A NaN-filled array on the GPU (see poisoned): an output element a kernel forgets fails.
inline Array poisoned_gpu(const Shape& shape, DType dtype = DType::F64) {
  return on_gpu(poisoned(shape, dtype));
}

// check_parity(device, expected, what): the device array equals the CPU one within the test
// file's tolerances rtol and atol; check_parity(device, expected, what, rtol, atol) with others.
// `what` labels a failure.
struct ParityCheck {
  double rtol, atol;
  void operator()(const Array& device, const Array& expected, const char* what) const {
    (*this)(device, expected, what, rtol, atol);
  }
  void operator()(const Array& device, const Array& expected, const char* what, double r,
                  double a) const {
    INFO(what);
    require_close(on_cpu(device), expected, r, a);
  }
};

}  // namespace dnagrad::testing
