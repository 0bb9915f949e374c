// The harness of `dnagrad bench kernels` (kernel_timing.h): timing with CUDA events and an L2
// flush before every run, the benchmark inputs, and the error of ours against cuDNN.
#include "bench/kernel_timing.h"
#if defined(DNAGRAD_WITH_CUDA) && !defined(DNAGRAD_CUDA_EMULATE)

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>

#include "core/error.h"

namespace dnagrad::bench {

void check_cuda(cudaError_t status, const char* call) {
  if (status != cudaSuccess)
    fail("bench kernels: CUDA error in ", call, ": ", cudaGetErrorString(status));
}

Array random_gpu(const Shape& shape, Generator& gen, const Device& device) {
  Array a = Array::empty(shape, kF32);
  gen.fill_uniform(a, -1, 1);
  return a.to(device);
}

// Pooling input whose every window of 4 has a unique maximum at a random place (so both sides
// route the gradient to the same element): bands 0..3 shuffled per window, plus noise.
Array max_pool_input(const Shape& shape, Generator& gen, const Device& device) {
  Array a = Array::empty(shape, kF32);
  float* p = a.data<float>();
  const int64_t n = a.numel();
  for (int64_t w = 0; w + 4 <= n; w += 4) {
    int bands[4] = {0, 1, 2, 3};
    for (int i = 3; i > 0; --i)
      std::swap(bands[i], bands[static_cast<int>(gen.uniform() * (i + 1)) % (i + 1)]);
    for (int i = 0; i < 4; ++i)
      p[w + i] = static_cast<float>((bands[i] + 0.9 * gen.uniform()) / 4.0);
  }
  for (int64_t i = n - n % 4; i < n; ++i) p[i] = static_cast<float>(gen.uniform());
  return a.to(device);
}

Array zeros_like(const Array& a) { return Array::zeros(a.shape(), a.dtype(), a.device()); }

// max |ours - reference| / max |reference| (NaN anywhere: infinity).
double error_to_max(const Array& ours, const Array& reference) {
  const std::vector<double> a = ours.to(Device::cpu()).to_vector(),
                            b = reference.to(Device::cpu()).to_vector();
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) return std::numeric_limits<double>::infinity();
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

GpuTimer::GpuTimer(const Config& config) : config_(config) {
  cudaDeviceProp prop{};
  BENCH_CUDA(cudaGetDeviceProperties(&prop, config.device.index));
  name_ = prop.name;
  l2_bytes_ = static_cast<size_t>(prop.l2CacheSize);
  flush_bytes_ = std::max<size_t>(size_t{256} << 20, 4 * l2_bytes_);
  flush_ = Array::empty({static_cast<int64_t>(flush_bytes_ / 4)}, kF32, config.device);
  BENCH_CUDA(cudaEventCreate(&start_));
  BENCH_CUDA(cudaEventCreate(&stop_));
}

GpuTimer::~GpuTimer() {
  cudaEventDestroy(start_);
  cudaEventDestroy(stop_);
}

std::vector<double> GpuTimer::time(const std::function<void()>& fn) {
  for (int i = 0; i < config_.warmup; ++i) fn();
  BENCH_CUDA(cudaDeviceSynchronize());
  std::vector<double> runs;
  for (int i = 0; i < config_.repeats; ++i) {
    BENCH_CUDA(cudaMemsetAsync(flush_.raw(), i & 0xff, flush_bytes_));
    BENCH_CUDA(cudaEventRecord(start_));
    fn();
    BENCH_CUDA(cudaEventRecord(stop_));
    BENCH_CUDA(cudaEventSynchronize(stop_));
    float ms = 0;
    BENCH_CUDA(cudaEventElapsedTime(&ms, start_, stop_));
    runs.push_back(ms);
  }
  return runs;
}

void KernelBench::run(Row row) {
  if (!config_.quiet) std::cerr << "bench: " << row.key << " (" << row.description << ")...\n";
  Measurement m{row.key, row.description, {}, {}};
  const char* rate = row.flops ? "gflops" : "gbps";
  const double scale = 1e-9;  // FLOP -> GFLOP or byte -> GB
  if (row.check) m.extra["max_rel_err"] = row.check();
  if (row.check_tf32) m.extra["tf32_max_rel_err"] = row.check_tf32();
  m.runs_ms = timer_.time(row.ours);
  m.extra[rate] = row.work * scale / (m.median_ms() / 1e3);
  if (row.cudnn) {
    Measurement ref{"", "", timer_.time(row.cudnn), {}};
    m.extra["cudnn_ms"] = ref.median_ms();
    m.extra[std::string("cudnn_") + rate] = row.work * scale / (ref.median_ms() / 1e3);
    m.extra["ours_over_cudnn"] = m.median_ms() / ref.median_ms();
  }
  if (row.cudnn_tf32) {
    Measurement tf32{"", "", timer_.time(row.cudnn_tf32), {}};
    m.extra["cudnn_tf32_ms"] = tf32.median_ms();
  }
  results_.push_back(std::move(m));
}

}  // namespace dnagrad::bench
#endif
