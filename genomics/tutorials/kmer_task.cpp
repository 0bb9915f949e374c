#include "genomics/tutorials/kmer_task.h"

#include <cmath>

#include "core/error.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

std::vector<std::string> all_kmers(int k) {
  DNAGRAD_CHECK(k >= 1 && k <= 12, "all_kmers: k must be in 1..12, got ", k);
  const int64_t count = int64_t{1} << (2 * k);
  std::vector<std::string> kmers(count, std::string(k, 'A'));
  for (int64_t i = 0; i < count; ++i)
    for (int pos = 0; pos < k; ++pos)  // base-4 digits of i, most significant first
      kmers[i][pos] = kAlphabet[(i >> (2 * (k - 1 - pos))) & 3];
  return kmers;
}

double kmer_score(std::string_view seq) {
  static constexpr double points[4] = {20, 17, 14, 11};
  DNAGRAD_CHECK(!seq.empty(), "kmer_score: empty sequence");
  double total = 0;
  for (char c : seq) {
    const int b = base_index(c);
    DNAGRAD_CHECK(b >= 0, "kmer_score: expected A, C, G or T, got '", c, "'");
    total += points[b];
  }
  double score = total / static_cast<double>(seq.size());
  if (seq.find("TAT") != std::string_view::npos) score += 10;
  if (seq.find("GCG") != std::string_view::npos) score -= 10;
  return score;
}

}  // namespace dnagrad::genomics
