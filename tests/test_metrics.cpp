// Metrics against hand-computed values (arithmetic in the comments), against brute-force
// definitions on fresh random data with many ties, and on the edge cases where they are NaN.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "genomics/metrics.h"
#include "genomics/tasks.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::genomics;

namespace {

// n values drawn from {0, 1, ..., levels - 1}: few levels, many ties.
std::vector<double> random_levels(Generator& gen, int n, int levels) {
  std::vector<double> v(n);
  for (double& x : v) x = std::floor(gen.uniform() * levels);
  return v;
}

// Rank by counting: 1 + (values below) + (other values equal) / 2.
std::vector<double> ranks_by_counting(const std::vector<double>& v) {
  std::vector<double> r(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    double below = 0, equal = 0;
    for (size_t j = 0; j < v.size(); ++j) {
      below += v[j] < v[i];
      equal += j != i && v[j] == v[i];
    }
    r[i] = 1 + below + equal / 2;
  }
  return r;
}

}  // namespace

TEST_CASE("metrics: average ranks share tied ranks") {
  // 5 < 10 < 20 = 20: ranks 1, 2 and (3 + 4) / 2 = 3.5 for both 20s.
  CHECK(average_ranks({10, 20, 20, 5}) == std::vector<double>{2, 3.5, 3.5, 1});
  CHECK(average_ranks({7, 7, 7}) == std::vector<double>{2, 2, 2});
}

TEST_CASE("metrics: spearman by hand with a tie") {
  // a = {1, 2, 2, 4} -> ranks {1, 2.5, 2.5, 4};  b = {10, 30, 20, 40} -> ranks {1, 3, 2, 4}.
  // Both rank means are 2.5; deviations a: {-1.5, 0, 0, 1.5}, b: {-1.5, 0.5, -0.5, 1.5}.
  // sum(da db) = 2.25 + 0 + 0 + 2.25 = 4.5; sum(da^2) = 4.5; sum(db^2) = 5.
  // rho = 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10) = 0.9486833 (scipy.stats.spearmanr agrees).
  CHECK(spearman({1, 2, 2, 4}, {10, 30, 20, 40}) == doctest::Approx(3 / std::sqrt(10.0)));
  // Any increasing transform keeps the ranks: rho = 1, and -1 reversed.
  CHECK(spearman({0.1, 0.5, 2, 7}, {std::exp(0.1), std::exp(0.5), std::exp(2), std::exp(7)}) ==
        doctest::Approx(1.0));
  CHECK(spearman({1, 2, 3}, {9, 5, -1}) == doctest::Approx(-1.0));
}

TEST_CASE("metrics: spearman is the pearson of ranks counted independently") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const std::vector<double> a = random_levels(gen, 200, 7), b = random_levels(gen, 200, 5);
  CHECK(spearman(a, b) ==
        doctest::Approx(pearson(ranks_by_counting(a), ranks_by_counting(b))).epsilon(1e-12));
  CHECK(average_ranks(a) == ranks_by_counting(a));
}

TEST_CASE("metrics: spearman edge cases") {
  CHECK(std::isnan(spearman({3, 3, 3}, {1, 2, 3})));  // constant: no ranking at all
  CHECK(std::isnan(spearman({5}, {1})));
  CHECK_THROWS_AS(spearman({1, NAN, 3}, {1, 2, 3}), Error);
  CHECK_THROWS_AS(spearman({1, 2}, {1, 2, 3}), Error);
  CHECK_THROWS_AS(spearman({}, {}), Error);
}

