// genomics/train/registry: the run registry's tables and values, transactions that leave no half
// epoch or half-finished run, concurrent writers on one WAL file, and files that are not SQLite.
// Expected values are written out by hand.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // the registry comes with genomics IO (SQLite)
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "genome_fixture.h"
#include "genomics/train/registry.h"

namespace {

using dnagrad::genomics::Database;
using dnagrad::genomics::EpochRecord;
using dnagrad::genomics::Registry;
using dnagrad::genomics::Statement;

// One integer from a query, read through a separate connection: what another process sees.
int64_t count(const std::string& path, const std::string& sql) {
  Database db(path);
  Statement s(db, sql);
  REQUIRE(s.step());
  return s.int64(0);
}

EpochRecord epoch(int64_t n, double train_loss, double val_loss, double pearson) {
  return EpochRecord{.epoch = n,
                     .train_loss = train_loss,
                     .val_loss = val_loss,
                     .lr = 1e-3,
                     .seconds = 0.5,
                     .val = {{"pearson", pearson}}};
}

}  // namespace

TEST_CASE("registry: a run's row, epochs and final metrics read back as written") {
  dnagrad::testing::ScratchDir dir;
  const std::string path = (dir.path() / "runs.sqlite").string();
  Registry registry(path);
  const int64_t sweep = registry.add_sweep("lr", R"({"lr":[0.1,0.01]})");
  const int64_t a = registry.add_run(R"({"lr":0.1})", 7, "out/a", "running", sweep);
  const int64_t b = registry.add_run(R"({"lr":0.01})", 8, "out/b", "queued");
  CHECK(a == 1);
  CHECK(b == 2);
  registry.log_epoch(a, epoch(1, 2.0, 1.5, 0.25));
  registry.log_epoch(a, epoch(2, 1.0, NAN, 0.5));  // a NaN val loss is stored as NULL
  registry.finish_run(a, "finished", {{"best_epoch", 1}, {"best_val_loss", 1.5}});

  const auto runs = registry.runs();
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].status == "finished");
  CHECK(runs[0].sweep_id == sweep);
  CHECK(runs[0].seed == 7);
  CHECK(runs[0].config == R"({"lr":0.1})");
  CHECK(runs[0].out_dir == "out/a");
  CHECK(runs[0].version == "0.1.0");
  CHECK_FALSE(runs[0].start_time.empty());
  CHECK_FALSE(runs[0].end_time.empty());
  CHECK(runs[1].status == "queued");
  CHECK_FALSE(runs[1].sweep_id.has_value());
  CHECK(runs[1].start_time.empty());  // a queued run has not started

  // 2 epochs x (train_loss, val_loss, lr, seconds, val_pearson).
  const auto metrics = registry.epoch_metrics(a);
  REQUIRE(metrics.size() == 10);
  CHECK(metrics[0].name == "train_loss");
  CHECK(metrics[0].value == 2.0);
  CHECK(metrics[4].name == "val_pearson");
  CHECK(metrics[4].value == 0.25);
  CHECK(metrics[6].name == "val_loss");
  CHECK(std::isnan(metrics[6].value));
  CHECK(count(path, "SELECT COUNT(*) FROM epoch_metrics WHERE value IS NULL") == 1);
  CHECK(registry.final_metrics(a) ==
        std::map<std::string, double>{{"best_epoch", 1}, {"best_val_loss", 1.5}});
  // The journal is WAL for every connection, as the file records it.
  Database other(path);
  Statement mode(other, "PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.text(0) == "wal");
}

TEST_CASE("registry: an epoch that fails half-way leaves none of its rows") {
  dnagrad::testing::ScratchDir dir;
  const std::string path = (dir.path() / "runs.sqlite").string();
  Registry registry(path);
  const int64_t run = registry.add_run("{}", 1, "out");
  registry.log_epoch(run, epoch(1, 2.0, 1.5, 0.25));
  // A row already there makes epoch 2's last insert (val_pearson) fail after its first four.
  registry.database().exec(
      "INSERT INTO epoch_metrics(run_id, epoch, name, value) VALUES (1, 2, 'val_pearson', 9)");
  CHECK_THROWS_AS(registry.log_epoch(run, epoch(2, 1.0, 1.0, 0.5)), dnagrad::Error);
  CHECK(count(path, "SELECT COUNT(*) FROM epoch_metrics WHERE epoch = 1") == 5);
  CHECK(count(path, "SELECT COUNT(*) FROM epoch_metrics WHERE epoch = 2") == 1);
  // The connection is usable afterwards: the failed transaction was rolled back, not left open.
  registry.log_epoch(run, epoch(3, 1.0, 1.0, 0.5));
  CHECK(count(path, "SELECT COUNT(*) FROM epoch_metrics WHERE epoch = 3") == 5);
}

TEST_CASE("registry: finishing a run that does not exist writes no final metrics") {
  dnagrad::testing::ScratchDir dir;
  const std::string path = (dir.path() / "runs.sqlite").string();
  Registry registry(path);
  CHECK_THROWS_WITH_AS(registry.finish_run(42, "finished", {{"best_val_loss", 1.0}}),
                       doctest::Contains("there is no run 42"), dnagrad::Error);
  CHECK(count(path, "SELECT COUNT(*) FROM final_metrics") == 0);
  CHECK_THROWS_WITH_AS(registry.add_run("{}", 1, "out", "finished"),
                       doctest::Contains("queued or running"), dnagrad::Error);
  CHECK_THROWS_WITH_AS(registry.log_epoch(42, epoch(1, 1, 1, 1)), doctest::Contains("FOREIGN KEY"),
                       dnagrad::Error);
}

