// dnagrad: the command-line tool. Each subcommand lives in apps/cmd_<name>.cpp and registers
// itself here; errors from the library (dnagrad::Error) end the program with a message and
// exit code 1, bad command lines with CLI11's message and its exit code.
#include <CLI/CLI.hpp>
#include <iostream>

#include "apps/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"dnagrad: a from-scratch tensor engine and trainer for DNA sequence models"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "dnagrad 0.1.0");
  dnagrad::app::Commands commands;
  commands.argv.assign(argv, argv + argc);
  dnagrad::app::register_commands(app, commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return dnagrad::app::run_selected(app, commands);
  } catch (const dnagrad::Error& e) {
    std::cerr << "dnagrad: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "dnagrad: unexpected error: " << e.what() << "\n";
    return 2;
  }
}
