// Learning-rate schedulers. ReduceLROnPlateau lowers the optimizer's learning rate when a
// monitored metric (for example the validation MSE) has stopped improving, exactly as
// torch.optim.lr_scheduler.ReduceLROnPlateau does:
//
//   step(metric):
//     if is_better(metric, best): best = metric, num_bad_epochs = 0
//     else:                       num_bad_epochs += 1
//     if in cooldown (cooldown_counter > 0): cooldown_counter -= 1, num_bad_epochs = 0
//     if num_bad_epochs > patience:
//       new_lr = max(lr * factor, min_lr); set it only if lr - new_lr > eps
//       cooldown_counter = cooldown, num_bad_epochs = 0
//
//   is_better(a, best), mode min:  rel: a < best * (1 - threshold)   abs: a < best - threshold
//                       mode max:  rel: a > best * (1 + threshold)   abs: a > best + threshold
//   best starts at +inf (min) or -inf (max), so the first metric is always an improvement
//   (unless it is NaN: a NaN metric is never better).
//
// Example (seed 002): ReduceLROnPlateau scheduler(optimizer, {.factor = 0.5, .patience = 5});
// then scheduler.step(val_mse) once per epoch.
#pragma once
#include <cstdint>

#include "nn/optim.h"

namespace dnagrad::nn {

enum class PlateauMode { Min, Max };
enum class ThresholdMode { Rel, Abs };

// Fields in PyTorch's argument order, with PyTorch's defaults.
struct PlateauOptions {
  PlateauMode mode = PlateauMode::Min;
  double factor = 0.1;
  int64_t patience = 10;
  double threshold = 1e-4;
  ThresholdMode threshold_mode = ThresholdMode::Rel;
  int64_t cooldown = 0;
  double min_lr = 0;
  double eps = 1e-8;
};

// Everything step() reads besides the metric: saved with a checkpoint, so a resumed run
// schedules exactly as an uninterrupted one.
struct PlateauState {
  double best = 0;
  int64_t num_bad_epochs = 0, cooldown_counter = 0, last_epoch = 0;
};

class ReduceLROnPlateau {
 public:
  // Keeps a reference to `optimizer`, which must outlive the scheduler.
  explicit ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options = {});

  void step(double metric);
  bool is_better(double a, double best) const;

  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  int64_t cooldown_counter() const { return cooldown_counter_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  int64_t last_epoch() const { return last_epoch_; }  // number of step() calls
  PlateauState state() const { return {best_, num_bad_epochs_, cooldown_counter_, last_epoch_}; }
  void load_state(const PlateauState& s);

 private:
  Optimizer& optimizer_;
  PlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
};

}  // namespace dnagrad::nn
