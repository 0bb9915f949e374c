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

std::vector<Metrics> per_output_metrics(Task task, const std::vector<float>& predictions,
                                        const std::vector<float>& targets, int64_t n_outputs,
                                        int64_t n_targets) {
  DNAGRAD_CHECK(task != Task::Multiclass, "per_output_metrics: a multiclass task has one target");
  std::vector<Metrics> all(static_cast<size_t>(n_targets));
  for (int64_t c = 0; c < n_targets; ++c) {
    const std::vector<double> p = column(predictions, n_outputs, c);
    const std::vector<double> t = column(targets, n_targets, c);
    Metrics& m = all[static_cast<size_t>(c)];
    if (task == Task::Binary) {
      m["accuracy"] = accuracy(p, t, 0.5);
      add_binary_metrics(p, t, m);
    } else {
      m["mse"] = mean_squared_error(p, t);
      m["pearson"] = pearson(p, t);
      m["spearman"] = spearman(p, t);
      m["r2"] = r_squared(p, t);
    }
  }
  return all;
}

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
  for (const Metrics& one : per_output_metrics(task, predictions, targets, n_outputs, n_targets))
    for (const auto& [name, value] : one) m[name] += value / static_cast<double>(n_targets);
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

}  // namespace dnagrad::genomics
