#include "genomics/train/reports.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "genomics/plot/plots.h"

namespace dnagrad::genomics {

using json = nlohmann::ordered_json;

namespace {

// [{"what": ..., "count": n, "first": name}, ...]: the rows the data left out, by reason.
json skipped_array(const std::vector<SkippedRows>& skipped) {
  json a = json::array();
  for (const SkippedRows& s : skipped)
    a.push_back({{"what", s.what}, {"count", s.count}, {"first", s.first}});
  return a;
}

json metrics_object(const Metrics& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = std::isfinite(v) ? json(v) : json(nullptr);
  return j;
}

// {output name: its metrics}: what several named outputs each score on their own.
json per_output_object(const std::vector<std::pair<std::string, Metrics>>& per_output) {
  json j = json::object();
  for (const auto& [name, m] : per_output) j[name] = metrics_object(m);
  return j;
}

json history_array(const std::vector<EpochRecord>& history) {
  json h = json::array();
  for (const EpochRecord& r : history)
    h.push_back({{"epoch", r.epoch},
                 {"train_loss", r.train_loss},
                 {"val_loss", r.val_loss},
                 {"lr", r.lr},
                 {"seconds", r.seconds},
                 {"val", metrics_object(r.val)}});
  return h;
}

}  // namespace

std::string metrics_tsv(const std::vector<EpochRecord>& history) {
  std::ostringstream out;
  out << "epoch\ttrain_loss\tval_loss\tlr\tseconds";
  if (!history.empty())
    for (const auto& [k, v] : history.front().val) out << "\tval_" << k;
  out << "\n";
  for (const EpochRecord& r : history) {
    out << r.epoch << "\t" << r.train_loss << "\t" << r.val_loss << "\t" << r.lr << "\t"
        << r.seconds;
    for (const auto& [k, v] : r.val) out << "\t" << v;
    out << "\n";
  }
  return out.str();
}

std::string loss_curves_svg(const std::vector<EpochRecord>& history, const std::string& loss_name) {
  plots::Series train{.name = "train"}, val{.name = "validation"};
  bool positive = true;
  for (const EpochRecord& r : history) {
    train.y.push_back(r.train_loss);
    val.y.push_back(r.val_loss);
    positive = positive && r.train_loss > 0 && r.val_loss > 0;
  }
  return plots::line_plot(
      {train, val},
      {.title = "Loss per epoch", .x_label = "epoch", .y_label = loss_name, .log_y = positive});
}

std::string history_json(const std::vector<EpochRecord>& history) {
  return history_array(history).dump();
}

std::string run_report_json(const RunReport& r) {
  json j;
  j["task"] = r.config->task;
  j["model"] = {{"name", r.spec.name},
                {"input_length", r.spec.input_length},
                {"outputs", r.spec.outputs},
                {"parameters", r.parameters}};
  j["data"] = {{"source", r.data_label},
               {"sequences", r.sequences},
               {"train", r.train_rows},
               {"val", r.val_rows},
               {"test", r.test_rows},
               {"targets", r.target_names},
               {"skipped", skipped_array(r.skipped)}};
  j["config"] = json::parse(train_config_json(*r.config));
  j["history"] = history_array(*r.history);
  j["best_epoch"] = r.best_epoch;
  j["best_val_loss"] = r.best_val_loss;
  if (r.finished) {
    j["stop_reason"] = r.stop_reason;
    j["test"] = metrics_object(r.test);
    if (!r.test_per_output.empty()) j["test_per_output"] = per_output_object(r.test_per_output);
  }
  return j.dump(2) + "\n";
}

std::string evaluation_json(const std::string& checkpoint, const std::string& data_label,
                            int64_t sequences, Task task, double loss, const Metrics& metrics,
                            const std::vector<SkippedRows>& skipped,
                            const std::vector<std::pair<std::string, Metrics>>& per_output) {
  json j;
  j["checkpoint"] = checkpoint;
  j["data"] = data_label;
  j["sequences"] = sequences;
  j["skipped"] = skipped_array(skipped);
  j["task"] = task_name(task);
  j["loss"] = loss;
  for (const auto& [k, v] : metrics) j["metrics"][k] = std::isfinite(v) ? json(v) : json(nullptr);
  if (!per_output.empty()) j["per_output"] = per_output_object(per_output);
  return j.dump(2) + "\n";
}

std::string predictions_tsv(const PredictionsTable& t) {
  std::ostringstream tsv;
  tsv.precision(7);
  tsv << "name";
  for (const std::string& c : t.target_columns) tsv << "\t" << c;
  for (const std::string& c : t.prediction_columns) tsv << "\t" << c;
  tsv << "\n";
  const size_t n_targets = t.target_columns.size(), n_outputs = t.prediction_columns.size();
  for (size_t i = 0; i < t.names.size(); ++i) {
    tsv << t.names[i];
    for (size_t k = 0; k < n_targets; ++k) tsv << "\t" << t.targets[i][k];
    for (size_t o = 0; o < n_outputs; ++o) tsv << "\t" << t.predictions[i * n_outputs + o];
    tsv << "\n";
  }
  return tsv.str();
}

std::string parity_svg(const std::vector<double>& measured, const std::vector<double>& predicted,
                       double pearson, double r2) {
  return plots::parity_plot(measured, predicted,
                            {.title = cat("Test set: r = ", pearson, ", R² = ", r2),
                             .x_label = "measured",
                             .y_label = "predicted"});
}

}  // namespace dnagrad::genomics
