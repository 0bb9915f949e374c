// CPU parallelism: one setting for OpenMP and Eigen. Kernels parallelise with `#pragma omp`
// over batch or channel; results with the same seed and thread count are bitwise repeatable.
#pragma once

namespace dnagrad {

void set_num_threads(int n);  // n >= 1; throws otherwise
int num_threads();

}  // namespace dnagrad
