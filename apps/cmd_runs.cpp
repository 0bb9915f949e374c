// `dnagrad runs`: reads a run registry (genomics/train/registry.h) written by `train --registry`.
//   dnagrad runs list --registry runs.sqlite            every run: status, epochs, best val loss
//   dnagrad runs show 3 --registry runs.sqlite          one run: config, each epoch, final metrics
//   dnagrad runs compare 2 3 --registry runs.sqlite     final metrics side by side, config diffs
//   dnagrad runs best --metric best_val_loss --registry runs.sqlite   (--max for the highest)
//   dnagrad runs report --registry runs.sqlite --out report.html    one self-contained page
// Each prints an aligned table, or with --json one JSON document on stdout.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // the registry comes with genomics IO (SQLite)
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "apps/commands.h"
#include "core/error.h"
#include "core/files.h"
#include "genomics/train/config.h"
#include "genomics/train/registry.h"
#include "genomics/train/runs_report.h"

namespace dnagrad::app {

namespace {

using json = nlohmann::ordered_json;

struct RunsOptions {
  std::string registry, metric = "best_val_loss", out = "report.html";
  std::vector<int64_t> ids;
  bool json = false, maximize = false;
};

// Opens an existing registry: reading one must not create an empty file by mistake.
genomics::Registry open_registry(const std::string& path) {
  DNAGRAD_CHECK(std::filesystem::is_regular_file(path), path, ": no such registry file");
  return genomics::Registry(path);
}

std::string format_value(double value) {
  if (!std::isfinite(value)) return "-";
  std::ostringstream out;
  out << value;
  return out.str();
}

// Prints `rows` under `header`, each column as wide as its widest cell, two spaces apart.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    std::cout << line << "\n";
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

json run_json(const genomics::Registry& registry, const genomics::RunRow& run) {
  json j = {{"id", run.id},
            {"sweep_id", run.sweep_id ? json(*run.sweep_id) : json(nullptr)},
            {"status", run.status},
            {"seed", run.seed},
            {"out_dir", run.out_dir},
            {"host", run.host},
            {"version", run.version},
            {"start_time", run.start_time},
            {"end_time", run.end_time},
            {"config", json::parse(run.config)}};
  json final_metrics = json::object();
  for (const auto& [name, value] : registry.final_metrics(run.id)) final_metrics[name] = value;
  j["final"] = final_metrics;  // NaN becomes null
  return j;
}

int64_t epochs_of(const genomics::Registry& registry, int64_t run_id) {
  int64_t epochs = 0;
  for (const auto& m : registry.epoch_metrics(run_id)) epochs = std::max(epochs, m.epoch);
  return epochs;
}

int run_list(const RunsOptions& o) {
  const genomics::Registry registry = open_registry(o.registry);
  json all = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const genomics::RunRow& run : registry.runs()) {
    json j = run_json(registry, run);
    j["epochs"] = epochs_of(registry, run.id);
    const auto final_metrics = registry.final_metrics(run.id);
    auto final_value = [&](const std::string& name) {
      const auto it = final_metrics.find(name);
      return it == final_metrics.end() ? std::string("-") : format_value(it->second);
    };
    rows.push_back({std::to_string(run.id), run.sweep_id ? std::to_string(*run.sweep_id) : "-",
                    run.status, std::to_string(j["epochs"].get<int64_t>()),
                    final_value("best_val_loss"), final_value("best_epoch"), run.start_time,
                    run.out_dir});
    all.push_back(std::move(j));
  }
  if (o.json)
    std::cout << all.dump(2) << "\n";
  else
    print_table(
        {"id", "sweep", "status", "epochs", "best_val_loss", "best_epoch", "started", "out"}, rows);
  return 0;
}

int run_show(const RunsOptions& o) {
  DNAGRAD_CHECK(o.ids.size() == 1, "runs show: give one run id");
  const genomics::Registry registry = open_registry(o.registry);
  const genomics::RunRow run = registry.run(o.ids[0]);
  json j = run_json(registry, run);
  // Epochs as rows, metric names as columns in the order they were first logged.
  std::vector<std::string> names;
  std::map<int64_t, std::map<std::string, double>> epochs;
  for (const auto& m : registry.epoch_metrics(run.id)) {
    if (std::find(names.begin(), names.end(), m.name) == names.end()) names.push_back(m.name);
    epochs[m.epoch][m.name] = m.value;
  }
  json history = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& [epoch, values] : epochs) {
    json e = {{"epoch", epoch}};
    std::vector<std::string> row{std::to_string(epoch)};
    for (const std::string& name : names) {
      const auto it = values.find(name);
      const double value = it == values.end() ? NAN : it->second;
      e[name] = value;
      row.push_back(format_value(value));
    }
    history.push_back(std::move(e));
    rows.push_back(std::move(row));
  }
  j["epochs"] = history;
  if (o.json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "run " << run.id << "  " << run.status << "  seed " << run.seed << "  host "
            << run.host << "  dnagrad " << run.version << "\n  started " << run.start_time
            << "  ended " << (run.end_time.empty() ? "-" : run.end_time) << "  out " << run.out_dir
            << "\n";
  names.insert(names.begin(), "epoch");
  print_table(names, rows);
  for (const auto& [name, value] : registry.final_metrics(run.id))
    std::cout << name << " " << format_value(value) << "\n";
  std::cout << "config: " << j["config"].dump() << "\n";
  return 0;
}

int run_compare(const RunsOptions& o) {
  DNAGRAD_CHECK(o.ids.size() >= 2, "runs compare: give two or more run ids");
  const genomics::Registry registry = open_registry(o.registry);
  std::vector<genomics::RunRow> runs;
  for (int64_t id : o.ids) runs.push_back(registry.run(id));
  // Metric names of any of the runs, each a row with one column per run.
  std::map<std::string, std::vector<double>> table;
  for (size_t r = 0; r < runs.size(); ++r)
    for (const auto& [name, value] : registry.final_metrics(runs[r].id)) {
      auto& values = table.try_emplace(name, runs.size(), NAN).first->second;
      values[r] = value;
    }
  // Settings that differ from the first run's, per run.
  const genomics::TrainConfig first = genomics::parse_train_config(runs[0].config, o.registry);
  json j = json::array();
  for (size_t r = 0; r < runs.size(); ++r) {
    json entry = run_json(registry, runs[r]);
    entry["differences"] = genomics::config_differences(
        first, genomics::parse_train_config(runs[r].config, o.registry));
    j.push_back(std::move(entry));
  }
  if (o.json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::vector<std::string> header{"metric"};
  for (const auto& run : runs) header.push_back("run " + std::to_string(run.id));
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, values] : table) {
    rows.push_back({name});
    for (double v : values) rows.back().push_back(format_value(v));
  }
  print_table(header, rows);
  for (size_t r = 1; r < runs.size(); ++r)
    for (const auto& d : j[r]["differences"])
      std::cout << "run " << runs[r].id << " vs " << runs[0].id << ": " << d.get<std::string>()
                << "\n";
  return 0;
}

