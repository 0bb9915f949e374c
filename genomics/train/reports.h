// What a training run and an evaluation write for people and for other programs: the five
// report formats of `dnagrad train` (metrics.json, metrics.tsv, loss_curves.svg,
// test_predictions.tsv, test_parity.svg), the predictions TSV of `dnagrad predict` and the
// metrics JSON of `dnagrad evaluate`. Each function returns the file's text; the caller writes it
// (atomically, core/files.h). Metrics that are not finite (a Pearson r of constant predictions)
// appear as null in JSON.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "genomics/data/dataset.h"
#include "genomics/models/model_zoo.h"
#include "genomics/tasks.h"
#include "genomics/train/config.h"

namespace dnagrad::genomics {

// One epoch of a run.
struct EpochRecord {
  int64_t epoch = 0;  // 1-based
  double train_loss = 0, val_loss = 0, lr = 0, seconds = 0;
  Metrics val;
};

// metrics.tsv: epoch, train_loss, val_loss, lr, seconds, then val_<metric> for each metric.
std::string metrics_tsv(const std::vector<EpochRecord>& history);

// loss_curves.svg: training and validation loss per epoch, on a log scale when all are positive.
std::string loss_curves_svg(const std::vector<EpochRecord>& history, const std::string& loss_name);

// The history as a JSON array: {"epoch", "train_loss", "val_loss", "lr", "seconds", "val": {}}.
std::string history_json(const std::vector<EpochRecord>& history);

// Everything metrics.json says about a run.
struct RunReport {
  const TrainConfig* config = nullptr;
  ModelSpec spec{};
  int64_t parameters = 0;  // the model's parameter count
  std::string data_label{};
  int64_t sequences = 0;                                // the data's rows
  int64_t train_rows = 0, val_rows = 0, test_rows = 0;  // the split's
  std::vector<std::string> target_names{};
  std::vector<SkippedRows> skipped{};  // input rows the data left out
  const std::vector<EpochRecord>* history = nullptr;
  int64_t best_epoch = 0;
  double best_val_loss = 0;
  bool finished = false;  // after the last epoch: stop_reason and test are reported
  std::string stop_reason{};
  Metrics test{};
  std::vector<std::pair<std::string, Metrics>> test_per_output{};  // "test_per_output" when set
};

// metrics.json: task, model, data, config, history, best epoch (and when finished, why training
// stopped and the test metrics), indented by two spaces.
std::string run_report_json(const RunReport& report);

// The metrics JSON of `dnagrad evaluate`: checkpoint, data, sequences, task, loss, metrics (the
// mean over outputs) and, for several named outputs, "per_output": {name: metrics}.
std::string evaluation_json(const std::string& checkpoint, const std::string& data_label,
                            int64_t sequences, Task task, double loss, const Metrics& metrics,
                            const std::vector<SkippedRows>& skipped = {},
                            const std::vector<std::pair<std::string, Metrics>>& per_output = {});

// A predictions table: one row per sequence with its name, its targets (when target_columns is
// not empty) and its predictions, tab-separated under a header, 7 significant digits.
struct PredictionsTable {
  std::vector<std::string> names{};
  std::vector<std::string> target_columns{};
  std::vector<const float*> targets{};  // per row: target_columns.size() values
  std::vector<std::string> prediction_columns{};
  const float* predictions = nullptr;  // [names, prediction_columns] row-major
};
std::string predictions_tsv(const PredictionsTable& table);

// test_parity.svg: predicted against measured, titled with the test r and R².
std::string parity_svg(const std::vector<double>& measured, const std::vector<double>& predicted,
                       double pearson, double r2);

}  // namespace dnagrad::genomics
