// genomics/interpret/dinucleotide_shuffle.h: every shuffle keeps the dinucleotide counts exactly
// and the first and last letters, the same seed gives the same shuffles, and shuffles differ.
#include <map>
#include <set>
#include <string>

#include "genomics/interpret/dinucleotide_shuffle.h"
#include "genomics/sequence.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

std::map<std::string, int> dinucleotide_counts(const std::string& s) {
  std::map<std::string, int> counts;
  for (size_t i = 0; i + 1 < s.size(); ++i) ++counts[s.substr(i, 2)];
  return counts;
}

}  // namespace

TEST_CASE("dinucleotide shuffle: counts, ends, seeds") {
  const uint64_t seed = fresh_seed();
  Generator gen(seed);
  const std::vector<std::string> inputs{"ACGTTGCAACGGTACCATGCATTTACG",
                                        "AAAAAAAAAACAAAA",
                                        "CGCGCGCGATATATNNNNACGTTA",
                                        "ACGTAACCGGTTNACGTNNNGATCCA",
                                        "acgtACGTnnACgt",
                                        "GT",
                                        "ATG"};
  for (const std::string& s : inputs) {
    CAPTURE(s);
    std::set<std::string> seen;
    for (int k = 0; k < 200; ++k) {
      const std::string t = genomics::dinucleotide_shuffle(s, gen);
      REQUIRE(t.size() == s.size());
      CHECK(t.front() == s.front());
      CHECK(t.back() == s.back());
      CHECK(dinucleotide_counts(t) == dinucleotide_counts(s));
      seen.insert(t);
    }
    if (s.size() > 20) CHECK(seen.size() > 10);  // not all the same
  }
  // Seeded: the same seed gives the same sequence of shuffles, another seed others.
  Generator a(seed + 1), b(seed + 1), c(seed + 2);
  std::string from_a, from_b, from_c;
  for (int k = 0; k < 5; ++k) {
    from_a += genomics::dinucleotide_shuffle(inputs[0], a);
    from_b += genomics::dinucleotide_shuffle(inputs[0], b);
    from_c += genomics::dinucleotide_shuffle(inputs[0], c);
  }
  CHECK(from_a == from_b);
  CHECK(from_a != from_c);
}

TEST_CASE("dinucleotide shuffles of one-hot sequences keep N columns as a letter") {
  Generator gen(fresh_seed());
  const std::vector<std::string> seqs{"ACGTNNACGTTTGCA", "GGGCCCATATNACGA"};
  const Array x = genomics::one_hot(seqs);
  const Array refs = genomics::dinucleotide_shuffles(x, 4, gen);  // [2, 4, 4, 15]
  REQUIRE(refs.shape() == Shape{2, 4, 4, 15});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t k = 0; k < 4; ++k) {
      std::string t;
      for (int64_t p = 0; p < 15; ++p) {
        char base = 'N';
        for (int64_t b = 0; b < 4; ++b)
          if (refs.data<float>()[((i * 4 + k) * 4 + b) * 15 + p] == 1) base = "ACGT"[b];
        t += base;
      }
      CHECK(dinucleotide_counts(t) == dinucleotide_counts(seqs[static_cast<size_t>(i)]));
    }
}