// The finished run with the lowest (or with --max the highest) final value of --metric. A metric
// no finished run has is an error listing the ones they do have.
int run_best(const RunsOptions& o) {
  const genomics::Registry registry = open_registry(o.registry);
  std::optional<genomics::RunRow> best;
  double best_value = NAN;
  std::set<std::string> known;
  for (const genomics::RunRow& run : registry.runs()) {
    if (run.status != "finished") continue;
    const auto metrics = registry.final_metrics(run.id);
    for (const auto& [name, value] : metrics) known.insert(name);
    const auto it = metrics.find(o.metric);
    if (it == metrics.end() || !std::isfinite(it->second)) continue;
    if (!best || (o.maximize ? it->second > best_value : it->second < best_value)) {
      best = run;
      best_value = it->second;
    }
  }
  if (!best) {
    std::string names;
    for (const std::string& name : known) names += (names.empty() ? "" : ", ") + name;
    fail(o.registry, ": no finished run has the metric '", o.metric, "'",
         known.empty() ? std::string(" (no run has finished)") : " (there are: " + names + ")");
  }
  json j = run_json(registry, *best);
  if (o.json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "run " << best->id << ": " << o.metric << " " << format_value(best_value) << " ("
            << (o.maximize ? "highest" : "lowest") << " of the finished runs)\n"
            << "config (for train --config):\n"
            << j["config"].dump(2) << "\n";
  return 0;
}

int run_report(const RunsOptions& o) {
  const genomics::Registry registry = open_registry(o.registry);
  const std::string html = genomics::runs_report_html(registry, "dnagrad runs: " + o.registry);
  write_file_atomically(o.out, html);
  std::cout << "wrote " << o.out << "\n";
  return 0;
}

}  // namespace

void add_runs_command(CLI::App& app, Commands& commands) {
  auto o = std::make_shared<RunsOptions>();
  CLI::App* runs = app.add_subcommand("runs", "list, show, compare and rank logged training runs");
  runs->require_subcommand(1);
  auto add = [&](const std::string& name, const std::string& help, int (*run)(const RunsOptions&)) {
    CLI::App* cmd = runs->add_subcommand(name, help);
    cmd->add_option("--registry", o->registry, "the run registry (SQLite)")->required();
    cmd->add_flag("--json", o->json, "print JSON instead of a table");
    commands.entries.push_back({cmd, [o, run]() { return run(*o); }});
    return cmd;
  };
  add("list", "every run in the registry", run_list);
  add("show", "one run: its config, epochs and final metrics", run_show)
      ->add_option("id", o->ids, "run id")
      ->required();
  add("compare", "final metrics and config differences of runs", run_compare)
      ->add_option("ids", o->ids, "run ids")
      ->required();
  CLI::App* best = add("best", "the finished run with the best final metric", run_best);
  best->add_option("--metric", o->metric, "final metric to rank by")->capture_default_str();
  best->add_flag("--max", o->maximize, "the highest value wins (default: the lowest)");
  add("report", "an HTML page comparing the runs (sortable table, validation curves)", run_report)
      ->add_option("--out", o->out, "the page to write")
      ->capture_default_str();
}

}  // namespace dnagrad::app
#endif  // DNAGRAD_WITH_GENOMICS_IO
