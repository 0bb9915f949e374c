// Metrics over paired predictions and truths, computed in double, with the semantics of
// scikit-learn / scipy so that numbers reported here can be checked against Python.
//
// Regression:     mean_squared_error, r_squared, pearson, spearman.
// Classification: accuracy, auroc, auprc over scores (higher = more likely positive) and 0/1
//                 truths. Every metric throws for empty or unequally long inputs; the
//                 classification metrics also throw for a truth that is not 0 or 1 and for a
//                 NaN/Inf score, naming its index and value.
#pragma once
#include <vector>

namespace dnagrad::genomics {

double mean_squared_error(const std::vector<double>& pred, const std::vector<double>& truth);
// Coefficient of determination 1 - SS_res / SS_tot (sklearn's r2_score).
double r_squared(const std::vector<double>& pred, const std::vector<double>& truth);
// Pearson correlation; NaN when either side is constant.
double pearson(const std::vector<double>& a, const std::vector<double>& b);

// Ranks 1..n of `v` in ascending order, tied values sharing the average of the ranks they span
// (scipy.stats.rankdata's "average"): {10, 20, 20, 5} -> {2, 3.5, 3.5, 1}. Throws for NaN.
std::vector<double> average_ranks(const std::vector<double>& v);

// Spearman's rho: the Pearson correlation of the average ranks (scipy.stats.spearmanr).
// NaN when either side is constant; throws for a NaN value (it has no rank).
double spearman(const std::vector<double>& a, const std::vector<double>& b);

// Fraction of examples whose prediction (positive when score >= threshold) equals the truth
// (sklearn's accuracy_score on the thresholded scores). With the default threshold the scores
// must be probabilities (a sigmoid of the logits); for raw logits pass threshold = 0.
double accuracy(const std::vector<double>& scores, const std::vector<double>& truth,
                double threshold = 0.5);

// Area under the ROC curve (sklearn's roc_auc_score): the probability that a random positive
// scores above a random negative, a tie counting one half. Computed as the Mann-Whitney U
// statistic from average ranks:
//   AUROC = (sum of the positives' ranks - P (P + 1) / 2) / (P N)
// for P positives and N negatives. NaN when either class is absent.
double auroc(const std::vector<double>& scores, const std::vector<double>& truth);

// Area under the precision-recall curve as sklearn's average_precision_score: with the distinct
// scores as thresholds, from the highest down (tied scores enter together),
//   AP = sum_n (R_n - R_{n-1}) P_n,   R_0 = 0,
// where P_n and R_n are the precision and recall when every example scoring >= the n-th
// threshold is called positive. No interpolation: a step function, not the trapezoid rule.
// NaN when there is no positive (sklearn warns and returns 0 there); 1 when every example is
// positive.
double auprc(const std::vector<double>& scores, const std::vector<double>& truth);

}  // namespace dnagrad::genomics
