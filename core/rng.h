// A seeded, counter-based random number generator (Philox-4x32-10, Salmon et al., SC'11).
//
// Counter-based means the n-th random number is a pure function of (seed, n): there is no hidden
// state to carry from one draw to the next. A CUDA kernel can therefore reproduce exactly the
// stream the CPU draws, each thread computing its own element from its index, and a fill over
// N elements is trivially parallel.
//
// The stream: element i of a draw that starts at `offset` comes from lane (i % 4) of the Philox
// block for counter (offset + i / 4), keyed by the seed. A draw of n elements advances the
// generator's offset by ceil(n / 4) blocks.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/array.h"
#include "core/philox.h"  // philox4x32_block and uint_to_unit_float, shared with CUDA kernels

namespace dnagrad {

// One Philox-4x32-10 block: four 32-bit random words from a 64-bit key and a 128-bit counter.
// (The rounds live in core/philox.h so CUDA kernels run the very same code.)
std::array<uint32_t, 4> philox4x32(uint64_t key, uint64_t counter_lo, uint64_t counter_hi = 0);

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}

  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }  // blocks consumed so far
  void set_offset(uint64_t offset) { offset_ = offset; }

  // Fills a CPU float array with U[lo, hi) and advances the offset.
  void fill_uniform(Array& out, double lo, double hi);
  // Fills a CPU float array with N(mean, std^2) (Box-Muller on lane pairs).
  void fill_normal(Array& out, double mean, double std);
  // Fills a CPU float array with 1 with probability keep, else 0 (Bernoulli mask).
  void fill_bernoulli(Array& out, double keep);

  double uniform();                             // one U[0, 1) draw (uses one block)
  uint64_t next_u64();                          // 64 random bits (uses one block)
  std::vector<int64_t> permutation(int64_t n);  // a random permutation of 0..n-1 (Fisher-Yates)

 private:
  // Reserves the blocks for an n-element draw and returns the first counter.
  uint64_t take(int64_t n_elements);

  uint64_t seed_;
  uint64_t offset_ = 0;
};

}  // namespace dnagrad
