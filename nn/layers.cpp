#include "nn/layers.h"

#include <cmath>
#include <string>

#include "autograd/ops.h"

namespace dnagrad::nn {

namespace {

// A float32 parameter of `shape` drawn from U(-bound, bound) (see the header for the bound).
Tensor uniform_parameter(const Shape& shape, double bound, Generator& gen) {
  Array values = Array::empty(shape);
  gen.fill_uniform(values, -bound, bound);
  return Tensor(std::move(values), true);
}

}  // namespace

// ---- Sequential ----

Sequential::Sequential(std::vector<std::shared_ptr<Module>> layers) {
  for (auto& layer : layers) push_back(std::move(layer));
}

void Sequential::push_back(std::shared_ptr<Module> layer, const std::string& name) {
  register_module(name.empty() ? std::to_string(layers_.size()) : name, layer);
  layers_.push_back(std::move(layer));
  runs_.emplace_back();
  // Does a run end with this layer? (Runs never overlap: a run's ReLU and pool are no BatchNorm.)
  const size_t n = layers_.size();
  if (n < 3) return;
  auto* norm = dynamic_cast<BatchNorm1d*>(layers_[n - 3].get());
  const auto* pool = dynamic_cast<const MaxPool1d*>(layers_[n - 1].get());
  // The fused op keeps each output's argmax as a uint8 offset in its window.
  if (norm && dynamic_cast<const ReLU*>(layers_[n - 2].get()) && pool && pool->kernel_size <= 256)
    runs_[n - 3] = {norm, pool};
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const FusedRun& run = runs_[i];
    if (run.norm && y.device().is_cpu() && y.dim() == 3) {
      y = run.norm->forward_relu_max_pool(y, *run.pool);
      i += 2;
      continue;
    }
    y = layers_[i]->forward(y);
  }
  return y;
}

Module& Sequential::operator[](size_t i) const {
  DNAGRAD_CHECK(i < layers_.size(), "Sequential: index ", i, " out of range for ", layers_.size(),
                " layers");
  return *layers_[i];
}

// ---- Linear ----

Linear::Linear(int64_t in_features, int64_t out_features, Generator& gen, bool with_bias)
    : in_features(in_features), out_features(out_features) {
  DNAGRAD_CHECK(in_features >= 1 && out_features >= 1, "Linear: features must be >= 1, got ",
                in_features, " -> ", out_features);
  const double bound = 1 / std::sqrt(static_cast<double>(in_features));
  weight = uniform_parameter({out_features, in_features}, bound, gen);
  register_parameter("weight", &weight);
  if (with_bias) {
    bias = uniform_parameter({out_features}, bound, gen);
    register_parameter("bias", &bias);
  }
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

// ---- Conv1d ----

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen,
               Conv1dOptions options)
    : in_channels(in_channels),
      out_channels(out_channels),
      kernel_size(kernel_size),
      options(options) {
  DNAGRAD_CHECK(in_channels >= 1 && out_channels >= 1 && kernel_size >= 1,
                "Conv1d: channels and kernel_size must be >= 1, got ", in_channels, " -> ",
                out_channels, ", kernel_size ", kernel_size);
  const double bound = 1 / std::sqrt(static_cast<double>(in_channels * kernel_size));
  weight = uniform_parameter({out_channels, in_channels, kernel_size}, bound, gen);
  register_parameter("weight", &weight);
  if (options.bias) {
    bias = uniform_parameter({out_channels}, bound, gen);
    register_parameter("bias", &bias);
  }
}

Tensor Conv1d::forward(const Tensor& x) {
  return conv1d(x, weight, bias, options.stride, options.padding, options.dilation);
}

// ---- BatchNorm1d ----

