// The layers, as in torch.nn, with PyTorch's parameter names, shapes and default initialisation.
// Shape legend: N batch, C channels, L length, I/O in/out features.
//
// Default initialisation (PyTorch's reset_parameters for Linear and Conv1d):
//   weight ~ kaiming_uniform(a = sqrt(5)): the gain is sqrt(2 / (1 + a^2)) = sqrt(1/3), the
//            standard deviation gain / sqrt(fan_in), and a uniform U(-b, b) with that standard
//            deviation has b = sqrt(3) * std, so b = sqrt(3) * sqrt(1/3) / sqrt(fan_in)
//            = 1 / sqrt(fan_in).
//   bias   ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
//   fan_in = in_features (Linear) or in_channels * kernel_size (Conv1d).
// The draws come from the Generator passed to the constructor, weight first, then bias, so one
// seed fixes every initial value. Parameters are float32 on the CPU; see Module::to.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/module.h"

namespace dnagrad::nn {

class BatchNorm1d;
class MaxPool1d;

// Runs its children in order; they are named "0", "1", ... as in PyTorch, or by the names given
// to push_back (PyTorch's nn.Sequential(OrderedDict(...))).
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> layers);
  // `name` empty: the layer's index. Module::register_module checks the name.
  void push_back(std::shared_ptr<Module> layer, const std::string& name = "");
  Tensor forward(const Tensor& x) override;
  bool forward_is_chain_of_children() const override { return true; }
  size_t size() const { return layers_.size(); }
  Module& operator[](size_t i) const;

 private:
  // A BatchNorm1d, ReLU, MaxPool1d run of layers, which forward turns into one fused op on CPU
  // inputs [N, C, L] (kernels/bn_relu_maxpool.h: the same numbers in far fewer passes over the
  // activations). push_back finds the runs, so forward only looks them up.
  struct FusedRun {
    BatchNorm1d* norm = nullptr;  // null: no run starts at this layer
    const MaxPool1d* pool = nullptr;
  };
  std::vector<std::shared_ptr<Module>> layers_;
  std::vector<FusedRun> runs_;  // one per layer: the run that starts there
};

// y = x W^T + b: x [N, I] -> y [N, O]; weight [O, I], bias [O].
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, Generator& gen, bool bias = true);
  Tensor forward(const Tensor& x) override;

  const int64_t in_features, out_features;
  Tensor weight, bias;  // bias undefined (and not registered) when bias = false
};

struct Conv1dOptions {
  int64_t stride = 1, padding = 0, dilation = 1;
  bool bias = true;
};

// x [N, C_in, L] -> y [N, C_out, L_out]; weight [C_out, C_in, K], bias [C_out].
// Example (PyTorch's nn.Conv1d(4, 256, kernel_size=15, padding=7)):
//   Conv1d(4, 256, 15, gen, {.padding = 7})
class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen,
         Conv1dOptions options = {});
  Tensor forward(const Tensor& x) override;

  const int64_t in_channels, out_channels, kernel_size;
  const Conv1dOptions options;
  Tensor weight, bias;
};

struct BatchNormOptions {
  double eps = 1e-5, momentum = 0.1;
  bool affine = true;               // learnable weight (ones) and bias (zeros)
  bool track_running_stats = true;  // buffers running_mean (zeros), running_var (ones) and
                                    // num_batches_tracked (int64 scalar, counts training batches)
};

// x [N, C] or [N, C, L]; statistics per channel. Training mode normalises with the batch's
// statistics and updates the running ones; eval mode uses the running ones. Without
// track_running_stats the batch statistics are used in both modes, as in PyTorch.
class BatchNorm1d : public Module {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {});
  Tensor forward(const Tensor& x) override;
  // pool(relu(forward(x))) as one fused op (autograd/ops.h: batch_norm_relu_max_pool1d), with the
  // same numbers; Sequential uses it for that run of layers on CPU tensors x [N, C, L].
  Tensor forward_relu_max_pool(const Tensor& x, const MaxPool1d& pool);

  const int64_t num_features;
  const BatchNormOptions options;
  Tensor weight, bias;
  Array running_mean, running_var, num_batches_tracked;
};

// Pooling over L of x [N, C, L]. stride 0 means stride = kernel_size (PyTorch's default).
// True when some BatchNorm1d in `model` has no running statistics: in eval mode it still
// normalises each batch by the batch's own statistics, so one input's output depends on the
// others in its batch (interpretation methods that batch mutants refuse such models).
bool normalizes_by_batch_in_eval(const Module& model);

class MaxPool1d : public Module {
 public:
  explicit MaxPool1d(int64_t kernel_size, int64_t stride = 0, int64_t padding = 0,
                     int64_t dilation = 1);
  Tensor forward(const Tensor& x) override;
  const int64_t kernel_size, stride, padding, dilation;
};

class AvgPool1d : public Module {
 public:
  explicit AvgPool1d(int64_t kernel_size, int64_t stride = 0, int64_t padding = 0,
                     bool count_include_pad = true);
  Tensor forward(const Tensor& x) override;
  const int64_t kernel_size, stride, padding;
  const bool count_include_pad;
};

// [N, C, L] -> [N, C, output_size], each output the mean of its bin of L.
class AdaptiveAvgPool1d : public Module {
 public:
  explicit AdaptiveAvgPool1d(int64_t output_size);
  Tensor forward(const Tensor& x) override;
  const int64_t output_size;
};

// In training mode zeroes each element with probability p and scales the others by 1/(1-p);
// in eval mode the identity.
//
// The random stream: each Dropout owns its own Generator, seeded at construction with a draw
// from the model's generator. One seed therefore fixes every mask, the masks do not depend on
// what other code draws from the model's generator later, and there is no reference to a
// generator that might be destroyed first. To restart the stream, assign a new one:
//   dropout.generator = Generator(seed);
class Dropout : public Module {
 public:
  Dropout(double p, Generator& gen);
  Tensor forward(const Tensor& x) override;
  const double p;
  Generator generator;
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

// Merges dimensions start_dim..end_dim into one: [N, C, L] -> [N, C*L] by default.
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& x) override;
  const int64_t start_dim, end_dim;
};

}  // namespace dnagrad::nn
