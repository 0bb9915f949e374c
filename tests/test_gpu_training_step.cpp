// One training step of seed 002's promoter model on the GPU against the same step on the CPU
// (ctest label gpu): every op of a real model together, forward and backward, dropout masks,
// BatchNorm's running statistics, gradient-norm clipping and Adam.
// Two models are built from one seed and converted to float64; one moves to the GPU. Both take
// the same steps on the same random batch; the losses, gradient norms, every parameter and
// every buffer (running statistics, batch counters) must agree to 1e-5 relative, and so must
// an eval-mode prediction afterwards. Without a GPU the test prints DNAGRAD-GPU-SKIP.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "autograd/ops.h"
#include "core/allocator.h"
#include "core/cuda_runtime.h"
#include "genomics/models/promoter.h"
#include "nn/optim.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

constexpr double kRtol = 1e-5, kAtol = 1e-9;

// [n, 4, length] one-hot DNA in float64 with every 7th position an N (all-zero column).
Array random_one_hot(int64_t n, int64_t length, Generator& gen) {
  const std::vector<double> u = random_array({n, length}, gen, DType::F64, 0, 4).to_vector();
  std::vector<double> x(static_cast<size_t>(n * 4 * length), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < length; ++j) {
      if (j % 7 == 3) continue;
      const int64_t base = static_cast<int64_t>(u[i * length + j]) % 4;
      x[(i * 4 + base) * length + j] = 1;
    }
  return Array::from_vector({n, 4, length}, x, DType::F64);
}

void require_same_state(const nn::Module& gpu, const nn::Module& cpu, const std::string& when) {
  const nn::StateDict g = gpu.state_dict(), c = cpu.state_dict();
  REQUIRE(g.size() == c.size());
  for (size_t i = 0; i < g.size(); ++i) {
    INFO(when, ": ", c[i].first);
    CHECK(g[i].first == c[i].first);
    CHECK(g[i].second.device().is_cuda());
    require_close(g[i].second.to(Device::cpu()), c[i].second, kRtol, kAtol);
  }
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("gpu: a promoter-model training step matches the CPU in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator init_cpu(seed), init_gpu(seed), data(seed + 1);
    genomics::PromoterExpressionModel cpu_model(init_cpu), gpu_model(init_gpu);
    cpu_model.to(DType::F64);
    gpu_model.to(DType::F64);
    gpu_model.to(Device::cuda());
    require_same_state(gpu_model, cpu_model, "after Module::to(cuda)");

    nn::Adam cpu_opt(cpu_model.parameters(), {.lr = 1e-3, .weight_decay = 1e-4});
    nn::Adam gpu_opt(gpu_model.parameters(), {.lr = 1e-3, .weight_decay = 1e-4});
    constexpr int64_t kBatch = 6, kLength = 2000;
    for (int step = 1; step <= 3; ++step) {
      INFO("step ", step);
      const Array x = random_one_hot(kBatch, kLength, data);
      const Array y = random_array({kBatch}, data);
      cpu_opt.zero_grad();
      gpu_opt.zero_grad();
      const Tensor cpu_loss = mse_loss(cpu_model(Tensor(x)), Tensor(y));
      const Tensor gpu_loss =
          mse_loss(gpu_model(Tensor(x.to(Device::cuda()))), Tensor(y.to(Device::cuda())));
      CHECK(gpu_loss.item() == doctest::Approx(cpu_loss.item()).epsilon(kRtol));
      cpu_loss.backward();
      gpu_loss.backward();
      // A small max norm so clipping really scales the gradients.
      const double cpu_norm = nn::clip_grad_norm(cpu_model.parameters(), 0.05);
      const double gpu_norm = nn::clip_grad_norm(gpu_model.parameters(), 0.05);
      CHECK(gpu_norm == doctest::Approx(cpu_norm).epsilon(kRtol));
      const std::vector<Tensor> cpu_params = cpu_model.parameters(),
                                gpu_params = gpu_model.parameters();
      for (size_t i = 0; i < cpu_params.size(); ++i) {
        INFO("gradient of parameter ", i);
        REQUIRE(gpu_params[i].grad().defined());
        require_close(gpu_params[i].grad().to(Device::cpu()), cpu_params[i].grad(), kRtol, kAtol);
      }
      cpu_opt.step();
      gpu_opt.step();
      require_same_state(gpu_model, cpu_model, "after step " + std::to_string(step));
    }

    cpu_model.eval();
    gpu_model.eval();
    const Array x = random_one_hot(kBatch, kLength, data);
    const Array expected = cpu_model(Tensor(x)).data();
    require_close(gpu_model(Tensor(x.to(Device::cuda()))).data().to(Device::cpu()), expected, kRtol,
                  kAtol);
  }

  TEST_CASE("gpu: after warm-up a promoter training step calls cudaMalloc no more") {
    if (skip_without_gpu()) return;
    // This tests the cache: switch it on even where allocations are exact by default (emulation).
    const bool was_exact = exact_device_allocations();
    set_exact_device_allocations(false);
    struct Restore {
      bool exact;
      ~Restore() { set_exact_device_allocations(exact); }
    } restore{was_exact};
    // The emulation runs every GPU thread on the CPU: a smaller batch there (the caching logic
    // does not depend on it; the real GPU runs batch 8).
    const int64_t batch = cuda_emulated() ? 2 : 8;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator init(seed), data(seed + 1);
    genomics::PromoterExpressionModel model(init);
    model.to(Device::cuda());
    nn::Adam opt(model.parameters(), {.lr = 1e-3, .weight_decay = 1e-4});
    const auto step = [&] {
      const Array x = random_one_hot(batch, 2000, data).to(DType::F32);
      const Array y = random_array({batch}, data, DType::F32);
      opt.zero_grad();
      const Tensor loss =
          mse_loss(model(Tensor(x.to(Device::cuda()))), Tensor(y.to(Device::cuda())));
      loss.backward();
      nn::clip_grad_norm(model.parameters(), 1.0);
      opt.step();
      return loss.item();
    };
    for (int i = 0; i < 2; ++i) step();  // warm-up: fills the cache, makes the Adam state
    const size_t before = cuda_malloc_count();
    for (int i = 0; i < 3; ++i) CHECK(std::isfinite(step()));
    CHECK(cuda_malloc_count() == before);
  }
}
