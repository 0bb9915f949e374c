// GPU tests (ctest label gpu). On a machine without a usable GPU each prints the skip marker
// and ctest reports it as skipped, never as passed.
#include <doctest/doctest.h>

#include "kernels/elementwise.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

TEST_SUITE("gpu") {
  TEST_CASE("gpu: accumulate on the device matches the CPU kernel in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (int64_t n : {1, 255, 256, 257, 100003}) {
      const Array dst = random_array({n}, gen), src = random_array({n}, gen);
      Array expected = dst.clone();
      kernels::accumulate(expected, src, -0.75);
      Array on_gpu = dst.to(Device::cuda());
      kernels::accumulate(on_gpu, src.to(Device::cuda()), -0.75);
      require_close(on_gpu.to(Device::cpu()), expected, 1e-12, 1e-15);
    }
  }
}
