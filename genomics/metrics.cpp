#include "genomics/metrics.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace dnagrad::genomics {

namespace {
void require_pairs(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  DNAGRAD_CHECK(a.size() == b.size() && !a.empty(), what, ": expected two equally long, non-empty ",
        "series, got ", a.size(), " and ", b.size(), " values");
}
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

}  // namespace dnagrad::genomics
