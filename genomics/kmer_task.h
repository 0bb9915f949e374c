// Seed 001's toy task: score every 8-mer by its bases plus two "motifs", then learn the score.
//   score = mean of per-base points (A 20, C 17, G 14, T 11)
//           + 10 if TAT occurs anywhere, - 10 if GCG occurs anywhere (once each, not per hit)
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"

namespace dnagrad::genomics {

// All 4^k sequences of length k in lexicographic A < C < G < T order.
std::vector<std::string> all_kmers(int k);

double kmer_score(std::string_view seq);

struct SplitIndices {
  std::vector<int64_t> train, val, test;
};

// Shuffles 0..n-1 with `gen`; the first floor(n * (1 - test_fraction)) indices are train+val,
// the rest test; train+val is split again so that train gets floor(m * (1 - val_fraction)).
// With n = 65,536 and 0.2 / 0.2 this is the tutorial's 41,942 / 10,486 / 13,108.
SplitIndices random_split(int64_t n, double test_fraction, double val_fraction, Generator& gen);

}  // namespace dnagrad::genomics
