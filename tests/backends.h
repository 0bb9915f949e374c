// The backends that the op-family tests (test_conv1d.cpp, test_batchnorm.cpp, test_pooling.cpp)
// run their one declarative list of cases on, in the spirit of ggml's test-backend-ops: every
// case on every backend, each result compared in float64 with version 0 of the op
// (kernels/reference/), outputs poisoned with NaN before the call, accumulated gradients started
// from random values, fresh random inputs per run.
//
//   Cpu    our CPU kernels (kernels/cpu/, through the kernels/X.h dispatch)
//   Cuda   our CUDA kernels (kernels/cuda/, the same dispatch on CUDA arrays): suite "gpu"
//   Cudnn  cuDNN (kernels/cudnn/, a second implementation) when dnagrad_cudnn is built: suite "gpu"
//
// Cuda and Cudnn cases print the DNAGRAD-GPU-SKIP marker where they cannot run (tests/
// CMakeLists.txt turns it into "Skipped"). They assume nothing about the device beyond
// Device::cuda() arrays, so the same cases also run under the CUDA emulation build.
#pragma once
#include <string>
#include <vector>

#include "test_util.h"

namespace dnagrad::testing {

enum class Backend { Cpu, Cuda, Cudnn };

const char* backend_name(Backend backend);  // "cpu kernels", "cuda kernels", "cudnn"

// True when `backend` cannot run here (no GPU, built without CUDA or without cuDNN); then it has
// printed the skip marker. Every backend test case starts with `if (skip_backend(b)) return;`.
bool skip_backend(Backend backend);

// The dtypes a backend's cases run in: float64 and float32 for ours, float32 for cuDNN (the
// dtype its reference class is used in by bench/).
std::vector<DType> backend_dtypes(Backend backend);

// Largest allowed max |actual - reference| / max |reference| for `dtype` on `backend`: rounding
// of float64 or float32 sums in another order, far below the O(1) error of an indexing or
// accumulation bug.
double backend_tolerance(Backend backend, DType dtype);

// A copy of `a` (a CPU array) on the backend's device; undefined stays undefined.
Array on_backend(const Array& a, Backend backend);
// A NaN-filled output of `dtype` on the backend's device.
Array poisoned_on(Backend backend, const Shape& shape, DType dtype);

// A float64 CPU copy of `a`, never sharing its storage (for a reference to accumulate into from
// the same start as the backend).
Array as_f64(const Array& a);

// max |actual - reference| / max |reference| <= tol, where actual lives on any device and
// reference is float64 on the CPU; a NaN anywhere fails. `what` labels the check.
void check_against_reference(const Array& actual, const Array& reference, double tol,
                             const std::string& what);

// Runs an op family's case list on `backend`: prints the skip marker and returns where the
// backend cannot run; otherwise calls run(backend, gen) with a generator seeded by fresh_seed()
// (the seed and the backend are logged with any failure).
void run_backend_cases(Backend backend, void (*run)(Backend, Generator&));

}  // namespace dnagrad::testing

// The cuDNN case of a list. The emulation build (-DDNAGRAD_CUDA=EMULATE) has no cuDNN by design:
// there the case does not exist, rather than being reported as skipped beside emulated results.
#if defined(DNAGRAD_CUDA_EMULATE)
#define DNAGRAD_CUDNN_TEST_CASE(family, run)
#else
#define DNAGRAD_CUDNN_TEST_CASE(family, run)                                           \
  TEST_CASE("gpu: " family " on cudnn matches the float64 reference (every case)") { \
    ::dnagrad::testing::run_backend_cases(::dnagrad::testing::Backend::Cudnn, run);  \
  }
#endif

// The three test cases of an op family's case list, e.g.
// DNAGRAD_BACKEND_TEST_CASES("conv1d", run_cases): "conv1d on the cpu kernels matches the float64
// reference (every case)", and in suite gpu the same on the cuda kernels and on cudnn.
#define DNAGRAD_BACKEND_TEST_CASES(family, run)                                                   \
  TEST_CASE(family " on the cpu kernels matches the float64 reference (every case)") {            \
    ::dnagrad::testing::run_backend_cases(::dnagrad::testing::Backend::Cpu, run);                 \
  }                                                                                               \
  TEST_SUITE("gpu") {                                                                             \
    TEST_CASE("gpu: " family " on the cuda kernels matches the float64 reference (every case)") { \
      ::dnagrad::testing::run_backend_cases(::dnagrad::testing::Backend::Cuda, run);              \
    }                                                                                             \
    DNAGRAD_CUDNN_TEST_CASE(family, run)                                                          \
  }
