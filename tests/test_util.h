// Shared helpers for the test suite: fresh random inputs, closeness checks, and the finite-
// difference gradient checker every op's backward is tested with.
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <vector>

#include "autograd/ops.h"
#include "core/rng.h"

namespace dnagrad::testing {

// True when there is no GPU to test on (no device, or built without CUDA); then it prints the
// marker "DNAGRAD-GPU-SKIP: <reason>", which ctest reports as skipped. Every gpu-suite test
// starts with `if (skip_without_gpu()) return;`.
bool skip_without_gpu();

// A seed that differs per run (so tests see fresh inputs) unless DNAGRAD_TEST_SEED is set;
// every test that uses it prints it on failure through doctest's INFO.
uint64_t fresh_seed();

// U[lo, hi) array of the given shape and dtype from `gen`.
Array random_array(const Shape& shape, Generator& gen, DType dtype = DType::F64, double lo = -1,
                   double hi = 1);

// A float array filled with NaN: outputs are poisoned with it before a kernel call, so a kernel
// that forgets to assign an element fails the comparison.
Array poisoned(const Shape& shape, DType dtype = DType::F64);

// Largest |a - b| / (atol + rtol * |b|) over all elements: <= 1 means "close". Shapes must match.
double closeness(const Array& a, const Array& b, double rtol, double atol);
void require_close(const Array& actual, const Array& expected, double rtol = 1e-6,
                   double atol = 1e-9);

// Same shape, dtype and bytes (NaNs with the same bits count as equal). CPU arrays.
bool bitwise_equal(const Array& a, const Array& b);

// Finite-difference gradient check in float64.
//   f maps the inputs to an output of any shape. The checker forms the scalar
//   L = sum(f(x) * w) with a fixed random weight w, runs backward once, and compares each input's
//   .grad with the central difference (L(x + h e_i) - L(x - h e_i)) / 2h.
//   Each input's .grad is seeded with random values first, so the check also proves that
//   backward accumulates (+=) rather than overwrites.
//   `differentiable[i] = false` marks inputs that get no gradient (e.g. class indices).
struct GradCheckOptions {
  double step = 1e-6;
  double rtol = 1e-5;
  double atol = 1e-7;
  std::vector<bool> differentiable;  // empty = all
};
void check_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                     const std::vector<Array>& inputs, uint64_t seed,
                     const GradCheckOptions& options = {});

}  // namespace dnagrad::testing
