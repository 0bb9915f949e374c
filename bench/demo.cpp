// The whole default `dnagrad demo` (8-mer task: both models, 50 epochs each, evaluation, motifs
// and every output file) as one timed unit.
#include <filesystem>
#include <iostream>
#include <sstream>

#include "bench/bench.h"
#include "genomics/tutorials/demo_kmer.h"

namespace dnagrad::bench {

std::vector<Measurement> demo_benchmarks(const Config& config) {
  if (!config.quiet) std::cerr << "bench: the default 8-mer demo...\n";
  const std::string out_dir =
      (std::filesystem::temp_directory_path() / "dnagrad-bench-demo").string();
  Measurement demo{"kmer8_demo", "dnagrad demo: both models, 50 epochs, plots and motifs", {}, {}};
  demo.runs_ms = time_runs(
      [&]() {
        genomics::KmerDemoOptions options;
        options.quiet = true;
        std::ostringstream log;
        genomics::write_kmer_demo_outputs(genomics::run_kmer_demo(options, log), out_dir);
      },
      config.warmup, config.repeats);
  std::filesystem::remove_all(out_dir);
  return {demo};
}

}  // namespace dnagrad::bench
