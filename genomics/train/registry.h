// The run registry: one SQLite file (`dnagrad train --registry runs.sqlite`) that records every
// training run — its config, seed, host, version, status, each epoch's metrics and the final
// metrics — so runs can be listed and compared (`dnagrad runs`) or queried with any SQLite tool:
//
//   sqlite3 runs.sqlite "SELECT run_id, value FROM final_metrics WHERE name = 'best_val_loss'"
//
// Tables:
//   sweeps(id, name, space, out_dir, created)      a search space (the sweep file) and its folder
//   runs(id, sweep_id, status, config, seed, out_dir, host, version, start_time, end_time)
//        status: queued | running | finished | failed | pruned; config: the TrainConfig JSON;
//        times: UTC, ISO 8601; version: the dnagrad version of the binary that ran it
//   epoch_metrics(run_id, epoch, name, value)      train_loss, val_loss, lr, seconds, val_<metric>
//   final_metrics(run_id, name, value)             best_epoch, best_val_loss, best_val_<metric>,
//                                                  test_<metric>
// Metrics that are not finite are NULL.
//
// Safety: the file is in WAL mode, so readers never block the writer and several processes may
// log into one registry (writers queue on a busy timeout). Each call below is one transaction:
// a run's row, one epoch's metrics, or the final metrics together with the status. A process
// killed mid-run therefore leaves whole epochs and the status `running`, never half an epoch or
// a `finished` run without its final metrics.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "genomics/train/reports.h"
#include "genomics/train/sqlite.h"
#include "genomics/train/trainer.h"

namespace dnagrad::genomics {

struct RunRow {
  int64_t id = 0;
  std::optional<int64_t> sweep_id;
  std::string status, config, out_dir, host, version, start_time, end_time;
  int64_t seed = 0;
};

struct EpochMetric {
  int64_t epoch = 0;
  std::string name;
  double value = 0;  // NaN for NULL
};

class Registry {
 public:
  // Opens (creating when missing) the registry at `path` and its tables. A file that is not an
  // SQLite database, or one whose tables are not a registry's, is an Error naming the file.
  explicit Registry(const std::string& path);

  int64_t add_sweep(const std::string& name, const std::string& space_json,
                    const std::string& out_dir = "");
  // A sweep and its runs, all queued, in one transaction (all or none): run i gets the config
  // JSON and seed runs[i] and the folder out_root/runs/<its id>. Returns the sweep's id.
  int64_t add_sweep_with_runs(const std::string& name, const std::string& space_json,
                              const std::string& out_root,
                              const std::vector<std::pair<std::string, int64_t>>& runs);
  // The newest sweep whose folder is `out_dir`, if any: (id, space).
  std::optional<std::pair<int64_t, std::string>> find_sweep(const std::string& out_dir) const;

  // A new run with status `status` (queued or running; running also sets the start time and
  // host); returns its id.
  int64_t add_run(const std::string& config_json, int64_t seed, const std::string& out_dir,
                  const std::string& status = "running", std::optional<int64_t> sweep_id = {});
  // Sets a run's status to running, its start time to now and its host to this one; clears its
  // end time and what earlier attempts logged (epochs, final metrics): a resumed run logs its
  // restored epochs again (TrainRun::on_epoch).
  void start_run(int64_t run_id);
  // One epoch's metrics, all or none.
  void log_epoch(int64_t run_id, const EpochRecord& record);
  // Sets the end time and the status (finished, failed or pruned) with the final metrics.
  void finish_run(int64_t run_id, const std::string& status,
                  const std::map<std::string, double>& final_metrics = {});

  std::vector<RunRow> runs(std::optional<int64_t> sweep_id = {}) const;  // all, or one sweep's
  RunRow run(int64_t run_id) const;  // throws naming the id when there is none
  std::vector<EpochMetric> epoch_metrics(int64_t run_id) const;
  std::map<std::string, double> final_metrics(int64_t run_id) const;

  Database& database() { return db_; }
  const std::string& path() const { return db_.path(); }

 private:
  mutable Database db_;
};

// Trains `run` as registry run `run_id` (already added or started as running): logs each epoch as
// it ends, then sets the status finished with the final metrics (only if `last_stage`: a sweep's
// run trained to a halving rung stays running), or failed when training throws (the training
// error is rethrown, naming the registry's too if marking the run failed fails).
TrainResult train_registered(Registry& registry, int64_t run_id, TrainRun run,
                             const TrainConfig& config, bool last_stage = true);

// What a finished training run reports as its final metrics: best_epoch, best_val_loss, the best
// epoch's validation metrics as best_val_<name>, and the test metrics as test_<name>.
std::map<std::string, double> final_metrics_of(const TrainResult& result);

// The version recorded for runs: the project version of this build.
std::string registry_version();

}  // namespace dnagrad::genomics
