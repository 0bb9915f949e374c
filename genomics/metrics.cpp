#include "genomics/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace dnagrad::genomics {

namespace {
void require_pairs(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  DNAGRAD_CHECK(a.size() == b.size() && !a.empty(), what, ": expected two equally long, non-empty ",
                "series, got ", a.size(), " and ", b.size(), " values");
}
// Classification inputs: finite scores and truths that are exactly 0 or 1.
void require_binary(const std::vector<double>& scores, const std::vector<double>& truth,
                    const char* what) {
  require_pairs(scores, truth, what);
  for (size_t i = 0; i < scores.size(); ++i) {
    DNAGRAD_CHECK(std::isfinite(scores[i]), what, ": score ", i, " is ", scores[i]);
    DNAGRAD_CHECK(truth[i] == 0 || truth[i] == 1, what, ": truth ", i, " is ", truth[i],
                  ", expected 0 or 1");
  }
}
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
}  // namespace

double mean_squared_error(const std::vector<double>& pred, const std::vector<double>& truth) {
  require_pairs(pred, truth, "mean_squared_error");
  double s = 0;
  for (size_t i = 0; i < pred.size(); ++i) s += (pred[i] - truth[i]) * (pred[i] - truth[i]);
  return s / static_cast<double>(pred.size());
}

double r_squared(const std::vector<double>& pred, const std::vector<double>& truth) {
  require_pairs(pred, truth, "r_squared");
  const double m = mean(truth);
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    ss_res += (truth[i] - pred[i]) * (truth[i] - pred[i]);
    ss_tot += (truth[i] - m) * (truth[i] - m);
  }
  return ss_tot > 0 ? 1 - ss_res / ss_tot : std::numeric_limits<double>::quiet_NaN();
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  require_pairs(a, b, "pearson");
  const double ma = mean(a), mb = mean(b);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  if (saa == 0 || sbb == 0) return std::numeric_limits<double>::quiet_NaN();
  return sab / std::sqrt(saa * sbb);
}

std::vector<double> average_ranks(const std::vector<double>& v) {
  for (size_t i = 0; i < v.size(); ++i)  // NaN has no place in an order
    DNAGRAD_CHECK(!std::isnan(v[i]), "average_ranks: value ", i, " is NaN");
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return v[i] < v[j]; });
  std::vector<double> ranks(v.size());
  for (size_t first = 0; first < order.size();) {
    size_t last = first;  // order[first..last] hold one tied value
    while (last + 1 < order.size() && v[order[last + 1]] == v[order[first]]) ++last;
    const double rank = 0.5 * static_cast<double>(first + last) + 1;  // mean of first+1..last+1
    for (size_t k = first; k <= last; ++k) ranks[order[k]] = rank;
    first = last + 1;
  }
  return ranks;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  require_pairs(a, b, "spearman");
  return pearson(average_ranks(a), average_ranks(b));
}

double accuracy(const std::vector<double>& scores, const std::vector<double>& truth,
                double threshold) {
  require_binary(scores, truth, "accuracy");
  size_t correct = 0;
  for (size_t i = 0; i < scores.size(); ++i)
    correct += (scores[i] >= threshold ? 1.0 : 0.0) == truth[i];
  return static_cast<double>(correct) / static_cast<double>(scores.size());
}

double auroc(const std::vector<double>& scores, const std::vector<double>& truth) {
  require_binary(scores, truth, "auroc");
  const std::vector<double> ranks = average_ranks(scores);
  double positives = 0, rank_sum = 0;
  for (size_t i = 0; i < scores.size(); ++i)
    if (truth[i] == 1) {
      positives += 1;
      rank_sum += ranks[i];
    }
  const double negatives = static_cast<double>(scores.size()) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  // U = pairs (positive, negative) ordered correctly + half the tied ones.
  const double u = rank_sum - positives * (positives + 1) / 2;
  return u / (positives * negatives);
}

double auprc(const std::vector<double>& scores, const std::vector<double>& truth) {
  require_binary(scores, truth, "auprc");
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t i, size_t j) { return scores[i] > scores[j]; });
  const double positives = std::accumulate(truth.begin(), truth.end(), 0.0);
  if (positives == 0) return kNaN;
  double true_pos = 0, called = 0, recall_before = 0, ap = 0;
  for (size_t first = 0; first < order.size();) {
    // Lower the threshold to the next distinct score: its whole tie group becomes positive.
    size_t next = first;
    for (; next < order.size() && scores[order[next]] == scores[order[first]]; ++next) {
      true_pos += truth[order[next]];
      called += 1;
    }
    const double recall = true_pos / positives, precision = true_pos / called;
    ap += (recall - recall_before) * precision;
    recall_before = recall;
    first = next;
  }
  return ap;
}

}  // namespace dnagrad::genomics
