#include "genomics/data/splits.h"

#include <cmath>

#include "core/error.h"

namespace dnagrad::genomics {

SplitIndices random_split(int64_t n, double test_fraction, double val_fraction, Generator& gen) {
  DNAGRAD_CHECK(test_fraction >= 0 && test_fraction < 1 && val_fraction >= 0 && val_fraction < 1,
                "random_split: fractions must be in [0, 1), got test ", test_fraction, " and val ",
                val_fraction);
  const std::vector<int64_t> perm = gen.permutation(n);
  const auto n_rest =
      static_cast<int64_t>(std::floor(static_cast<double>(n) * (1 - test_fraction)));
  const auto n_train =
      static_cast<int64_t>(std::floor(static_cast<double>(n_rest) * (1 - val_fraction)));
  SplitIndices split;
  split.train.assign(perm.begin(), perm.begin() + n_train);
  split.val.assign(perm.begin() + n_train, perm.begin() + n_rest);
  split.test.assign(perm.begin() + n_rest, perm.end());
  return split;
}

SplitIndices split_by_chromosome(const std::vector<std::string>& chroms,
                                 const std::set<std::string>& val_chroms,
                                 const std::set<std::string>& test_chroms) {
  for (const std::string& c : val_chroms)
    DNAGRAD_CHECK(!test_chroms.count(c), "split by chromosome: '", c,
                  "' is named both for validation and for test");
  const std::set<std::string> present(chroms.begin(), chroms.end());
  for (const auto* named : {&val_chroms, &test_chroms})
    for (const std::string& c : *named)
      DNAGRAD_CHECK(present.count(c), "split by chromosome: no sequence lies on '", c, "'");
  SplitIndices split;
  for (size_t i = 0; i < chroms.size(); ++i) {
    const auto row = static_cast<int64_t>(i);
    if (val_chroms.count(chroms[i]))
      split.val.push_back(row);
    else if (test_chroms.count(chroms[i]))
      split.test.push_back(row);
    else
      split.train.push_back(row);
  }
  return split;
}

}  // namespace dnagrad::genomics
