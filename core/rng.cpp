#include "core/rng.h"

#include <cmath>

namespace dnagrad {

std::array<uint32_t, 4> philox4x32(uint64_t key, uint64_t counter_lo, uint64_t counter_hi) {
  const PhiloxBlock block = philox4x32_block(key, counter_lo, counter_hi);  // core/philox.h
  return {block.word[0], block.word[1], block.word[2], block.word[3]};
}

uint64_t Generator::take(int64_t n_elements) {
  const uint64_t first = offset_;
  offset_ += static_cast<uint64_t>((n_elements + 3) / 4);
  return first;
}

void Generator::fill_uniform(Array& out, double lo, double hi) {
  DNAGRAD_CHECK(out.device().is_cpu(), "fill_uniform: CPU arrays only, got ", out.desc());
  const int64_t n = out.numel();
  const uint64_t first = take(n);
  dispatch_float(out.dtype(), "fill_uniform", [&]<class T>() {
    T* p = out.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      const uint32_t bits = philox4x32(seed_, first + i / 4)[i % 4];
      p[i] = static_cast<T>(lo + (hi - lo) * uint_to_unit_float(bits));
    }
  });
}

void Generator::fill_normal(Array& out, double mean, double std) {
  DNAGRAD_CHECK(out.device().is_cpu(), "fill_normal: CPU arrays only, got ", out.desc());
  const int64_t n = out.numel();
  const uint64_t first = take(2 * n);  // two uniforms per normal
  dispatch_float(out.dtype(), "fill_normal", [&]<class T>() {
    T* p = out.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      const auto block = philox4x32(seed_, first + i / 2);
      const int lane = 2 * (i % 2);
      const double u1 = 1.0 - uint_to_unit_float(block[lane]);  // (0, 1]: log is finite
      const double u2 = uint_to_unit_float(block[lane + 1]);
      p[i] = static_cast<T>(mean + std * std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2));
    }
  });
}

void Generator::fill_bernoulli(Array& out, double keep) {
  DNAGRAD_CHECK(out.device().is_cpu(), "fill_bernoulli: CPU arrays only, got ", out.desc());
  const int64_t n = out.numel();
  const uint64_t first = take(n);
  dispatch_float(out.dtype(), "fill_bernoulli", [&]<class T>() {
    T* p = out.data<T>();
    for (int64_t i = 0; i < n; ++i)
      p[i] = uint_to_unit_float(philox4x32(seed_, first + i / 4)[i % 4]) < keep ? T(1) : T(0);
  });
}

double Generator::uniform() {
  const auto block = philox4x32(seed_, take(4));
  const uint64_t bits = (static_cast<uint64_t>(block[0]) << 32) | block[1];
  return static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);  // 53 bits
}

uint64_t Generator::next_u64() {
  const auto block = philox4x32(seed_, take(4));
  return (static_cast<uint64_t>(block[0]) << 32) | block[1];
}

std::vector<int64_t> Generator::permutation(int64_t n) {
  std::vector<int64_t> perm(n);
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(uniform() * static_cast<double>(i + 1));
    std::swap(perm[i], perm[j]);
  }
  return perm;
}

}  // namespace dnagrad
