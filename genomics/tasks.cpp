#include "genomics/tasks.h"

#include <algorithm>
#include <cmath>

#include "autograd/ops.h"
#include "core/error.h"
#include "genomics/metrics.h"

namespace dnagrad::genomics {

std::string task_name(Task task) {
  switch (task) {
    case Task::Regression:
      return "regression";
    case Task::Binary:
      return "binary";
    case Task::Multiclass:
      return "multiclass";
  }
  return "?";
}

Task parse_task(const std::string& name) {
  for (Task t : {Task::Regression, Task::Binary, Task::Multiclass})
    if (task_name(t) == name) return t;
  fail("unknown task '", name, "' (known: regression, binary, multiclass)");
}

int64_t task_outputs(Task task, const SequenceDataset& data) {
  DNAGRAD_CHECK(data.num_targets() > 0, data.label, ": the data has no label columns");
  const int64_t t = data.num_targets();
  if (task == Task::Regression) return t;
  if (task == Task::Binary) {
    for (size_t i = 0; i < data.targets.size(); ++i)
      DNAGRAD_CHECK(data.targets[i] == 0 || data.targets[i] == 1, data.label, ": sequence '",
                    data.names[i / static_cast<size_t>(t)], "' has the label ", data.targets[i],
                    "; a binary task needs 0 or 1");
    return t;
  }
  DNAGRAD_CHECK(t == 1, data.label, ": a multiclass task needs one label column, the data has ", t);
  float largest = 0;
  for (size_t i = 0; i < data.targets.size(); ++i) {
    const float v = data.targets[i];
    DNAGRAD_CHECK(v >= 0 && v == std::floor(v) && v < 1e6, data.label, ": sequence '",
                  data.names[i], "' has the label ", v,
                  "; a multiclass task needs class indices 0, 1, 2, ...");
    largest = std::max(largest, v);
  }
  DNAGRAD_CHECK(largest >= 1, data.label, ": a multiclass task needs at least two classes");
  return static_cast<int64_t>(largest) + 1;
}

Tensor task_loss(Task task, const Tensor& outputs, const Array& y) {
  const int64_t batch = y.shape()[0];
  switch (task) {
    case Task::Regression:
      return mse_loss(reshape(outputs, y.shape()), Tensor(y.to(outputs.device())));
    case Task::Binary:
      return binary_cross_entropy_with_logits(reshape(outputs, y.shape()),
                                              Tensor(y.to(outputs.device())));
    case Task::Multiclass: {
      Array classes = Array::empty({batch}, DType::I64);
      for (int64_t i = 0; i < batch; ++i)
        classes.data<int64_t>()[i] = static_cast<int64_t>(y.data<float>()[i]);
      return cross_entropy(reshape(outputs, {batch, -1}), Tensor(classes.to(outputs.device())));
    }
  }
  fail("task_loss: unknown task");
}

Array task_predictions(Task task, const Array& outputs) {
  NoGrad no_grad;
  const Tensor x(outputs);
  switch (task) {
    case Task::Regression:
      return outputs;
    case Task::Binary:
      return sigmoid(x).data();
    case Task::Multiclass:
      return softmax(x, 1).data();
  }
  fail("task_predictions: unknown task");
}

namespace {

// Column c of a row-major [n, cols] matrix, in double.
std::vector<double> column(const std::vector<float>& m, int64_t cols, int64_t c) {
  const auto n = static_cast<int64_t>(m.size()) / cols;
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    out[static_cast<size_t>(i)] = m[static_cast<size_t>(i * cols + c)];
  return out;
}

// Adds each metric of one output column into `sum` (their means are taken by the caller).
void add_binary_metrics(const std::vector<double>& p, const std::vector<double>& truth,
                        Metrics& sum) {
  sum["auroc"] += auroc(p, truth);
  sum["auprc"] += auprc(p, truth);
}

}  // namespace

Metrics task_metrics(Task task, const std::vector<float>& predictions,
                     const std::vector<float>& targets, int64_t n_outputs, int64_t n_targets,
                     bool targets_per_position) {
  const auto n = static_cast<int64_t>(targets.size()) / n_targets;
  DNAGRAD_CHECK(static_cast<int64_t>(predictions.size()) == n * n_outputs,
                "task_metrics: ", predictions.size(), " predictions for ", n, " rows of ",
                n_outputs, " outputs");
  Metrics m;
  if (n == 0) return m;
  if (task == Task::Multiclass) {
    int64_t correct = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float* row = predictions.data() + i * n_outputs;
      const auto best = std::max_element(row, row + n_outputs) - row;
      correct += best == static_cast<int64_t>(targets[static_cast<size_t>(i)]);
    }
    m["accuracy"] = static_cast<double>(correct) / static_cast<double>(n);
    const std::vector<double> labels = column(targets, 1, 0);
    for (int64_t c = 0; c < n_outputs; ++c) {
      std::vector<double> is_c(labels.size());
      for (size_t i = 0; i < labels.size(); ++i) is_c[i] = labels[i] == static_cast<double>(c);
      add_binary_metrics(column(predictions, n_outputs, c), is_c, m);
    }
    m["auroc"] /= static_cast<double>(n_outputs);
    m["auprc"] /= static_cast<double>(n_outputs);
    return m;
  }
  for (int64_t c = 0; c < n_targets; ++c) {
    const std::vector<double> p = column(predictions, n_outputs, c);
    const std::vector<double> t = column(targets, n_targets, c);
    if (task == Task::Binary) {
      m["accuracy"] += accuracy(p, t, 0.5);
      add_binary_metrics(p, t, m);
    } else {
      m["mse"] += mean_squared_error(p, t);
      m["pearson"] += pearson(p, t);
      m["spearman"] += spearman(p, t);
      m["r2"] += r_squared(p, t);
    }
  }
  for (auto& [name, value] : m) value /= static_cast<double>(n_targets);
  if (task == Task::Regression && targets_per_position) {
    double sum = 0;
    int64_t counted = 0;
    for (int64_t i = 0; i < n; ++i) {
      const std::vector<double> p(predictions.begin() + i * n_outputs,
                                  predictions.begin() + (i + 1) * n_outputs);
      const std::vector<double> t(targets.begin() + i * n_targets,
                                  targets.begin() + (i + 1) * n_targets);
      const double r = pearson(p, t);
      if (std::isnan(r)) continue;
      sum += r;
      ++counted;
    }
    m["pearson_per_sequence"] = counted ? sum / static_cast<double>(counted) : std::nan("");
    m["constant_sequences"] = static_cast<double>(n - counted);
  }
  return m;
}

