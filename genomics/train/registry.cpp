#include "genomics/train/registry.h"

#include <unistd.h>

#include <climits>

#include "core/error.h"

#ifndef DNAGRAD_VERSION
#define DNAGRAD_VERSION "unknown"
#endif

namespace dnagrad::genomics {

namespace {

// IF NOT EXISTS: opening an existing registry leaves it as it is. The CHECK keeps statuses to the
// five the commands know, whoever writes the file.
constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS sweeps(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, space TEXT NOT NULL, out_dir TEXT NOT NULL,
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY, sweep_id INTEGER REFERENCES sweeps(id),
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'finished', 'failed', 'pruned')),
  config TEXT NOT NULL, seed INTEGER NOT NULL, out_dir TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '',
  start_time TEXT, end_time TEXT);
CREATE TABLE IF NOT EXISTS epoch_metrics(
  run_id INTEGER NOT NULL REFERENCES runs(id), epoch INTEGER NOT NULL, name TEXT NOT NULL,
  value REAL, PRIMARY KEY (run_id, epoch, name));
CREATE TABLE IF NOT EXISTS final_metrics(
  run_id INTEGER NOT NULL REFERENCES runs(id), name TEXT NOT NULL, value REAL,
  PRIMARY KEY (run_id, name));
)";

constexpr const char* kNow = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  return gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string();
}

RunRow read_run(const Statement& s) {
  RunRow r;
  r.id = s.int64(0);
  if (!s.is_null(1)) r.sweep_id = s.int64(1);
  r.status = s.text(2);
  r.config = s.text(3);
  r.seed = s.int64(4);
  r.out_dir = s.text(5);
  r.host = s.text(6);
  r.version = s.text(7);
  r.start_time = s.text(8);
  r.end_time = s.text(9);
  return r;
}

constexpr const char* kRunColumns =
    "SELECT id, sweep_id, status, config, seed, out_dir, host, version, start_time, end_time "
    "FROM runs";

}  // namespace

std::string registry_version() { return DNAGRAD_VERSION; }

Registry::Registry(const std::string& path) : db_(path) {
  // WAL: the journal mode is stored in the file, so every later connection uses it too. A file
  // that is not SQLite fails here with "file is not a database".
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec("PRAGMA foreign_keys=ON");
  Transaction t(db_);
  db_.exec(kSchema);
  t.commit();
}

int64_t Registry::add_sweep(const std::string& name, const std::string& space_json,
                            const std::string& out_dir) {
  Statement s(db_, "INSERT INTO sweeps(name, space, out_dir) VALUES (?1, ?2, ?3)");
  s.bind(1, name).bind(2, space_json).bind(3, out_dir).run();
  return db_.last_insert_id();
}

int64_t Registry::add_sweep_with_runs(const std::string& name, const std::string& space_json,
                                      const std::string& out_root,
                                      const std::vector<std::pair<std::string, int64_t>>& runs) {
  Transaction t(db_);
  const int64_t sweep = add_sweep(name, space_json, out_root);
  Statement folder(db_, "UPDATE runs SET out_dir = ?2 WHERE id = ?1");
  for (const auto& [config, seed] : runs) {
    const int64_t run = add_run(config, seed, "", "queued", sweep);
    folder.bind(1, run).bind(2, out_root + "/runs/" + std::to_string(run)).run();
  }
  t.commit();
  return sweep;
}

std::optional<std::pair<int64_t, std::string>> Registry::find_sweep(
    const std::string& out_dir) const {
  Statement s(db_, "SELECT id, space FROM sweeps WHERE out_dir = ?1 ORDER BY id DESC LIMIT 1");
  s.bind(1, out_dir);
  if (!s.step()) return std::nullopt;
  return std::make_pair(s.int64(0), s.text(1));
}

int64_t Registry::add_run(const std::string& config_json, int64_t seed, const std::string& out_dir,
                          const std::string& status, std::optional<int64_t> sweep_id) {
  DNAGRAD_CHECK(status == "queued" || status == "running", db_.path(), ": a new run is queued or ",
                "running, not '", status, "'");
  Statement s(db_, cat("INSERT INTO runs(sweep_id, status, config, seed, out_dir, host, version, ",
                       "start_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ",
                       status == "running" ? kNow : "NULL", ")"));
  if (sweep_id)
    s.bind(1, *sweep_id);
  else
    s.bind_null(1);
  s.bind(2, status).bind(3, config_json).bind(4, seed).bind(5, out_dir);
  s.bind(6, host_name()).bind(7, registry_version()).run();
  return db_.last_insert_id();
}

