#include "genomics/tutorials/fit.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "autograd/ops.h"
#include "core/rng.h"
#include "nn/inference.h"
#include "nn/optim.h"

namespace dnagrad::genomics {

Array gather_rows(const Array& x, const std::vector<int64_t>& idx, size_t begin, size_t count) {
  Shape shape = x.shape();
  shape[0] = static_cast<int64_t>(count);
  Array out = Array::empty(shape, x.dtype());
  const size_t row_bytes = x.bytes() / static_cast<size_t>(std::max<int64_t>(x.size(0), 1));
  const auto* src = static_cast<const char*>(x.raw());
  auto* dst = static_cast<char*>(out.raw());
  for (size_t i = 0; i < count; ++i)
    std::memcpy(dst + i * row_bytes, src + static_cast<size_t>(idx[begin + i]) * row_bytes,
                row_bytes);
  return out;
}

namespace {

// The model's output as [B] (a [B, 1] output is flattened).
// x is moved to the model's device.
Tensor predict_batch(nn::Module& model, const Array& x) {
  return flatten(model(Tensor(x.to(model.device()))), 0);
}

// Mean MSE over all rows of (x, y), evaluated in batches without a graph.
double evaluate_mse(nn::Module& model, const Array& x, const Array& y, int64_t batch_size) {
  const std::vector<double> pred = predict(model, x, batch_size);
  const std::vector<double> truth = y.to_vector();
  double s = 0;
  for (size_t i = 0; i < pred.size(); ++i) s += (pred[i] - truth[i]) * (pred[i] - truth[i]);
  return pred.empty() ? 0 : s / static_cast<double>(pred.size());
}

}  // namespace

std::vector<double> predict(nn::Module& model, const Array& x, int64_t batch_size) {
  std::vector<int64_t> all(static_cast<size_t>(x.size(0)));
  std::iota(all.begin(), all.end(), 0);
  const Array y =
      nn::predict_in_batches(model, x.size(0), batch_size, [&](int64_t first, int64_t count) {
        return gather_rows(x, all, static_cast<size_t>(first), static_cast<size_t>(count));
      });
  return y.to(Device::cpu()).to_vector();  // [N] or [N, 1]: one value per row
}

FitHistory fit_regression_sgd(nn::Module& model, const Array& x_train, const Array& y_train,
                              const Array& x_val, const Array& y_val, const FitOptions& options,
                              const EpochCallback& on_epoch) {
  DNAGRAD_CHECK(x_train.size(0) == y_train.size(0) && x_val.size(0) == y_val.size(0),
                "fit: inputs and targets differ in length (train ", x_train.size(0), " vs ",
                y_train.size(0), ", val ", x_val.size(0), " vs ", y_val.size(0), ")");
  nn::SGD sgd(model.parameters(), {.lr = options.lr});
  Generator shuffle(options.seed);
  FitHistory history;
  const int64_t n = x_train.size(0);
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    model.train();
    const std::vector<int64_t> order = shuffle.permutation(n);
    double loss_sum = 0;
    for (int64_t start = 0; start < n; start += options.batch_size) {
      const int64_t count = std::min(options.batch_size, n - start);
      const Tensor x(gather_rows(x_train, order, start, count));
      const Tensor y(gather_rows(y_train, order, start, count).to(model.device()));
      sgd.zero_grad();
      Tensor loss = mse_loss(predict_batch(model, x.data()), y);
      loss.backward();
      sgd.step();
      loss_sum += loss.item() * static_cast<double>(count);
    }
    history.train_loss.push_back(loss_sum / static_cast<double>(n));
    history.val_loss.push_back(evaluate_mse(model, x_val, y_val, 1024));
    DNAGRAD_CHECK(std::isfinite(history.train_loss.back()), "fit: the training loss became ",
                  history.train_loss.back(), " in epoch ", epoch);
    if (on_epoch) on_epoch(epoch, history.train_loss.back(), history.val_loss.back());
  }
  return history;
}

}  // namespace dnagrad::genomics
