#include "nn/scheduler.h"

#include <algorithm>
#include <limits>

namespace dnagrad::nn {

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options)
    : optimizer_(optimizer), options_(options) {
  DNAGRAD_CHECK(options.factor < 1 && options.factor >= 0,
                "ReduceLROnPlateau: factor must be in [0, 1), got ", options.factor);
  DNAGRAD_CHECK(options.patience >= 0 && options.cooldown >= 0 && options.min_lr >= 0,
                "ReduceLROnPlateau: patience, cooldown and min_lr must be >= 0");
  const double inf = std::numeric_limits<double>::infinity();
  best_ = options.mode == PlateauMode::Min ? inf : -inf;  // PyTorch's mode_worse
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const double t = options_.threshold;
  const bool rel = options_.threshold_mode == ThresholdMode::Rel;
  if (options_.mode == PlateauMode::Min) return rel ? a < best * (1 - t) : a < best - t;
  return rel ? a > best * (1 + t) : a > best + t;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (in_cooldown()) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs during the cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience) {
    const double old_lr = optimizer_.lr();
    const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
    if (old_lr - new_lr > options_.eps) optimizer_.set_lr(new_lr);
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
}

void ReduceLROnPlateau::load_state(const PlateauState& s) {
  DNAGRAD_CHECK(s.num_bad_epochs >= 0 && s.cooldown_counter >= 0 && s.last_epoch >= 0,
                "ReduceLROnPlateau: invalid saved state");
  best_ = s.best;
  num_bad_epochs_ = s.num_bad_epochs;
  cooldown_counter_ = s.cooldown_counter;
  last_epoch_ = s.last_epoch;
}

}  // namespace dnagrad::nn
