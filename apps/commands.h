// The subcommand registry: each apps/cmd_<name>.cpp adds its subcommand and the function that
// runs it.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace dnagrad::app {

struct Commands {
  struct Entry {
    CLI::App* command;
    std::function<int()> run;
  };
  std::vector<Entry> entries;
  std::function<int()> default_run;  // what plain `dnagrad` does
  std::vector<std::string> argv;     // the command line (sweep --parallel starts copies of itself)
};

void add_bench_command(CLI::App& app, Commands& commands);
void add_demo_command(CLI::App& app, Commands& commands);
void add_simulate_command(CLI::App& app, Commands& commands);
void add_model_command(CLI::App& app, Commands& commands);  // model show
#ifdef DNAGRAD_WITH_GENOMICS_IO  // commands that read genome files (htslib)
void add_train_command(CLI::App& app, Commands& commands);
void add_predict_command(CLI::App& app, Commands& commands);     // predict and evaluate
void add_interpret_commands(CLI::App& app, Commands& commands);  // ism and attribute
void add_motifs_command(CLI::App& app, Commands& commands);
void add_variant_effect_command(CLI::App& app, Commands& commands);
void add_runs_command(CLI::App& app, Commands& commands);  // list, show, compare, best
void add_sweep_command(CLI::App& app, Commands& commands);
#endif

inline void register_commands(CLI::App& app, Commands& commands) {
  add_demo_command(app, commands);
  add_bench_command(app, commands);
  add_simulate_command(app, commands);
  add_model_command(app, commands);
#ifdef DNAGRAD_WITH_GENOMICS_IO
  add_train_command(app, commands);
  add_predict_command(app, commands);
  add_interpret_commands(app, commands);
  add_motifs_command(app, commands);
  add_variant_effect_command(app, commands);
  add_runs_command(app, commands);
  add_sweep_command(app, commands);
#endif
}

// Runs the parsed subcommand, or the default work when none was named.
inline int run_selected(CLI::App& app, Commands& commands) {
  for (const auto& entry : commands.entries)
    if (entry.command->parsed()) return entry.run();
  if (commands.default_run) return commands.default_run();
  std::cout << app.help();
  return 0;
}

}  // namespace dnagrad::app
