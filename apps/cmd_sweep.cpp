// `dnagrad sweep`: trains every run of a search space (genomics/train/sweep.h) on one data set,
// each in DIR/runs/<id>/ like `dnagrad train --out`, logged in a run registry (registry.h):
//   dnagrad sweep --config sweep.json --out DIR --fasta seqs.fa --labels labels.tsv
//   dnagrad sweep ... --parallel 2 --threads 1      two runs at a time, one thread each
//   dnagrad sweep ... --resume                      skip finished runs, continue the others
// The data and split options are train's. The sweep file and the data are checked first: a bad
// file fails with nothing written. The registry is DIR/registry.sqlite unless --registry names
// another; `dnagrad runs` reads it.
//
// Runs train one after another in this process, or with --parallel K in K child processes at a
// time: copies of this command line with --run ID added (the hidden worker mode, which trains
// that one run), each writing its messages to DIR/runs/<id>/train.log. K x --threads must not
// exceed the machine's cores; --threads 0 with --parallel gives each child cores / K.
//
// With "halving" in the sweep file (sweep.h) the runs train in stages: all to the first rung,
// the best `keep` fraction of them on to the next (the others end `pruned`), and so on; the
// survivors of the last rung train to the end. A run goes from one stage to the next through
// its trainer_state.safetensors, exactly as `train --resume` with more epochs.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "apps/commands.h"
#include "apps/common.h"
#include "apps/data_options.h"
#include "core/error.h"
#include "core/files.h"
#include "genomics/io/fasta.h"
#include "genomics/train/registry.h"
#include "genomics/train/sweep.h"

namespace dnagrad::app {

namespace {

namespace fs = std::filesystem;

struct SweepOptions {
  CommonOptions common;
  DataOptions data;
  SplitOptions split;
  std::string config_file, out, registry;
  int parallel = 1;
  bool resume = false;
  int64_t worker_run = 0;   // --run: train this one run (a --parallel child)
  int64_t until_epoch = 0;  // --until-epoch: the worker trains to this halving rung; 0: the end
  const std::vector<std::string>* argv = nullptr;
};

// What every run of the sweep shares: the data, its split and length policy, the device.
struct Shared {
  genomics::SequenceDataset data;
  genomics::SplitIndices split{};
  genomics::LengthPolicy length{};
  Device device = Device::cpu();
  bool quiet = false;
};

// Trains registry run `id` in its folder, from its trainer_state.safetensors when an earlier
// attempt left one, to epoch `until_epoch` (a halving rung; the run stays running) or to its end.
// Returns whether it succeeded; a failure is reported, not thrown, so the sweep goes on with the
// other runs.
bool train_run(genomics::Registry& registry, int64_t id, const Shared& shared,
               int64_t until_epoch) {
  const genomics::RunRow row = registry.run(id);
  genomics::TrainConfig config =
      genomics::parse_train_config(row.config, cat(registry.path(), ": run ", id));
  if (until_epoch > 0) config.epochs = until_epoch;
  genomics::TrainRun run;
  run.data = &shared.data;
  run.split = shared.split;
  run.length = shared.length;
  run.out_dir = row.out_dir;
  run.resume = fs::exists(fs::path(row.out_dir) / "trainer_state.safetensors");
  run.device = shared.device;
  run.log = shared.quiet ? nullptr : &std::cerr;
  registry.start_run(id);
  try {
    const genomics::TrainResult result =
        genomics::train_registered(registry, id, run, config, until_epoch == 0);
    std::cout << "run " << id << ": " << result.stop_reason << "; best val loss "
              << result.best_val_loss << " (epoch " << result.best_epoch << ")" << std::endl;
    return true;
  } catch (const Error& e) {
    std::cerr << "sweep: run " << id << " failed: " << e.what() << "\n";
    return false;
  }
}

// The worker's command line: the sweep's own, with its --threads replaced and --run and
// --until-epoch added.
std::vector<std::string> worker_argv(const std::vector<std::string>& argv, int64_t id, int threads,
                                     int64_t until_epoch) {
  std::vector<std::string> out;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--threads") {
      ++i;  // and its value
      continue;
    }
    if (argv[i].rfind("--threads=", 0) == 0) continue;
    out.push_back(argv[i]);
  }
  for (const std::string& extra :
       {std::string("--run"), std::to_string(id), std::string("--threads"), std::to_string(threads),
        std::string("--until-epoch"), std::to_string(until_epoch)})
    out.push_back(extra);
  return out;
}

// Starts a copy of this program (/proc/self/exe: Linux) training run `id`, its stdout and
// stderr in `log_path`.
pid_t spawn_worker(const std::vector<std::string>& args, const std::string& log_path) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  DNAGRAD_CHECK(rc == 0, "sweep: cannot start a worker process: ", std::strerror(rc));
  return pid;
}

