// `dnagrad demo [kmer8|cubic]`: the documents' tutorials as programs. Plain `dnagrad` runs the
// 8-mer demo with its defaults.
#include <filesystem>
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "apps/common.h"
#include "core/error.h"
#include "genomics/tutorials/demo_cubic.h"
#include "genomics/tutorials/demo_kmer.h"

namespace dnagrad::app {

namespace {
struct DemoOptions {
  CommonOptions common;
  std::string task = "kmer8";
  std::string out = "dnagrad-demo";
  int epochs = 50;
};

int run_demo(const DemoOptions& o) {
  const Device device = apply_common_options(o.common);  // throws clearly when there is no GPU
  DNAGRAD_CHECK(o.task != "cubic" || device.is_cpu(), "demo cubic: --device ", o.common.device,
                " is not supported; the cubic demo runs on the CPU");
  // Fail before minutes of work, not after, when the output directory cannot be made.
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  DNAGRAD_CHECK(!ec, "demo: cannot create the output directory ", o.out, ": ", ec.message());
  if (o.task == "cubic") {
    genomics::CubicDemoOptions options;
    options.seed = o.common.seed;
    options.quiet = o.common.quiet;
    const genomics::CubicDemoResult result = genomics::run_cubic_demo(options, std::cerr);
    genomics::write_cubic_demo_outputs(result, o.out);
    genomics::print_cubic_demo_summary(result, std::cout);
  } else {
    genomics::KmerDemoOptions options;
    options.epochs = o.epochs;
    options.device = device;
    options.seed = o.common.seed;
    options.quiet = o.common.quiet;
    const genomics::KmerDemoResult result = genomics::run_kmer_demo(options, std::cerr);
    genomics::write_kmer_demo_outputs(result, o.out);
    genomics::print_kmer_demo_summary(result, std::cout);
  }
  std::cout << "\nwrote " << o.out << "/\n";
  return 0;
}
}  // namespace

void add_demo_command(CLI::App& app, Commands& commands) {
  auto options = std::make_shared<DemoOptions>();
  options->common.seed = genomics::KmerDemoOptions{}.seed;  // see genomics/tutorials/demo_kmer.h
  CLI::App* cmd = app.add_subcommand(
      "demo", "run a tutorial: kmer8 (seed 001, Linear vs CNN on 8-mer scores) or cubic (y = x^3)");
  cmd->add_option("task", options->task, "which tutorial")
      ->capture_default_str()
      ->check(CLI::IsMember({"kmer8", "cubic"}));
  cmd->add_option("--out", options->out, "output directory")->capture_default_str();
  cmd->add_option("--epochs", options->epochs, "training epochs per model (kmer8)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  add_common_options(cmd, options->common);
  commands.entries.push_back({cmd, [options]() { return run_demo(*options); }});
  commands.default_run = [options]() { return run_demo(*options); };
}

}  // namespace dnagrad::app
