// Private to bench/: the harness of `dnagrad bench kernels` (kernels.cpp, whose header describes
// the method): a GPU timer with CUDA events that flushes the L2 cache before every timed run, the
// inputs, the error measure, and KernelBench, which checks and times one Row (our kernel, cuDNN
// beside it) into a Measurement. Only in builds with real CUDA (not the emulation).
#pragma once
#if defined(DNAGRAD_WITH_CUDA) && !defined(DNAGRAD_CUDA_EMULATE)
#include <cuda_runtime.h>

#include <functional>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "core/array.h"
#include "core/rng.h"

namespace dnagrad::bench {

constexpr int64_t kBatch = 64;
constexpr DType kF32 = DType::F32;

void check_cuda(cudaError_t status, const char* call);
#define BENCH_CUDA(call) check_cuda((call), #call)

// Uniform in [-1, 1), float32, made on the CPU and copied to `device`.
Array random_gpu(const Shape& shape, Generator& gen, const Device& device);
// Pooling input whose every window of 4 has a unique maximum at a random place (so both sides
// route the gradient to the same element): bands 0..3 shuffled per window, plus noise.
Array max_pool_input(const Shape& shape, Generator& gen, const Device& device);
Array zeros_like(const Array& a);
// max |ours - reference| / max |reference| (NaN anywhere: infinity).
double error_to_max(const Array& ours, const Array& reference);

// Times GPU work with CUDA events, flushing the L2 cache before every timed run.
class GpuTimer {
 public:
  explicit GpuTimer(const Config& config);
  ~GpuTimer();
  GpuTimer(const GpuTimer&) = delete;
  GpuTimer& operator=(const GpuTimer&) = delete;

  const std::string& name() const { return name_; }
  size_t l2_bytes() const { return l2_bytes_; }
  size_t flush_bytes() const { return flush_bytes_; }

  // `warmup` untimed runs, then `repeats` timed ones (ms each, the GPU's time between events).
  std::vector<double> time(const std::function<void()>& fn);

 private:
  const Config& config_;
  std::string name_;
  size_t l2_bytes_ = 0, flush_bytes_ = 0;
  Array flush_;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// One table row: our kernel's runs, cuDNN's beside it. `work` is FLOPs (rate "gflops") or bytes
// (rate "gbps").
struct Row {
  std::string key, description;
  double work = 0;
  bool flops = true;
  std::function<void()> ours, cudnn, cudnn_tf32;
  // Runs both once from identical starting buffers and returns max_rel_err (and the TF32 one).
  std::function<double()> check, check_tf32;
};

class KernelBench {
 public:
  explicit KernelBench(const Config& config) : config_(config), timer_(config), gen_(config.seed) {}

  GpuTimer& timer() { return timer_; }
  bool quiet() const { return config_.quiet; }
  Generator& gen() { return gen_; }
  const Device& device() const { return config_.device; }

  // Checks the row (max_rel_err), times ours and cuDNN's, and adds its Measurement.
  void run(Row row);

  std::vector<Measurement> take() { return std::move(results_); }

 private:
  const Config& config_;
  GpuTimer timer_;
  Generator gen_;
  std::vector<Measurement> results_;
};

}  // namespace dnagrad::bench
#endif