// Trains `pending` to `until_epoch` (0: the end) with at most `parallel` workers at once; returns
// the runs that succeeded. A worker that dies without marking its run (killed) leaves it
// running; it is marked failed here.
std::vector<int64_t> run_workers(genomics::Registry& registry, const std::vector<int64_t>& pending,
                                 const SweepOptions& o, int threads, int64_t until_epoch) {
  std::map<pid_t, int64_t> running;
  size_t next = 0;
  std::vector<int64_t> succeeded;
  while (next < pending.size() || !running.empty()) {
    while (running.size() < static_cast<size_t>(o.parallel) && next < pending.size()) {
      const int64_t id = pending[next++];
      const std::string log = registry.run(id).out_dir + "/train.log";
      running[spawn_worker(worker_argv(*o.argv, id, threads, until_epoch), log)] = id;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0 && errno == EINTR) continue;
    DNAGRAD_CHECK(pid > 0, "sweep: waiting for workers: ", std::strerror(errno));
    const int64_t id = running.at(pid);
    running.erase(pid);
    const genomics::RunRow row = registry.run(id);
    const char* expected = until_epoch > 0 ? "running" : "finished";
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && row.status == expected) {
      std::cout << "run " << id << ": "
                << (until_epoch > 0 ? cat("at epoch ", until_epoch) : "finished") << " ("
                << row.out_dir << ")" << std::endl;
      succeeded.push_back(id);
      continue;
    }
    if (row.status == "running") registry.finish_run(id, "failed");
    std::cerr << "sweep: run " << id << " failed; see " << row.out_dir << "/train.log\n";
  }
  return succeeded;
}

// One stage of the sweep: `ids` trained to `until_epoch` (0: the end), in this process or in
// workers. Returns the runs that succeeded.
std::vector<int64_t> train_stage(genomics::Registry& registry, const std::vector<int64_t>& ids,
                                 const SweepOptions& o, const Shared& shared, int threads,
                                 int64_t until_epoch) {
  if (o.parallel > 1) return run_workers(registry, ids, o, threads, until_epoch);
  std::vector<int64_t> succeeded;
  for (int64_t id : ids)
    if (train_run(registry, id, shared, until_epoch)) succeeded.push_back(id);
  return succeeded;
}

// Successive halving at epoch `rung`: ranks every run of the sweep that logged the metric there
// (runs pruned or finished before a --resume included, so a resumed sweep decides as an
// uninterrupted one would) and marks the ones of `alive` that fall out `pruned`. Returns the
// runs that go on: the survivors, and runs that stopped early before the rung (they are done
// training; the last stage finishes them).
std::vector<int64_t> prune_at(genomics::Registry& registry, int64_t sweep_id,
                              const std::vector<int64_t>& alive, const genomics::Halving& h,
                              int64_t rung) {
  std::vector<std::pair<int64_t, double>> values;
  std::vector<int64_t> go_on;
  std::set<int64_t> ranked;
  for (const genomics::RunRow& row : registry.runs(sweep_id)) {
    const bool is_alive = std::find(alive.begin(), alive.end(), row.id) != alive.end();
    int64_t last_epoch = 0;
    std::string names;
    std::optional<double> value;
    for (const genomics::EpochMetric& m : registry.epoch_metrics(row.id)) {
      last_epoch = std::max(last_epoch, m.epoch);
      if (m.epoch != rung) continue;
      names += (names.empty() ? "" : ", ") + m.name;
      if (m.name == h.metric) value = m.value;
    }
    if (value) {
      values.emplace_back(row.id, *value);
      if (is_alive) ranked.insert(row.id);
    } else if (is_alive && last_epoch < rung) {
      go_on.push_back(row.id);  // stopped early
    } else if (is_alive) {
      fail("sweep: halving.metric: run ", row.id, " logged no '", h.metric, "' at epoch ", rung,
           " (it logged: ", names, ")");
    }
  }
  const std::vector<int64_t> survivors = genomics::halving_survivors(values, h);
  for (int64_t id : ranked) {
    if (std::find(survivors.begin(), survivors.end(), id) != survivors.end()) {
      go_on.push_back(id);
      continue;
    }
    registry.finish_run(id, "pruned");
    std::cout << "run " << id << ": pruned at epoch " << rung << std::endl;
  }
  std::sort(go_on.begin(), go_on.end());
  return go_on;
}

// Creates the sweep's folder and opens the registry; when the registry cannot be opened (a file
// that is not SQLite), a folder made for it is removed again: a failed sweep leaves nothing.
genomics::Registry open_registry_in(const fs::path& out, const std::string& registry_path) {
  const bool created = fs::create_directories(out);
  try {
    return genomics::Registry(registry_path);
  } catch (const Error&) {
    if (created) fs::remove_all(out);
    throw;
  }
}

Shared load_shared(const SweepOptions& o) {
  Shared shared{.data = genomics::load_dataset(o.data.spec)};
  report_inputs(shared.data);
  shared.split = make_split(shared.data, o.split);
  shared.length = length_policy(o.data);
  shared.device = apply_common_options(o.common);
  shared.quiet = o.common.quiet;
  return shared;
}

