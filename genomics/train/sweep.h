// The search space of `dnagrad sweep --config sweep.json`: a base training recipe and the settings
// to vary, expanded into one TrainConfig per run before any run starts (so a bad file fails with
// nothing trained and nothing written). The file:
//
//   {"name": "lr-batch",                      optional, shown by `dnagrad runs`
//    "method": "grid",                        grid | random
//    "seed": 3, "budget": 8,                  random only: the sampling seed and the run count
//    "base": {"model": "kmer-cnn", "epochs": 2},   any field of `train --config` (config.h)
//    "parameters": {
//      "lr": {"values": [0.01, 0.001]},                         a choice (grid or random)
//      "batch_size": {"values": [16, 64]},
//      "weight_decay": {"distribution": "uniform", "min": 0, "max": 1e-3},     random only
//      "lr": {"distribution": "log_uniform", "min": 1e-4, "max": 1e-1}}}       random only
//
// grid: every combination, the last parameter varying fastest (nested loops in file order).
// random: `budget` runs; each parameter drawn independently from Generator(seed), in file order:
// a choice uniformly, uniform as min + (max - min) u, log_uniform as exp(ln min + (ln max - ln min)
// u), u ~ U[0, 1). The same file gives the same runs.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "genomics/train/config.h"

namespace dnagrad::genomics {

struct SweepRun {
  TrainConfig config;      // base + assignment, checked (check_train_config)
  std::string assignment;  // the varied settings as one-line JSON: {"lr":0.01,"batch_size":16}
};

struct Sweep {
  std::string name;
  std::vector<SweepRun> runs;
};

// Reads a sweep file's text; `label` (the file name) starts every error, which names the key and
// the value at fault: an unknown key or parameter, an empty search space, a distribution grid
// cannot enumerate, bounds out of order, a value the setting does not accept.
Sweep expand_sweep(std::string_view json_text, const std::string& label,
                   const TrainConfig& defaults = {});

}  // namespace dnagrad::genomics