TEST_CASE("registry: a run whose process is killed mid-epoch stays 'running' with whole epochs") {
  dnagrad::testing::ScratchDir dir;
  const std::string path = (dir.path() / "runs.sqlite").string();
  // A child process logs epoch 1, opens epoch 2's transaction, writes one row of it and is
  // killed (SIGKILL: no destructor, no rollback, no close).
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    Registry registry(path);
    const int64_t run = registry.add_run("{}", 1, "out");
    registry.log_epoch(run, epoch(1, 2.0, 1.5, 0.25));
    dnagrad::genomics::Transaction open(registry.database());
    registry.database().exec(
        "INSERT INTO epoch_metrics(run_id, epoch, name, value) VALUES (1, 2, 'train_loss', 1)");
    raise(SIGKILL);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  Registry reopened(path);
  CHECK(reopened.run(1).status == "running");
  CHECK(reopened.epoch_metrics(1).size() == 5);  // epoch 1 only
  Database check(path);
  Statement integrity(check, "PRAGMA integrity_check");
  REQUIRE(integrity.step());
  CHECK(integrity.text(0) == "ok");
  reopened.start_run(1);  // resumable: the same run starts again, its old epochs cleared
  CHECK(reopened.run(1).status == "running");
  CHECK(reopened.epoch_metrics(1).empty());
}

TEST_CASE("registry: a sweep's runs are added together, each with its own folder") {
  dnagrad::testing::ScratchDir dir;
  const std::string path = (dir.path() / "runs.sqlite").string();
  Registry registry(path);
  registry.add_run("{}", 1, "elsewhere");  // run 1 is not the sweep's
  const int64_t sweep =
      registry.add_sweep_with_runs("s", "{}", "/sw", {{R"({"lr":0.1})", 3}, {R"({"lr":0.2})", 4}});
  const auto runs = registry.runs(sweep);
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].id == 2);
  CHECK(runs[0].out_dir == "/sw/runs/2");
  CHECK(runs[1].out_dir == "/sw/runs/3");
  CHECK(runs[1].seed == 4);
  CHECK(runs[1].status == "queued");
  CHECK(registry.find_sweep("/sw")->first == sweep);
  CHECK_FALSE(registry.find_sweep("/other").has_value());
  CHECK(registry.runs().size() == 3);
}

TEST_CASE("registry: two writers on one file, each with its own connection") {
  dnagrad::testing::ScratchDir dir;
  const std::string path = (dir.path() / "runs.sqlite").string();
  Registry{path};  // the tables, before the writers race
  constexpr int kRuns = 15, kEpochs = 3;
  std::vector<std::string> errors(2);
  auto writer = [&](int w) {
    try {
      Registry registry(path);
      for (int r = 0; r < kRuns; ++r) {
        const int64_t run = registry.add_run("{}", w, "out");
        for (int e = 1; e <= kEpochs; ++e) {
          EpochRecord record = epoch(e, 1.0, 1.0, 0.0);
          record.val.clear();
          registry.log_epoch(run, record);
        }
        registry.finish_run(run, "finished", {{"best_val_loss", w + r / 100.0}});
      }
    } catch (const std::exception& e) {
      errors[static_cast<size_t>(w)] = e.what();
    }
  };
  std::thread first(writer, 0), second(writer, 1);
  first.join();
  second.join();
  CHECK(errors[0] == "");
  CHECK(errors[1] == "");
  // 2 writers x 15 runs; each run 3 epochs x 4 metrics; one final metric each.
  CHECK(count(path, "SELECT COUNT(*) FROM runs WHERE status = 'finished'") == 30);
  CHECK(count(path, "SELECT COUNT(*) FROM epoch_metrics") == 360);
  CHECK(count(path, "SELECT COUNT(*) FROM final_metrics") == 30);
  CHECK(count(path, "SELECT COUNT(DISTINCT run_id) FROM epoch_metrics") == 30);
}

TEST_CASE("registry: a file that is not SQLite is an error naming it") {
  dnagrad::testing::ScratchDir dir;
  const std::string path = dir.write("notes.sqlite", std::string(200, 'x'));
  CHECK_THROWS_WITH_AS(Registry{path}, doctest::Contains("notes.sqlite"), dnagrad::Error);
  CHECK_THROWS_WITH_AS(Registry{path}, doctest::Contains("not a database"), dnagrad::Error);
}

TEST_CASE("registry: final metrics of a training result") {
  dnagrad::genomics::TrainResult result;
  result.history = {epoch(1, 2.0, 1.5, 0.25), epoch(2, 1.0, 1.25, 0.5), epoch(3, 0.5, 1.75, 0.75)};
  result.best_epoch = 2;
  result.best_val_loss = 1.25;
  result.test = {{"loss", 1.0}, {"r2", 0.125}};
  CHECK(dnagrad::genomics::final_metrics_of(result) ==
        std::map<std::string, double>{{"best_epoch", 2},
                                      {"best_val_loss", 1.25},
                                      {"best_val_pearson", 0.5},
                                      {"test_loss", 1.0},
                                      {"test_r2", 0.125}});
}

#endif  // DNAGRAD_WITH_GENOMICS_IO
