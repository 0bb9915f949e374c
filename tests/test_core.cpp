// core/: arrays, shapes, devices, the RNG, and a guard against a compiler bug.
#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "core/allocator.h"
#include "core/cuda_runtime.h"
#include "core/device.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {
// Kept out of line so the compiler cannot fold the sum at compile time.
__attribute__((noinline)) double sum_of(const std::vector<double>& values) {
  double s = 0;
  for (double v : values) s += v;
  return s;
}
}  // namespace

TEST_CASE("core: constant initialisers survive the build flags (GCC 12 AVX-512 bug guard)") {
  // GCC 12 at -O2 -march=native on AVX-512 machines turns {0.5, 0.5, 0, 0} into four 0.5s unless
  // SLP vectorisation is off (see CMakeLists.txt).
  CHECK(sum_of({0.5, 0.5, 0, 0}) == 1.0);
  CHECK(sum_of({2, 2, 0, 0, 0, 0, 0, 0}) == 4.0);
}

TEST_CASE("core: reshape shares memory and infers one extent") {
  Array a = Array::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
  Array b = a.reshape({3, -1});
  CHECK(b.shape() == Shape{3, 2});
  b.data<float>()[0] = 42;
  CHECK(a.at({0, 0}) == 42);
  CHECK_THROWS_WITH_AS(a.reshape({4, -1}), doctest::Contains("[4, -1]"), Error);
  CHECK_THROWS_AS(a.reshape({-1, -1}), Error);
}

TEST_CASE("core: broadcast shapes follow NumPy and name both shapes on failure") {
  CHECK(broadcast_shapes({3, 1, 5}, {4, 1}, "t") == Shape{3, 4, 5});
  CHECK(broadcast_shapes({}, {2, 3}, "t") == Shape{2, 3});
  CHECK_THROWS_WITH_AS(broadcast_shapes({2, 3}, {4}, "add"),
                       doctest::Contains("add: shapes [2, 3] and [4]"), Error);
}

TEST_CASE("core: devices parse and CUDA requests fail clearly without a GPU") {
  CHECK(parse_device("cpu") == Device::cpu());
  CHECK(parse_device("cuda:1") == Device::cuda(1));
  CHECK_THROWS_WITH_AS(parse_device("gpu"), doctest::Contains("'gpu'"), Error);
  if (cuda_device_count() == 0) {
    CHECK_THROWS_AS(Array::zeros({2}, DType::F32, Device::cuda(0)), Error);
  }
}

TEST_CASE("core: Philox matches the published known-answer vectors") {
  // Random123's kat_vectors for philox4x32_10: counter 0, key 0 and counter/key all ones.
  const auto zero = philox4x32(0, 0, 0);
  CHECK(zero[0] == 0x6627e8d5u);
  CHECK(zero[1] == 0xe169c58du);
  CHECK(zero[2] == 0xbc57ac4cu);
  CHECK(zero[3] == 0x9b00dbd8u);
  const auto ones = philox4x32(~0ull, ~0ull, ~0ull);
  CHECK(ones[0] == 0x408f276du);
  CHECK(ones[1] == 0x41c83b0eu);
  CHECK(ones[2] == 0xa20bc7c6u);
  CHECK(ones[3] == 0x6d5451fdu);
}

TEST_CASE("core: the generator's stream is counter-based and its uniforms look uniform") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator a(seed), b(seed);
  Array x = Array::empty({1001}), y = Array::empty({1001});
  a.fill_uniform(x, 0, 1);
  CHECK(a.offset() == 251);  // ceil(1001 / 4) blocks
  b.set_offset(0);
  b.fill_uniform(y, 0, 1);
  CHECK(x.to_vector() == y.to_vector());
  // Element i comes from lane i % 4 of block i / 4: recompute element 777 directly.
  CHECK(x.data<float>()[777] == uint_to_unit_float(philox4x32(seed, 777 / 4)[777 % 4]));

  Array big = Array::empty({200000});
  a.fill_uniform(big, -1, 1);
  double mean = 0, var = 0;
  for (double v : big.to_vector()) mean += v;
  mean /= big.numel();
  for (double v : big.to_vector()) var += (v - mean) * (v - mean);
  var /= big.numel();
  CHECK(std::abs(mean) < 6 * std::sqrt(1.0 / 3 / big.numel()));  // 6 standard errors
  CHECK(var == doctest::Approx(1.0 / 3).epsilon(0.01));
}

TEST_CASE("core: permutation is a permutation and depends on the seed") {
  Generator g1(1), g2(2);
  const auto p1 = g1.permutation(1000), p2 = g2.permutation(1000);
  CHECK(std::set<int64_t>(p1.begin(), p1.end()).size() == 1000);
  CHECK(*std::max_element(p1.begin(), p1.end()) == 999);
  CHECK(p1 != p2);
}

TEST_CASE("core: the caching allocator reuses freed large blocks and can be emptied") {
  empty_cache();
  CHECK(cached_bytes() == 0);
  void* first = nullptr;
  {
    Array big = Array::empty({1 << 20});  // 4 MiB
    first = big.raw();
  }
  CHECK(cached_bytes() >= (size_t{4} << 20));
  {
    Array again = Array::empty({1 << 20});  // the same size class: the cached block comes back
    CHECK(again.raw() == first);
    CHECK(cached_bytes() == 0);
    Array small = Array::zeros({3});         // small blocks bypass the cache
    CHECK(small.at({2}) == 0);
  }
  empty_cache();
  CHECK(cached_bytes() == 0);
}

TEST_CASE("core: conv and pooling reject a kernel that does not fit the padded input") {
  // L = 1, K = 2, dilation 3, padding 1: the dilated kernel spans 4 > 1 + 2 positions.
  const Tensor x(Array::zeros({1, 1, 1})), w(Array::zeros({1, 1, 2}));
  CHECK_THROWS_WITH_AS(conv1d(x, w, Tensor(), 4, 1, 3), doctest::Contains("conv1d"), Error);
  CHECK_THROWS_WITH_AS(max_pool1d(Tensor(Array::zeros({1, 1, 1})), 2, 4, 1, 3),
                       doctest::Contains("max_pool1d"), Error);
}
