// The subcommand registry: each apps/cmd_<name>.cpp adds its subcommand and the function that
// runs it.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>
#include <vector>

namespace dnagrad::app {

struct Commands {
  struct Entry {
    CLI::App* command;
    std::function<int()> run;
  };
  std::vector<Entry> entries;
  std::function<int()> default_run;  // what plain `dnagrad` does
};

void add_bench_command(CLI::App& app, Commands& commands);
void add_demo_command(CLI::App& app, Commands& commands);

inline void register_commands(CLI::App& app, Commands& commands) {
  add_demo_command(app, commands);
  add_bench_command(app, commands);
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
