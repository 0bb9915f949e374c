// Minibatch training of a regression model with plain SGD and MSE: the tutorial protocol of
// seed 001 (shuffle every epoch, batch 128, lr 0.01). Losses are per-sample means over the
// epoch, as the tutorial reports them.
#pragma once
#include <functional>
#include <vector>

#include "core/array.h"
#include "nn/module.h"

namespace dnagrad::genomics {

struct FitOptions {
  int epochs = 50;
  int64_t batch_size = 128;
  double lr = 0.01;
  uint64_t seed = 17;  // shuffling
};

struct FitHistory {
  std::vector<double> train_loss, val_loss;  // one per epoch
};

// Called after each epoch with (epochs done, train loss, val loss).
using EpochCallback = std::function<void(int, double, double)>;

// x [N, ...] inputs, y [N] targets; the model maps [B, ...] to [B] or [B, 1].
FitHistory fit_regression_sgd(nn::Module& model, const Array& x_train, const Array& y_train,
                              const Array& x_val, const Array& y_val, const FitOptions& options,
                              const EpochCallback& on_epoch = {});

// The model's predictions for every row of x, in eval mode without a graph, in batches.
std::vector<double> predict(nn::Module& model, const Array& x, int64_t batch_size = 1024);

// Rows idx[begin, begin + count) of x gathered into a new [count, ...] array.
Array gather_rows(const Array& x, const std::vector<int64_t>& idx, size_t begin, size_t count);

}  // namespace dnagrad::genomics
