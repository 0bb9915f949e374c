// Options every dnagrad subcommand shares (--seed, --threads, --device, --quiet) and the
// one place that applies them.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "core/device.h"

namespace dnagrad::app {

struct CommonOptions {
  uint64_t seed = 17;
  int threads = 0;  // 0 = every core
  std::string device = "cpu";
  bool quiet = false;
};

void add_common_options(CLI::App* command, CommonOptions& options);

// Sets the thread count and checks the device is usable; throws a dnagrad::Error saying why
// not ("built without CUDA", "no GPU found").
Device apply_common_options(const CommonOptions& options);

}  // namespace dnagrad::app
