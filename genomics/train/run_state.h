// What `dnagrad train --resume` needs to continue a stopped run exactly. After every epoch the
// loop saves trainer_state.safetensors: the model ("model.*" tensors), the optimizer's state
// ("optim.*"), and in the metadata the model's checkpoint metadata, the config ("config") and
// the loop's counters and history ("trainer").
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "genomics/train/config.h"
#include "genomics/train/reports.h"
#include "nn/checkpoint.h"
#include "nn/module.h"
#include "nn/optim.h"
#include "nn/scheduler.h"

namespace dnagrad::genomics {

// Everything about the run that is not a tensor.
struct RunState {
  int64_t epochs_done = 0;
  double lr = 0;
  nn::PlateauState plateau;
  int64_t best_epoch = 0;
  double best_val_loss = INFINITY;
  int64_t epochs_without_improvement = 0;
  std::vector<EpochRecord> history;
};

// Writes `path` (atomically, as every safetensors file).
void save_run_state(const std::string& path, const nn::Module& model,
                    const nn::Optimizer& optimizer, const nn::Metadata& model_metadata,
                    const TrainConfig& config, const RunState& state);

// Reads `path` back into `model` and `optimizer` and returns the loop's state. The run must go on
// with the settings it was started with (only the number of epochs may change) and on inputs of
// the same length; throws naming the file otherwise, or when there is no such file.
RunState load_run_state(const std::string& path, nn::Module& model, nn::Optimizer& optimizer,
                        const TrainConfig& config, int64_t input_length);

}  // namespace dnagrad::genomics
