// `dnagrad bench`: the benchmarks of bench/, as a table and optionally as JSON.
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "apps/common.h"
#include "bench/bench.h"
#include "core/threads.h"

namespace dnagrad::app {

namespace {
struct BenchOptions {
  CommonOptions common;
  std::string json;
  int repeats = 5;
  int warmup = 1;
};
}  // namespace

void add_bench_command(CLI::App& app, Commands& commands) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "time the engine on the documents' models");
  add_common_options(cmd, options->common);
  cmd->add_option("--json", options->json, "also write the results to this JSON file");
  cmd->add_option("--repeats", options->repeats, "timed runs per benchmark (median reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--warmup", options->warmup, "untimed runs first")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  commands.entries.push_back({cmd, [options]() {
    bench::Config config;
    config.device = apply_common_options(options->common);
    config.threads = num_threads();
    config.seed = options->common.seed;
    config.repeats = options->repeats;
    config.warmup = options->warmup;
    config.quiet = options->common.quiet;
    std::vector<bench::Measurement> results = bench::promoter_benchmarks(config);
    for (bench::Measurement& m : bench::demo_benchmarks(config)) results.push_back(std::move(m));
    bench::print_table(results, std::cout);
    if (!options->json.empty()) bench::write_json(results, config, options->json);
    return 0;
  }});
}

}  // namespace dnagrad::app
