// Running a trained model over rows of a dataset: the one inference path behind evaluation
// (training's validation and test, `dnagrad evaluate`), `dnagrad predict` and variant effects.
//
// Batches are made on the CPU by a DataLoader and run through nn::run_in_batches and
// forward_batch (eval mode, no graph, the model on its own device; a padded batch through the
// model's forward_padded, so each sequence gets what it gets alone). Outputs and the loss stay on
// the model's device; the results come to the host once per call, not once per batch.
#pragma once
#include <cstdint>
#include <vector>

#include "core/array.h"
#include "genomics/data/dataset.h"
#include "genomics/tasks.h"
#include "nn/module.h"

namespace dnagrad::genomics {

struct PredictOptions {
  int64_t batch_size = 256;
  bool rc_average = false;    // mean of the model on each sequence and on its reverse complement
  bool per_position = false;  // output t belongs to base t (flipped back for the RC pass)
  LengthPolicy length{};
};

// Raw model outputs for `rows` of `data`: [rows.size(), T] on the model's device. With
// rc_average and per_position, the outputs of the reverse complement are flipped back before
// averaging, so output t always belongs to base t.
Array predict_outputs(nn::Module& model, const SequenceDataset& data,
                      const std::vector<int64_t>& rows, int64_t n_outputs,
                      const PredictOptions& options);

// task_predictions of those outputs (probabilities for classification), on the CPU.
Array predict_rows(nn::Module& model, Task task, const SequenceDataset& data,
                   const std::vector<int64_t>& rows, int64_t n_outputs,
                   const PredictOptions& options);

// The loss (the task's mean over rows, computed on the model's device) and metrics of `model` on
// `rows`.
struct Evaluation {
  double loss = 0;
  Metrics metrics;
  // Several named outputs (regression or binary, targets not per position): each output's own
  // metrics by its target name, in column order (DeepSTARR's dev and hk); otherwise empty.
  std::vector<std::pair<std::string, Metrics>> per_output;
  std::vector<float> predictions;  // [rows, outputs] as task_predictions gives
};
Evaluation evaluate_rows(nn::Module& model, Task task, const SequenceDataset& data,
                         const std::vector<int64_t>& rows, int64_t n_outputs,
                         const PredictOptions& options);

}  // namespace dnagrad::genomics
