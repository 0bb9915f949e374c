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
//    "halving": {"rungs": [1, 3], "keep": 0.5,          optional: successive halving
//                "metric": "val_loss", "mode": "min"}}
//
// grid: every combination, the last parameter varying fastest (nested loops in file order).
// random: `budget` runs; each parameter drawn independently from Generator(seed), in file order:
// a choice uniformly, uniform as min + (max - min) u, log_uniform as exp(ln min + (ln max - ln min)
// u), u ~ U[0, 1). The same file gives the same runs.
// halving: all runs train to the first rung's epoch; the `keep` fraction with the best value of
// `metric` (an epoch metric: val_loss, val_pearson, ...; mode min or max) there goes on to the
// next rung, the others stop as `pruned`; after the last rung the survivors train to the end.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "genomics/train/config.h"

namespace dnagrad::genomics {

struct SweepRun {
  TrainConfig config;      // base + assignment, checked (check_train_config)
  std::string assignment;  // the varied settings as one-line JSON: {"lr":0.01,"batch_size":16}
};

struct Halving {
  std::vector<int64_t> rungs;  // epochs at which runs are compared, increasing, each below every
                               // run's epochs
  double keep = 0.5;           // the fraction that goes on, in (0, 1); at least one run does
  std::string metric = "val_loss";
  bool maximize = false;  // mode "max": higher is better
};

struct Sweep {
  std::string name;
  std::vector<SweepRun> runs;
  std::optional<Halving> halving;
};

// The ids that go on after a rung: the ceil(keep x n) best of the n (id, value) pairs, a NaN the
// worst and ties going to the lower id; in id order.
std::vector<int64_t> halving_survivors(std::vector<std::pair<int64_t, double>> values,
                                       const Halving& halving);

// Reads a sweep file's text; `label` (the file name) starts every error, which names the key and
// the value at fault: an unknown key or parameter, an empty search space, a distribution grid
// cannot enumerate, bounds out of order, a value the setting does not accept.
Sweep expand_sweep(std::string_view json_text, const std::string& label,
                   const TrainConfig& defaults = {});

}  // namespace dnagrad::genomics