int run_sweep(SweepOptions& o) {
  const std::string text = genomics::read_text_file(o.config_file);
  genomics::TrainConfig defaults;
  defaults.seed = o.common.seed;
  const genomics::Sweep sweep = genomics::expand_sweep(text, o.config_file, defaults);
  const fs::path out = fs::absolute(o.out);
  const std::string registry_path =
      o.registry.empty() ? (out / "registry.sqlite").string() : o.registry;
  if (o.worker_run > 0) {
    const Shared shared = load_shared(o);
    genomics::Registry registry(registry_path);
    return train_run(registry, o.worker_run, shared, o.until_epoch) ? 0 : 1;
  }
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  DNAGRAD_CHECK(o.parallel >= 1, "sweep: --parallel must be at least 1, got ", o.parallel);
  const int threads = o.common.threads > 0 ? o.common.threads : std::max(1, cores / o.parallel);
  DNAGRAD_CHECK(o.parallel == 1 || o.parallel * threads <= cores, "sweep: --parallel ", o.parallel,
                " x --threads ", threads, " = ", o.parallel * threads, " threads on ", cores,
                " cores; lower one of them");
  DNAGRAD_CHECK(o.resume || !fs::exists(out / "runs"), out.string(),
                " already holds a sweep (runs/): --resume continues it, or choose another --out");
  const Shared shared = load_shared(o);  // bad data fails before the registry is written
  genomics::Registry registry = open_registry_in(out, registry_path);
  const std::string space = nlohmann::ordered_json::parse(text).dump();
  int64_t sweep_id = 0;
  if (o.resume) {
    const auto found = registry.find_sweep(out.string());
    DNAGRAD_CHECK(found, registry_path, ": no sweep in ", out.string(), " to resume");
    DNAGRAD_CHECK(found->second == space, o.config_file, ": not the sweep file ", out.string(),
                  " was started with (sweep ", found->first, " in ", registry_path, ")");
    sweep_id = found->first;
  } else {
    std::vector<std::pair<std::string, int64_t>> runs;
    for (const genomics::SweepRun& r : sweep.runs)
      runs.emplace_back(genomics::train_config_json(r.config, -1),
                        static_cast<int64_t>(r.config.seed));
    sweep_id = registry.add_sweep_with_runs(sweep.name, space, out.string(), runs);
  }
  std::vector<int64_t> pending;
  const std::vector<genomics::RunRow> rows = registry.runs(sweep_id);
  for (const genomics::RunRow& row : rows) {
    if (row.status == "finished" || row.status == "pruned") continue;
    pending.push_back(row.id);
    fs::create_directories(row.out_dir);
    // The run's recipe, ready for `dnagrad train --config`.
    write_file_atomically(
        row.out_dir + "/config.json",
        genomics::train_config_json(genomics::parse_train_config(row.config, row.out_dir)) + "\n");
  }
  std::cout << "sweep " << sweep_id << ": " << rows.size() << " runs, " << pending.size()
            << " to train, " << (o.parallel > 1 ? cat(o.parallel, " at a time") : "one at a time")
            << "; registry " << registry_path << std::endl;
  std::vector<int64_t> alive = pending;
  if (sweep.halving)
    for (int64_t rung : sweep.halving->rungs) {
      const std::vector<int64_t> trained = train_stage(registry, alive, o, shared, threads, rung);
      alive = prune_at(registry, sweep_id, trained, *sweep.halving, rung);
    }
  const std::vector<int64_t> finished = train_stage(registry, alive, o, shared, threads, 0);
  int failed = 0;
  for (const genomics::RunRow& row : registry.runs(sweep_id)) failed += row.status == "failed";
  std::cout << "sweep " << sweep_id << ": " << finished.size() << " of " << pending.size()
            << " runs trained to the end, " << failed << " failed"
            << "; dnagrad runs list --registry " << registry_path << std::endl;
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_sweep_command(CLI::App& app, Commands& commands) {
  auto o = std::make_shared<SweepOptions>();
  o->argv = &commands.argv;
  CLI::App* cmd = app.add_subcommand("sweep", "train every run of a hyper-parameter search space");
  add_data_options(cmd, o->data, true);
  add_split_options(cmd, o->split);
  cmd->add_option("--config", o->config_file, "the sweep file (docs/sweeps.md)")->required();
  cmd->add_option("--out", o->out, "the sweep's folder: runs/<id>/, registry.sqlite")->required();
  cmd->add_option("--registry", o->registry, "the run registry (default: OUT/registry.sqlite)");
  cmd->add_option("--parallel", o->parallel, "runs at a time, each in its own process")
      ->capture_default_str();
  cmd->add_flag("--resume", o->resume, "skip finished runs; continue or restart the others");
  cmd->add_option("--run", o->worker_run, "train only this registry run (used by --parallel)")
      ->group("");  // hidden
  cmd->add_option("--until-epoch", o->until_epoch, "with --run: train to this halving rung")
      ->group("");
  add_common_options(cmd, o->common);
  commands.entries.push_back({cmd, [o]() { return run_sweep(*o); }});
}

}  // namespace dnagrad::app
#endif  // DNAGRAD_WITH_GENOMICS_IO
