// What a model is trained to do, and everything that follows from it: the loss, how raw outputs
// become predictions, and which metrics are reported.
//
//   task        targets per row                   model outputs   loss                 reported
//   regression  T real values                     T               MSE                  mse,
//   pearson, spearman, r2 binary      T labels, each 0 or 1             T logits        BCE with
//   logits      accuracy, auroc, auprc multiclass  1 class index in 0..C-1           C logits
//   cross-entropy        accuracy, auroc, auprc
//
// Multi-output metrics are the mean over outputs (macro average; for multiclass one-vs-rest).
// When targets belong to positions (one per base, the TF-binding task) regression also reports
// pearson_per_sequence: Pearson r across a sequence's T positions, averaged over sequences (the
// course's "Mean Pearson r"); sequences whose targets or predictions are constant have no r and
// are left out, and their number is reported as constant_sequences.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace dnagrad::genomics {

enum class Task { Regression, Binary, Multiclass };

std::string task_name(Task task);
Task parse_task(const std::string& name);  // throws listing the three names

// The mean loss of raw model outputs [B, T] (or [B]) against targets y [B, T].
Tensor task_loss(Task task, const Tensor& outputs, const Array& y);

// Raw outputs [B, T] → predictions: identity (regression), sigmoid (binary: probabilities),
// softmax over classes (multiclass: probabilities).
Array task_predictions(Task task, const Array& outputs);

using Metrics = std::map<std::string, double>;

// Each output's own metrics, for a regression or binary task with targets [N, T] (T columns, a
// prediction column each): element c is output c's mse, pearson, spearman, r2 (regression) or
// accuracy, auroc, auprc (binary). task_metrics' macro average is their mean. Throws for
// multiclass (one target, whose classes are the outputs).
std::vector<Metrics> per_output_metrics(Task task, const std::vector<float>& predictions,
                                        const std::vector<float>& targets, int64_t n_outputs,
                                        int64_t n_targets);

// Metrics of predictions [N, T_out] (as task_predictions gives) against targets [N, T].
Metrics task_metrics(Task task, const std::vector<float>& predictions,
                     const std::vector<float>& targets, int64_t n_outputs, int64_t n_targets,
                     bool targets_per_position);

}  // namespace dnagrad::genomics
