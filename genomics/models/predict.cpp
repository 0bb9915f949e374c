#include "genomics/models/predict.h"

#include "autograd/ops.h"
#include "core/error.h"
#include "core/shape.h"
#include "genomics/models/padded_batch.h"
#include "nn/inference.h"

namespace dnagrad::genomics {

namespace {

// Each row of [N, T] read back to front: the reverse strand's output T - 1 - t belongs to base t.
Array reversed_columns(const Array& outputs) {
  const Array a = outputs.to(Device::cpu());
  const int64_t n = a.size(0), t = a.size(1);
  Array out = Array::empty({n, t});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < t; ++k)
      out.data<float>()[i * t + k] = a.data<float>()[i * t + t - 1 - k];
  return out.to(outputs.device());
}

}  // namespace

Array predict_outputs(nn::Module& model, const SequenceDataset& data,
                      const std::vector<int64_t>& rows, int64_t n_outputs,
                      const PredictOptions& options) {
  const DataLoader loader(data, rows, {.batch_size = options.batch_size, .length = options.length});
  const auto n = static_cast<int64_t>(rows.size());
  auto one_strand = [&](bool reverse) {
    const Array y =
        nn::run_in_batches(model, n, options.batch_size, [&](int64_t first, int64_t count) {
          const std::vector<int64_t> chunk(rows.begin() + first, rows.begin() + first + count);
          return forward_batch(model, loader.make_batch(chunk, reverse));
        });
    DNAGRAD_CHECK(y.numel() == n * n_outputs, "predict: the model gave ", shape_str(y.shape()),
                  " for ", n, " sequences, expected ", n_outputs, " outputs per sequence");
    return y.reshape({n, n_outputs});
  };
  const Array forward = one_strand(false);
  if (!options.rc_average) return forward;
  Array reverse = one_strand(true);
  if (options.per_position) reverse = reversed_columns(reverse);
  NoGrad no_grad;
  return mul_scalar(add(Tensor(forward), Tensor(reverse)), 0.5).data();
}

Array predict_rows(nn::Module& model, Task task, const SequenceDataset& data,
                   const std::vector<int64_t>& rows, int64_t n_outputs,
                   const PredictOptions& options) {
  return task_predictions(task, predict_outputs(model, data, rows, n_outputs, options))
      .to(Device::cpu());
}

Evaluation evaluate_rows(nn::Module& model, Task task, const SequenceDataset& data,
                         const std::vector<int64_t>& rows, int64_t n_outputs,
                         const PredictOptions& options) {
  Evaluation e;
  if (rows.empty()) return e;
  const auto n = static_cast<int64_t>(rows.size());
  const Array outputs = predict_outputs(model, data, rows, n_outputs, options);  // on the device
  const int64_t t = data.num_targets();
  Array y = Array::empty({n, t});
  for (int64_t i = 0; i < n; ++i)
    std::copy_n(data.targets_of(rows[static_cast<size_t>(i)]), t, y.data<float>() + i * t);
  NoGrad no_grad;
  const Tensor loss = task_loss(task, Tensor(outputs), y);  // on the model's device
  const Array p = task_predictions(task, outputs).to(Device::cpu());
  e.loss = loss.item();
  e.predictions.assign(p.data<float>(), p.data<float>() + p.numel());
  const std::vector<float> targets(y.data<float>(), y.data<float>() + y.numel());
  e.metrics = task_metrics(task, e.predictions, targets, n_outputs, t, data.targets_per_position);
  if (t > 1 && task != Task::Multiclass && !data.targets_per_position) {
    const std::vector<Metrics> each =
        per_output_metrics(task, e.predictions, targets, n_outputs, t);
    for (int64_t c = 0; c < t; ++c)
      e.per_output.emplace_back(data.target_names[static_cast<size_t>(c)],
                                each[static_cast<size_t>(c)]);
  }
  return e;
}

}  // namespace dnagrad::genomics
