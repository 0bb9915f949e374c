// `dnagrad bench`: the benchmarks of bench/, as a table and optionally as JSON.
#include <algorithm>
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "apps/common.h"
#include "bench/bench.h"
#include "core/error.h"
#include "core/threads.h"

namespace dnagrad::app {

namespace {
struct BenchOptions {
  CommonOptions common;
  std::string json;
  int repeats = 5;
  int warmup = 1;
  std::vector<std::string> groups;  // empty: all
};

// The benchmark groups, in the order they run (`dnagrad bench ism pipeline` runs two of them).
// A group that needs a GPU runs in the default "all" only with --device cuda; asked for by name
// without one, the command fails with one line saying why.
struct Group {
  const char* name;
  std::vector<bench::Measurement> (*run)(const bench::Config&);
  bool needs_cuda = false;
};
const std::vector<Group>& groups() {
  static const std::vector<Group> all = {
      {"promoter", bench::promoter_benchmarks},
      {"demo", bench::demo_benchmarks},
      {"ism", bench::ism_benchmarks},
#ifdef DNAGRAD_WITH_GENOMICS_IO
      {"pipeline", bench::pipeline_benchmarks},
#endif
      {"kernels", bench::kernel_benchmarks, true},
  };
  return all;
}
}  // namespace

void add_bench_command(CLI::App& app, Commands& commands) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "time the engine on the documents' models");
  std::vector<std::string> names;
  for (const Group& g : groups()) names.push_back(g.name);
  cmd->add_option("groups", options->groups, "benchmark groups to run (default: all)")
      ->check(CLI::IsMember(names));
  add_common_options(cmd, options->common);
  cmd->add_option("--json", options->json, "also write the results to this JSON file");
  cmd->add_option("--repeats", options->repeats, "timed runs per benchmark (median reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--warmup", options->warmup, "untimed runs first")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  commands.entries.push_back(
      {cmd, [options]() {
         auto named = [&](const char* name) {
           return std::find(options->groups.begin(), options->groups.end(), name) !=
                  options->groups.end();
         };
         // Before apply_common_options, whose error would not say which
         // benchmark needs the GPU.
         const Device wanted = parse_device(options->common.device);
         for (const Group& g : groups()) {
           if (!g.needs_cuda || !named(g.name)) continue;
           const std::string why = bench::kernel_bench_unavailable(wanted);
           DNAGRAD_CHECK(why.empty(), "bench ", g.name, " needs a CUDA device: ", why);
         }
         bench::Config config;
         config.device = apply_common_options(options->common);
         config.threads = num_threads();
         config.seed = options->common.seed;
         config.repeats = options->repeats;
         config.warmup = options->warmup;
         config.quiet = options->common.quiet;
         std::vector<bench::Measurement> results;
         for (const Group& g : groups()) {
           const bool chosen = options->groups.empty() || named(g.name);
           if (!chosen) continue;
           if (g.needs_cuda && !config.device.is_cuda()) {
             if (!config.quiet)
               std::cerr << "bench: skipping " << g.name << " (needs --device cuda)\n";
             continue;
           }
           for (bench::Measurement& m : g.run(config)) results.push_back(std::move(m));
         }
         std::cout << "machine: " << bench::machine_line(config) << "\n";
         bench::print_table(results, std::cout);
         if (!options->json.empty()) bench::write_json(results, config, options->json);
         return 0;
       }});
}

}  // namespace dnagrad::app
