// Train / validation / test splits of a dataset's rows.
//
// Random: the rows are shuffled with a seeded Generator and cut by fractions, in two steps as
// scikit-learn's train_test_split is used twice in the documents: first the test rows, then the
// validation rows out of what remains. So test_fraction 0.2 and val_fraction 0.2 give 64 / 16 /
// 20 % (the course's 14,808 / 3,703 / 4,628 of 23,139 windows), and 0.1 / 0.1111 give 80/10/10.
//
// By chromosome: every row of a named held-out chromosome goes to validation or test, the rest
// to training, so no region of the genome is both learned and scored (seed 002's advice against
// leakage between overlapping or neighbouring windows).
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/rng.h"

namespace dnagrad::genomics {

struct SplitIndices {
  std::vector<int64_t> train, val, test;
};

// Shuffles 0..n-1 with `gen`; the first floor(n * (1 - test_fraction)) indices are train+val,
// the rest test; train+val is split again so that train gets floor(m * (1 - val_fraction)).
// With n = 65,536 and 0.2 / 0.2 this is the tutorial's 41,942 / 10,486 / 13,108.
SplitIndices random_split(int64_t n, double test_fraction, double val_fraction, Generator& gen);

// Rows whose chromosome is in val_chroms go to val, in test_chroms to test, the others to train
// (each list keeps the rows' order). A chromosome may not be in both sets, and every named
// chromosome must occur in `chroms` (a typo would silently empty a split): both throw.
SplitIndices split_by_chromosome(const std::vector<std::string>& chroms,
                                 const std::set<std::string>& val_chroms,
                                 const std::set<std::string>& test_chroms);

}  // namespace dnagrad::genomics