void Registry::start_run(int64_t run_id) {
  Transaction t(db_);
  Statement s(db_, cat("UPDATE runs SET status = 'running', start_time = ", kNow,
                       ", end_time = NULL, host = ?2, version = ?3 WHERE id = ?1"));
  s.bind(1, run_id).bind(2, host_name()).bind(3, registry_version()).run();
  DNAGRAD_CHECK(db_.changes() == 1, db_.path(), ": there is no run ", run_id);
  for (const char* table : {"epoch_metrics", "final_metrics"})
    Statement(db_, cat("DELETE FROM ", table, " WHERE run_id = ?1")).bind(1, run_id).run();
  t.commit();
}

void Registry::log_epoch(int64_t run_id, const EpochRecord& record) {
  Transaction t(db_);
  Statement s(db_, "INSERT INTO epoch_metrics(run_id, epoch, name, value) VALUES (?1, ?2, ?3, ?4)");
  auto put = [&](const std::string& name, double value) {
    s.bind(1, run_id).bind(2, record.epoch).bind(3, name).bind(4, value).run();
  };
  put("train_loss", record.train_loss);
  put("val_loss", record.val_loss);
  put("lr", record.lr);
  put("seconds", record.seconds);
  for (const auto& [name, value] : record.val) put("val_" + name, value);
  t.commit();
}

void Registry::finish_run(int64_t run_id, const std::string& status,
                          const std::map<std::string, double>& final_metrics) {
  DNAGRAD_CHECK(status == "finished" || status == "failed" || status == "pruned", db_.path(),
                ": a run ends finished, failed or pruned, not '", status, "'");
  Transaction t(db_);
  Statement update(db_, cat("UPDATE runs SET status = ?2, end_time = ", kNow, " WHERE id = ?1"));
  update.bind(1, run_id).bind(2, status).run();
  DNAGRAD_CHECK(db_.changes() == 1, db_.path(), ": there is no run ", run_id);
  Statement put(db_,
                "INSERT OR REPLACE INTO final_metrics(run_id, name, value) VALUES (?1, ?2, ?3)");
  for (const auto& [name, value] : final_metrics)
    put.bind(1, run_id).bind(2, name).bind(3, value).run();
  t.commit();
}

std::vector<RunRow> Registry::runs(std::optional<int64_t> sweep_id) const {
  Statement s(db_, cat(kRunColumns, sweep_id ? " WHERE sweep_id = ?1" : "", " ORDER BY id"));
  if (sweep_id) s.bind(1, *sweep_id);
  std::vector<RunRow> rows;
  while (s.step()) rows.push_back(read_run(s));
  return rows;
}

RunRow Registry::run(int64_t run_id) const {
  Statement s(db_, cat(kRunColumns, " WHERE id = ?1"));
  s.bind(1, run_id);
  if (!s.step()) fail(db_.path(), ": there is no run ", run_id);
  return read_run(s);
}

std::vector<EpochMetric> Registry::epoch_metrics(int64_t run_id) const {
  Statement s(
      db_, "SELECT epoch, name, value FROM epoch_metrics WHERE run_id = ?1 ORDER BY epoch, rowid");
  s.bind(1, run_id);
  std::vector<EpochMetric> rows;
  while (s.step()) rows.push_back({s.int64(0), s.text(1), s.real(2)});
  return rows;
}

std::map<std::string, double> Registry::final_metrics(int64_t run_id) const {
  Statement s(db_, "SELECT name, value FROM final_metrics WHERE run_id = ?1");
  s.bind(1, run_id);
  std::map<std::string, double> metrics;
  while (s.step()) metrics[s.text(0)] = s.real(1);
  return metrics;
}

TrainResult train_registered(Registry& registry, int64_t run_id, TrainRun run,
                             const TrainConfig& config, bool last_stage) {
  run.on_epoch = [&](const EpochRecord& r) { registry.log_epoch(run_id, r); };
  try {
    const TrainResult result = train(run, config);
    if (last_stage) registry.finish_run(run_id, "finished", final_metrics_of(result));
    return result;
  } catch (const std::exception& e) {
    try {
      registry.finish_run(run_id, "failed");
    } catch (const std::exception& also) {
      fail(e.what(), " (and run ", run_id, " could not be marked failed: ", also.what(), ")");
    }
    throw;
  }
}

std::map<std::string, double> final_metrics_of(const TrainResult& result) {
  std::map<std::string, double> metrics{{"best_epoch", static_cast<double>(result.best_epoch)},
                                        {"best_val_loss", result.best_val_loss}};
  for (const EpochRecord& r : result.history)
    if (r.epoch == result.best_epoch)
      for (const auto& [name, value] : r.val) metrics["best_val_" + name] = value;
  for (const auto& [name, value] : result.test) metrics["test_" + name] = value;
  return metrics;
}

}  // namespace dnagrad::genomics
