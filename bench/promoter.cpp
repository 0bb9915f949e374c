// The promoter-expression model of seed 002 on [N, 4, 2000] one-hot inputs: a full training step
// (forward, MSE, backward, grad-norm clip, Adam) at batch 64 and inference at batch 256, plus the
// split of the training step into its phases.
#include "genomics/models/promoter.h"

#include <chrono>
#include <iostream>

#include "autograd/ops.h"
#include "bench/bench.h"
#include "core/rng.h"
#include "nn/optim.h"

namespace dnagrad::bench {

namespace {

constexpr int64_t kLength = 2000;

// A batch of random one-hot DNA [n, 4, kLength].
Array random_one_hot(int64_t n, Generator& gen) {
  Array x = Array::zeros({n, 4, kLength});
  float* p = x.data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < kLength; ++t)
      p[(i * 4 + static_cast<int64_t>(gen.uniform() * 4)) * kLength + t] = 1.0f;
  return x;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

std::vector<Measurement> promoter_benchmarks(const Config& config) {
  Generator gen(config.seed);
  genomics::PromoterExpressionModel model(gen);
  model.to(config.device);
  nn::Adam adam(model.parameters(), {.lr = 1e-3, .weight_decay = 1e-4});
  const Tensor x_train(random_one_hot(64, gen).to(config.device));
  Array targets = Array::empty({64});
  gen.fill_normal(targets, 0, 1);
  const Tensor y_train(targets.to(config.device));
  const Tensor x_infer(random_one_hot(256, gen).to(config.device));

  // One training step, timing its phases into the given accumulators.
  double forward_ms = 0, backward_ms = 0, update_ms = 0;
  auto train_step = [&]() {
    model.train();
    adam.zero_grad();
    auto t0 = std::chrono::steady_clock::now();
    Tensor loss = mse_loss(model(x_train), y_train);
    (void)loss.item();  // waits for the device, if any
    forward_ms += ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    loss.backward();
    backward_ms += ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    nn::clip_grad_norm_no_sync(model.parameters(), 1.0);
    adam.step();
    update_ms += ms_since(t0);
  };
  if (!config.quiet) std::cerr << "bench: promoter training step (batch 64)...\n";
  Measurement train{"promoter_train_step_b64",
                    "promoter model, forward + MSE + backward + clip + Adam, x [64, 4, 2000]",
                    {},
                    {}};
  for (int i = 0; i < config.warmup; ++i) train_step();
  forward_ms = backward_ms = update_ms = 0;
  train.runs_ms = time_runs(train_step, 0, config.repeats);
  train.extra["forward_ms_mean"] = forward_ms / config.repeats;
  train.extra["backward_ms_mean"] = backward_ms / config.repeats;
  train.extra["clip_adam_ms_mean"] = update_ms / config.repeats;

  if (!config.quiet) std::cerr << "bench: promoter inference (batch 256)...\n";
  Measurement infer{
      "promoter_infer_b256", "promoter model, eval forward, x [256, 4, 2000]", {}, {}};
  model.eval();
  infer.runs_ms = time_runs(
      [&]() {
        NoGrad no_grad;
        (void)model(x_infer).data().to(Device::cpu());
      },
      config.warmup, config.repeats);
  infer.extra["sequences_per_s"] = 256.0 / (infer.median_ms() / 1000.0);
  std::vector<Measurement> out{train, infer};
  for (Measurement& m : step_layer_benchmarks(config)) out.push_back(std::move(m));
  return out;
}

}  // namespace dnagrad::bench