TEST_CASE("metrics: accuracy by hand") {
  // threshold 0.5: predictions {0, 1, 1, 0} (0.5 itself counts as positive); truth {0, 1, 0, 1}
  // -> right, right, wrong, wrong = 2 / 4.
  CHECK(accuracy({0.1, 0.5, 0.7, 0.4}, {0, 1, 0, 1}) == 0.5);
  // threshold 0.4: predictions {0, 1, 1, 1} -> right, right, wrong, right = 3 / 4.
  CHECK(accuracy({0.1, 0.5, 0.7, 0.4}, {0, 1, 0, 1}, 0.4) == 0.75);
  // raw logits with threshold 0: {-2, 3} -> {0, 1}.
  CHECK(accuracy({-2, 3}, {0, 1}, 0) == 1.0);
}

TEST_CASE("metrics: auroc by hand, with and without ties") {
  // sklearn's roc_auc_score example: positives score 0.35 and 0.8, negatives 0.1 and 0.4.
  // Pairs (pos, neg) ordered right: (0.35, 0.1), (0.8, 0.1), (0.8, 0.4); wrong: (0.35, 0.4).
  // AUROC = 3 / 4.
  CHECK(auroc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}) == doctest::Approx(0.75));
  // positives 0.5 and 0.9, negatives 0.5 and 0.2: (0.5, 0.5) is a tie worth 1/2, the other
  // three pairs are right: (3 + 0.5) / 4 = 0.875.
  CHECK(auroc({0.5, 0.5, 0.2, 0.9}, {1, 0, 0, 1}) == doctest::Approx(0.875));
  CHECK(auroc({1, 2, 3, 4}, {0, 0, 1, 1}) == 1.0);
  CHECK(auroc({1, 2, 3, 4}, {1, 1, 0, 0}) == 0.0);
  CHECK(auroc({5, 5, 5, 5}, {1, 0, 1, 0}) == doctest::Approx(0.5));  // all ties: chance
}

TEST_CASE("metrics: auroc equals counting every positive-negative pair") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const std::vector<double> scores = random_levels(gen, 400, 9);
  std::vector<double> truth(scores.size());
  for (size_t i = 0; i < truth.size(); ++i)  // labels correlated with the scores, not perfectly
    truth[i] = gen.uniform() < 0.2 + 0.06 * scores[i] ? 1 : 0;
  double pairs = 0, credit = 0;
  for (size_t i = 0; i < scores.size(); ++i)
    for (size_t j = 0; j < scores.size(); ++j) {
      if (truth[i] != 1 || truth[j] != 0) continue;
      pairs += 1;
      credit += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
    }
  REQUIRE(pairs > 0);
  CHECK(auroc(scores, truth) == doctest::Approx(credit / pairs).epsilon(1e-12));
}

TEST_CASE("metrics: auprc by hand, with tied scores entering together") {
  // sklearn's average_precision_score example (0.8333): thresholds from the top,
  //   0.8:  TP 1 of 1 called, P = 1,   R = 1/2  -> (1/2 - 0) * 1     = 0.5
  //   0.4:  TP 1 of 2,        P = 1/2, R = 1/2  -> 0
  //   0.35: TP 2 of 3,        P = 2/3, R = 1    -> (1 - 1/2) * 2/3   = 1/3
  //   0.1:  R stays 1                           -> 0;          AP = 5/6
  CHECK(auprc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}) == doctest::Approx(5.0 / 6));
  // Ties: scores {0.5, 0.5, 0.2, 0.9}, truth {1, 0, 0, 1}.
  //   0.9: TP 1 of 1, P = 1, R = 1/2 -> 0.5;  0.5 (two examples at once): TP 2 of 3, P = 2/3,
  //   R = 1 -> 1/3;  AP = 5/6. (Breaking the tie positive-first would wrongly give 1.)
  CHECK(auprc({0.5, 0.5, 0.2, 0.9}, {1, 0, 0, 1}) == doctest::Approx(5.0 / 6));
  CHECK(auprc({1, 2, 3, 4}, {0, 0, 1, 1}) == 1.0);
  CHECK(auprc({1, 2, 3}, {1, 1, 1}) == 1.0);  // no negatives: precision is always 1
}

