// Sums in double over float or double data, for reductions (bias gradients, BatchNorm statistics)
// whose inputs hold up to millions of values. Private to kernels/cpu/.
//
// A plain `double s; for (...) s += x[i];` is one long chain of dependent additions that the
// compiler may not reorder, so it neither vectorises nor pipelines. wide_sum keeps 32 independent
// partial sums (lane j takes the terms i = j mod 32), which the compiler maps onto four SIMD
// registers (four chains of additions in flight), then adds the lanes in a fixed order: fast, and
// the same bits on every run.
#pragma once
#include <cstdint>

namespace dnagrad::kernels::cpu {

// Sum over i in [0, n) of term(i), a double.
template <class Term>
double wide_sum(int64_t n, Term term) {
  constexpr int64_t lanes = 32;
  if (n < 2 * lanes) {  // short rows (an 8-mer's 6 conv outputs): the lanes would cost more
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += term(i);
    return s;
  }
  double acc[lanes] = {};
  const int64_t n_full = n - n % lanes;
  for (int64_t i = 0; i < n_full; i += lanes)
    for (int64_t j = 0; j < lanes; ++j) acc[j] += term(i + j);
  for (int64_t i = n_full; i < n; ++i) acc[i - n_full] += term(i);
  for (int64_t width = lanes / 2; width >= 1; width /= 2)  // pairwise, in a fixed order
    for (int64_t j = 0; j < width; ++j) acc[j] += acc[j + width];
  return acc[0];
}

}  // namespace dnagrad::kernels::cpu