BatchNorm1d::BatchNorm1d(int64_t num_features, BatchNormOptions options)
    : num_features(num_features), options(options) {
  DNAGRAD_CHECK(num_features >= 1, "BatchNorm1d: num_features must be >= 1, got ", num_features);
  if (options.affine) {
    weight = Tensor(Array::full({num_features}, 1.0), true);
    bias = Tensor(Array::zeros({num_features}), true);
    register_parameter("weight", &weight);
    register_parameter("bias", &bias);
  }
  if (options.track_running_stats) {
    running_mean = Array::zeros({num_features});
    running_var = Array::full({num_features}, 1.0);
    num_batches_tracked = Array::scalar(0, DType::I64);
    register_buffer("running_mean", &running_mean);
    register_buffer("running_var", &running_var);
    register_buffer("num_batches_tracked", &num_batches_tracked);
  }
}

namespace {

// Runs `op(mean, var, use_batch_stats)` with the statistics this mode uses, then counts the
// training batch. Without running statistics the op gets undefined arrays: nothing to update or
// read.
template <class Op>
Tensor batch_norm_step(BatchNorm1d& bn, Op&& op) {
  const bool track = bn.options.track_running_stats;
  const bool use_batch_stats = bn.is_training() || !track;
  Array no_mean, no_var;
  Tensor y =
      op(track ? bn.running_mean : no_mean, track ? bn.running_var : no_var, use_batch_stats);
  if (bn.is_training() && track) {
    const bool on_cpu = bn.num_batches_tracked.device().is_cpu();
    Array counter = on_cpu ? bn.num_batches_tracked : bn.num_batches_tracked.to(Device::cpu());
    counter.data<int64_t>()[0] += 1;
    if (!on_cpu) bn.num_batches_tracked.copy_from(counter);
  }
  return y;
}

}  // namespace

Tensor BatchNorm1d::forward(const Tensor& x) {
  return batch_norm_step(*this, [&](Array& mean, Array& var, bool use_batch_stats) {
    return batch_norm1d(x, weight, bias, mean, var, use_batch_stats, options.momentum, options.eps);
  });
}

Tensor BatchNorm1d::forward_relu_max_pool(const Tensor& x, const MaxPool1d& pool) {
  return batch_norm_step(*this, [&](Array& mean, Array& var, bool use_batch_stats) {
    return batch_norm_relu_max_pool1d(x, weight, bias, mean, var, use_batch_stats, options.momentum,
                                      options.eps, pool.kernel_size, pool.stride, pool.padding,
                                      pool.dilation);
  });
}

// ---- pooling ----

MaxPool1d::MaxPool1d(int64_t kernel_size, int64_t stride, int64_t padding, int64_t dilation)
    : kernel_size(kernel_size), stride(stride), padding(padding), dilation(dilation) {}

Tensor MaxPool1d::forward(const Tensor& x) {
  return max_pool1d(x, kernel_size, stride, padding, dilation);
}

AvgPool1d::AvgPool1d(int64_t kernel_size, int64_t stride, int64_t padding, bool count_include_pad)
    : kernel_size(kernel_size),
      stride(stride),
      padding(padding),
      count_include_pad(count_include_pad) {}

Tensor AvgPool1d::forward(const Tensor& x) {
  return avg_pool1d(x, kernel_size, stride, padding, count_include_pad);
}

AdaptiveAvgPool1d::AdaptiveAvgPool1d(int64_t output_size) : output_size(output_size) {}

Tensor AdaptiveAvgPool1d::forward(const Tensor& x) { return adaptive_avg_pool1d(x, output_size); }

// ---- Dropout, ReLU, Flatten ----

Dropout::Dropout(double p, Generator& gen) : p(p), generator(gen.next_u64()) {
  DNAGRAD_CHECK(p >= 0 && p < 1, "Dropout: probability p must be in [0, 1), got ", p);
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training(), generator); }

Tensor ReLU::forward(const Tensor& x) { return relu(x); }

Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }

Tensor Tanh::forward(const Tensor& x) { return tanh(x); }

Flatten::Flatten(int64_t start_dim, int64_t end_dim) : start_dim(start_dim), end_dim(end_dim) {}

Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_dim, end_dim); }

bool normalizes_by_batch_in_eval(const Module& model) {
  for (const auto& [path, module] : model.modules()) {
    const auto* bn = dynamic_cast<const BatchNorm1d*>(module);
    if (bn && !bn->options.track_running_stats) return true;
  }
  return false;
}

}  // namespace dnagrad::nn