TEST_CASE("metrics: auprc equals the mean precision at each positive's score") {
  // Independent form of the same sum: each positive adds 1/P of recall at its own score's
  // threshold, where precision = (positives scoring >= it) / (examples scoring >= it).
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const std::vector<double> scores = random_levels(gen, 300, 12);
  std::vector<double> truth(scores.size());
  for (size_t i = 0; i < truth.size(); ++i) truth[i] = gen.uniform() < 0.1 + 0.05 * scores[i];
  double positives = 0, sum = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (truth[i] != 1) continue;
    positives += 1;
    double at_or_above = 0, positive_at_or_above = 0;
    for (size_t j = 0; j < scores.size(); ++j)
      if (scores[j] >= scores[i]) {
        at_or_above += 1;
        positive_at_or_above += truth[j];
      }
    sum += positive_at_or_above / at_or_above;
  }
  REQUIRE(positives > 0);
  CHECK(auprc(scores, truth) == doctest::Approx(sum / positives).epsilon(1e-12));
}

TEST_CASE("metrics: classification edge cases") {
  CHECK(std::isnan(auroc({0.1, 0.9}, {1, 1})));  // no negatives
  CHECK(std::isnan(auroc({0.1, 0.9}, {0, 0})));  // no positives
  CHECK(std::isnan(auprc({0.1, 0.9}, {0, 0})));
  CHECK_THROWS_WITH_AS(auroc({0.1, 0.9}, {0, 2}), doctest::Contains("truth 1 is 2"), Error);
  CHECK_THROWS_WITH_AS(accuracy({0.1, NAN}, {0, 1}), doctest::Contains("score 1 is nan"), Error);
  CHECK_THROWS_AS(auprc({0.1, INFINITY}, {0, 1}), Error);
  CHECK_THROWS_AS(accuracy({0.1}, {0, 1}), Error);
  CHECK_THROWS_AS(auroc({}, {}), Error);
}

TEST_CASE("per-output metrics: each output scored on its own, the macro average their mean") {
  // 3 rows x 2 outputs, row-major. Output 0: errors 0, 0, -1 -> MSE 1/3; output 1: errors 0, 0,
  // 3 -> MSE 3. Binary below: output 0 right on all 3 rows at 0.5, output 1 on 1 of 3.
  const std::vector<float> pred = {1, 10, 2, 20, 3, 33};
  const std::vector<float> truth = {1, 10, 2, 20, 4, 30};
  const std::vector<genomics::Metrics> each =
      genomics::per_output_metrics(genomics::Task::Regression, pred, truth, 2, 2);
  REQUIRE(each.size() == 2);
  CHECK(each[0].at("mse") == doctest::Approx(1.0 / 3));
  CHECK(each[1].at("mse") == doctest::Approx(3.0));
  // Output 0: p = (1, 2, 3), t = (1, 2, 4): cov 3, var 2 and 42/9 -> r = 9 / sqrt(84).
  CHECK(each[0].at("pearson") == doctest::Approx(9 / std::sqrt(84.0)));
  const genomics::Metrics mean =
      genomics::task_metrics(genomics::Task::Regression, pred, truth, 2, 2, false);
  CHECK(mean.at("mse") == doctest::Approx((1.0 / 3 + 3.0) / 2));

  const std::vector<float> prob = {0.9f, 0.2f, 0.1f, 0.7f, 0.8f, 0.4f};
  const std::vector<float> labels = {1, 1, 0, 0, 1, 0};
  const std::vector<genomics::Metrics> binary =
      genomics::per_output_metrics(genomics::Task::Binary, prob, labels, 2, 2);
  CHECK(binary[0].at("accuracy") == doctest::Approx(1.0));
  CHECK(binary[1].at("accuracy") == doctest::Approx(1.0 / 3));
  CHECK_THROWS(genomics::per_output_metrics(genomics::Task::Multiclass, prob, labels, 2, 1));
}
