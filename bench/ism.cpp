// In-silico mutagenesis of the promoter model (seed 002) on one 2,000 bp sequence: all 3 x 2,000
// = 6,000 single-base mutants, on the CPU. The incremental method is timed on the whole sequence;
// the batched and naive methods (each about 100x slower) on windows of 100 and 10 positions, with
// their time scaled to the whole sequence in the extra "ms_per_sequence_scaled". With a CUDA
// device (--device cuda), "ism_promoter_2kb_gpu": all mutants of 256 such sequences on the GPU,
// ms per sequence; skipped with a note otherwise.
#include "genomics/interpret/ism.h"

#include <algorithm>
#include <iostream>
#include <string>

#include "bench/bench.h"
#include "core/rng.h"
#include "genomics/models/promoter.h"

namespace dnagrad::bench {

namespace {

constexpr int64_t kLength = 2000;

// One random one-hot DNA sequence [1, 4, kLength].
Array random_sequence(Generator& gen) {
  Array x = Array::zeros({1, 4, kLength});
  float* p = x.data<float>();
  for (int64_t t = 0; t < kLength; ++t)
    p[static_cast<int64_t>(gen.uniform() * 4) * kLength + t] = 1.0f;
  return x;
}

Measurement time_ism(nn::Module& model, const Array& x, genomics::IsmMethod method,
                     int64_t positions, const std::string& key, const std::string& description,
                     const Config& config) {
  if (!config.quiet) std::cerr << "bench: " << description << "...\n";
  Measurement m{key, description, {}, {}};
  const genomics::IsmOptions options{.start = 0, .end = positions, .method = method};
  m.runs_ms = time_runs([&]() { (void)genomics::in_silico_mutagenesis(model, x, options); },
                        config.warmup, config.repeats);
  m.extra["mutants_per_s"] = 3.0 * positions / (m.median_ms() / 1000.0);
  m.extra["ms_per_sequence_scaled"] = m.median_ms() * kLength / positions;
  return m;
}

// All 6,000 mutants of each of kGpuSequences sequences on config.device (a GPU), the default
// method (Incremental, which on a CUDA chain is the first-layer path of genomics/interpret/ism.h).
// The call returns the ISM on the CPU, so each timed run ends after the GPU's last batch; runs_ms
// holds each run's time divided by the number of sequences: ms per sequence.
constexpr int64_t kGpuSequences = 256;

Measurement time_gpu_ism(const Config& config) {
  const std::string description =
      "promoter ISM on " + config.device.str() + ", all mutants of x [256, 4, 2000], per sequence";
  if (!config.quiet) std::cerr << "bench: " << description << "...\n";
  Generator gen(config.seed);
  genomics::PromoterExpressionModel model(gen);
  model.to(config.device);
  Array x = Array::empty({kGpuSequences, 4, kLength});
  for (int64_t n = 0; n < kGpuSequences; ++n) {
    const Array one = random_sequence(gen);
    std::copy_n(one.data<float>(), one.numel(), x.data<float>() + n * one.numel());
  }
  Measurement m{"ism_promoter_2kb_gpu", description, {}, {}};
  m.runs_ms = time_runs([&]() { (void)genomics::in_silico_mutagenesis(model, x); }, config.warmup,
                        config.repeats);
  for (double& ms : m.runs_ms) ms /= kGpuSequences;
  m.extra["sequences"] = kGpuSequences;
  m.extra["mutants_per_s"] = 3.0 * kLength / (m.median_ms() / 1000.0);
  return m;
}

}  // namespace

std::vector<Measurement> ism_benchmarks(const Config& config) {
  Generator gen(config.seed);
  genomics::PromoterExpressionModel model(gen);  // on the CPU, whatever config.device says
  const Array x = random_sequence(gen);
  using genomics::IsmMethod;
  std::vector<Measurement> results = {
      time_ism(model, x, IsmMethod::Incremental, kLength, "ism_promoter_2kb",
               "promoter ISM, incremental, 6,000 mutants of x [1, 4, 2000], per sequence", config),
      time_ism(model, x, IsmMethod::Batched, 100, "ism_promoter_2kb_batched_100",
               "promoter ISM, batched (256 per forward), first 100 positions", config),
      time_ism(model, x, IsmMethod::Naive, 10, "ism_promoter_2kb_naive_10",
               "promoter ISM, naive (one forward per mutant), first 10 positions", config),
  };
  // The GPU entry only with a usable CUDA device: no number is made up without one.
  const std::string unavailable = kernel_bench_unavailable(config.device);
  if (unavailable.empty())
    results.push_back(time_gpu_ism(config));
  else if (!config.quiet)
    std::cerr << "bench: skipping ism_promoter_2kb_gpu (" << unavailable << ")\n";
  return results;
}

}  // namespace dnagrad::bench
