// Regression metrics over paired predictions and truths (computed in double).
#pragma once
#include <vector>

namespace dnagrad::genomics {

double mean_squared_error(const std::vector<double>& pred, const std::vector<double>& truth);
// Coefficient of determination 1 - SS_res / SS_tot (sklearn's r2_score).
double r_squared(const std::vector<double>& pred, const std::vector<double>& truth);
// Pearson correlation; NaN when either side is constant.
double pearson(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace dnagrad::genomics
