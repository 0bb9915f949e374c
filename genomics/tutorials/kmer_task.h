// Seed 001's toy task: score every 8-mer by its bases plus two "motifs", then learn the score.
//   score = mean of per-base points (A 20, C 17, G 14, T 11)
//           + 10 if TAT occurs anywhere, - 10 if GCG occurs anywhere (once each, not per hit)
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "genomics/data/splits.h"

namespace dnagrad::genomics {

// All 4^k sequences of length k in lexicographic A < C < G < T order.
std::vector<std::string> all_kmers(int k);

double kmer_score(std::string_view seq);

}  // namespace dnagrad::genomics