std::vector<float> predict_outputs(nn::Module& model, const SequenceDataset& data,
                                   const std::vector<int64_t>& rows, int64_t n_outputs,
                                   const PredictOptions& options) {
  const bool was_training = model.is_training();
  const Device device = model.device();  // batches are made on the CPU and moved there
  model.eval();
  NoGrad no_grad;
  const DataLoader loader(data, rows, {.batch_size = options.batch_size, .length = options.length});
  std::vector<float> out;
  out.reserve(rows.size() * static_cast<size_t>(n_outputs));
  for (size_t begin = 0; begin < rows.size(); begin += static_cast<size_t>(options.batch_size)) {
    const std::vector<int64_t> chunk(
        rows.begin() + static_cast<int64_t>(begin),
        rows.begin() + static_cast<int64_t>(std::min(rows.size(), begin + options.batch_size)));
    const auto b = static_cast<int64_t>(chunk.size());
    Array y = model.forward(Tensor(loader.make_batch(chunk).x.to(device))).data().to(Device::cpu());
    DNAGRAD_CHECK(y.numel() == b * n_outputs, "predict: the model gave ", shape_str(y.shape()),
                  " for a batch of ", b, ", expected ", n_outputs, " outputs per sequence");
    const float* fwd = y.data<float>();
    std::vector<float> values(fwd, fwd + b * n_outputs);
    if (options.rc_average) {
      Array r = model.forward(Tensor(loader.make_batch(chunk, true).x.to(device)))
                    .data()
                    .to(Device::cpu());
      const float* rev = r.data<float>();
      for (int64_t i = 0; i < b; ++i)
        for (int64_t t = 0; t < n_outputs; ++t) {
          const int64_t src = options.per_position ? n_outputs - 1 - t : t;
          float& v = values[static_cast<size_t>(i * n_outputs + t)];
          v = 0.5f * (v + rev[i * n_outputs + src]);
        }
    }
    out.insert(out.end(), values.begin(), values.end());
  }
  model.train(was_training);
  return out;
}

}  // namespace dnagrad::genomics
