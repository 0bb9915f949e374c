// The training loop behind `dnagrad train`: seed 002's recipe by default (Adam lr 1e-3, weight
// decay 1e-4, ReduceLROnPlateau(patience 5, factor 0.5) on the validation loss, gradient-norm
// clip 1.0, batch 64, evaluation batch 256, up to 100 epochs), every part a setting.
//
// Each epoch: train on the shuffled, reverse-complement-augmented training rows; evaluate the
// validation rows (loss and the task's metrics, tasks.h); step the scheduler; then write, all
// atomically, into the output directory:
//   last.safetensors       the model after this epoch (state_dict names, metadata: model spec,
//                          task, epoch) — what `dnagrad predict` and `evaluate` read
//   best.safetensors       the model of the epoch with the lowest validation loss so far
//   epoch_NNN.safetensors  every epoch's model, only with keep_epoch_checkpoints
//   trainer_state.safetensors  everything a resumed run needs: the model, the optimizer's state
//                          ("model.*", "optim.*"), and in the metadata the epoch, learning rate,
//                          scheduler and early-stopping counters and the history
//   metrics.json, metrics.tsv, loss_curves.svg
// After the last epoch (or an early stop) the best model is evaluated on the test rows and the
// result added to metrics.json; with one regression target a parity plot is drawn as well.
//
// Reproducibility: the initial weights come from Generator(seed); the batches of epoch e and
// their augmentation depend only on (seed, e) (dataset.h); every Dropout's mask stream is reset
// from (seed, e) at the start of epoch e. So `resume` continues a stopped run and, with the same
// seed, data and thread count, gives exactly the result of an uninterrupted run.
//
// A NaN or infinite loss stops training with an Error naming the epoch and batch. The loss stays
// on the model's device during an epoch (no wait for a GPU per batch), so that Error comes when
// the loss is next read: at a progress line or at the end of the epoch, before any file is
// written for it.
//
// The parts: the settings and the optimizer they build are config.h, the resume file
// run_state.h, the report formats reports.h, evaluation models/predict.h; this file is the loop.
#pragma once
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "genomics/data/dataset.h"
#include "genomics/data/splits.h"
#include "genomics/models/model_zoo.h"
#include "genomics/models/predict.h"
#include "genomics/tasks.h"
#include "genomics/train/config.h"
#include "genomics/train/reports.h"

namespace dnagrad::genomics {

struct TrainResult {
  std::vector<EpochRecord> history;
  int64_t best_epoch = 0;
  double best_val_loss = 0;
  Metrics test;  // empty when there are no test rows
  // Several named regression/binary outputs: each one's test metrics (Evaluation::per_output).
  std::vector<std::pair<std::string, Metrics>> test_per_output;
  std::string stop_reason;  // "completed N epochs", "early stopping: ...", ...
};

struct TrainRun {
  const SequenceDataset* data = nullptr;
  SplitIndices split;
  LengthPolicy length;
  std::string out_dir;
  bool resume = false;            // continue from out_dir/trainer_state.safetensors
  Device device = Device::cpu();  // where the model, its gradients and the optimizer live
  std::ostream* log = nullptr;    // progress and one line per epoch; nullptr: silent
  // Called with every epoch of the run once its files are written (a run registry logs them):
  // on resume, first with each epoch the resume file restores, then with the new ones.
  std::function<void(const EpochRecord&)> on_epoch;
};

TrainResult train(const TrainRun& run, const TrainConfig& config);

}  // namespace dnagrad::genomics
