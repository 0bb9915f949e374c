#include "backends.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>

namespace dnagrad::testing {

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::Cpu:
      return "cpu kernels";
    case Backend::Cuda:
      return "cuda kernels";
    case Backend::Cudnn:
      return "cudnn";
  }
  return "?";
}

bool skip_backend(Backend backend) {
  if (backend == Backend::Cpu) return false;
  if (skip_without_gpu()) return true;
#ifndef DNAGRAD_WITH_CUDNN
  if (backend == Backend::Cudnn) {
    std::cout << "DNAGRAD-GPU-SKIP: built without cuDNN: the cuDNN cases are compiled out (see "
                 "cmake/cuda_libraries.cmake)\n";
    return true;
  }
#endif
  return false;
}

std::vector<DType> backend_dtypes(Backend backend) {
  if (backend == Backend::Cudnn) return {DType::F32};
  return {DType::F64, DType::F32};
}

double backend_tolerance(Backend backend, DType dtype) {
  if (dtype == DType::F64) return 1e-10;
  return backend == Backend::Cpu ? 2e-5 : 1e-4;  // cuDNN may pick FFT or Winograd algorithms
}

Array on_backend(const Array& a, Backend backend) {
  if (!a.defined()) return a;
  return backend == Backend::Cpu ? a.clone() : a.to(Device::cuda());
}

Array poisoned_on(Backend backend, const Shape& shape, DType dtype) {
  return on_backend(poisoned(shape, dtype), backend);
}

Array as_f64(const Array& a) {
  if (!a.defined()) return a;
  return a.dtype() == DType::F64 ? a.clone() : a.to(DType::F64);  // never shares a's storage
}

void check_against_reference(const Array& actual, const Array& reference, double tol,
                             const std::string& what) {
  const Array host = actual.to(Device::cpu());
  REQUIRE_MESSAGE(host.shape() == reference.shape(), what, ": ", host.desc(), " vs reference ",
                  reference.desc());
  const std::vector<double> a = host.to_vector(), b = reference.to_vector();
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) {
      diff = std::numeric_limits<double>::infinity();
      break;
    }
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  const double err = scale > 0 ? diff / scale : diff;
  INFO(what, ": max |result - reference| / max |reference| = ", err, " (allowed ", tol, ")");
  CHECK(err <= tol);
}

void run_backend_cases(Backend backend, void (*run)(Backend, Generator&)) {
  if (skip_backend(backend)) return;
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed, ", ", backend_name(backend));
  Generator gen(seed);
  run(backend, gen);
}

}  // namespace dnagrad::testing
