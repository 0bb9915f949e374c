// `dnagrad simulate promoters`: synthetic promoters with a known expression function (JASPAR
// motifs planted into a realistic background, plus noise), for the seed-002 promoter task. See
// genomics/data/simulate.h for the model.
#include <chrono>
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "apps/common.h"
#include "core/error.h"
#include "genomics/data/simulate.h"
#include "genomics/io/meme.h"

namespace dnagrad::app {

namespace {
struct SimulateOptions {
  CommonOptions common;
  std::string what = "promoters";
  std::string motifs;
  std::string out;
  std::vector<std::string> tfs;
  genomics::PromoterSimulationOptions simulation;
};

int run_simulate(SimulateOptions& o) {
  apply_common_options(o.common);
  DNAGRAD_CHECK(o.common.device == "cpu", "simulate: --device ", o.common.device,
                " is not supported; the simulator runs on the CPU");
  o.simulation.seed = o.common.seed;
  if (!o.tfs.empty()) genomics::select_motif_roles(o.simulation, o.tfs);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<genomics::Motif> library = genomics::read_meme(o.motifs);
  const genomics::PromoterSimulation sim =
      genomics::simulate_promoters(library, o.simulation, o.motifs);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  genomics::write_promoter_simulation(sim, o.out);
  genomics::print_promoter_simulation_summary(sim, std::cout);
  if (!o.common.quiet) std::cout << "generated in " << seconds << " s\n";
  std::cout << "wrote " << o.out
            << "/ (promoters.fa, expression.tsv, truth.tsv, sites.tsv, simulation.json)\n";
  return 0;
}
}  // namespace

void add_simulate_command(CLI::App& app, Commands& commands) {
  auto options = std::make_shared<SimulateOptions>();
  const std::vector<genomics::MotifRole> roles = genomics::default_motif_roles();
  std::string default_tfs;
  for (const genomics::MotifRole& r : roles)
    default_tfs += (default_tfs.empty() ? "" : ",") + r.motif;
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "synthetic data with a known answer: promoters (seed 002) whose log expression "
      "is a known function of planted JASPAR motifs plus noise");
  cmd->add_option("what", options->what, "what to simulate")
      ->capture_default_str()
      ->check(CLI::IsMember({"promoters"}));
  cmd->add_option("--motifs", options->motifs,
                  "MEME file with the motifs to plant, e.g. JASPAR's (selected_TFs.meme)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", options->out, "output directory")->required();
  cmd->add_option("--n", options->simulation.n, "number of sequences")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  cmd->add_option("--length", options->simulation.length,
                  "bases per sequence (upstream of the TSS)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  cmd->add_option("--noise", options->simulation.noise_sd,
                  "standard deviation of the Gaussian noise on the log expression")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--tfs", options->tfs,
                  "motifs to plant, by JASPAR id or name (default " + default_tfs +
                      "; NFYA gets a CCAAT-box role, other names a generic one)")
      ->delimiter(',');
  add_common_options(cmd, options->common);
  commands.entries.push_back({cmd, [options]() { return run_simulate(*options); }});
}

}  // namespace dnagrad::app
