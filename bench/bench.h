// Benchmarks behind `dnagrad bench`: each one times a piece of work several times after a
// warm-up and reports the median (these machines are shared and noisy: medians, not means).
// Benchmarks print tables and write JSON; they never assert.
#pragma once
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/device.h"

namespace dnagrad::bench {

struct Config {
  Device device;
  int threads = 1;
  int warmup = 1;
  int repeats = 5;
  uint64_t seed = 17;
  bool quiet = false;
};

struct Measurement {
  std::string key;          // JSON key, e.g. "promoter_train_step_b64"
  std::string description;  // table text
  std::vector<double> runs_ms;
  std::map<std::string, double> extra;  // e.g. {"gflops": 41.2}; written to JSON as well
  double median_ms() const;
};

// Runs fn `warmup` times untimed, then `repeats` times timed; returns each timed run's ms.
std::vector<double> time_runs(const std::function<void()>& fn, int warmup, int repeats);

// The promoter model (seed 002) on the CPU: training step at batch 64 and inference at batch
// 256 on [N, 4, 2000] inputs, plus where the training step's time goes.
std::vector<Measurement> promoter_benchmarks(const Config& config);

// The training step's kernels one by one on the CPU (bench/step_layers.cpp): each conv pass with
// GFLOP/s and its fraction of the single-core GEMM peak times the threads, the fused BatchNorm
// -> ReLU -> MaxPool passes with GB/s, and the peak itself ("gemm_peak_1thread"). Empty on a
// CUDA device. Part of the promoter group.
std::vector<Measurement> step_layer_benchmarks(const Config& config);

// One line that says what the numbers were measured on: CPU model, cores, vector ISA (AVX2,
// AVX-512), how the library was compiled (-march), the CPU GEMM library and the threads.
std::string machine_line(const Config& config);

// The whole default `dnagrad demo` run (seed 001's 8-mer tutorial), key "kmer8_demo".
std::vector<Measurement> demo_benchmarks(const Config& config);

// In-silico mutagenesis of the promoter model on the CPU: "ism_promoter_2kb" (all 6,000 mutants
// of a 2,000 bp sequence, incremental method, ms per sequence), and for scale the batched and
// naive methods on short windows ("ism_promoter_2kb_batched_100", "ism_promoter_2kb_naive_10");
// with a CUDA device (config.device), "ism_promoter_2kb_gpu": all mutants of 256 sequences of
// 2,000 bp on the GPU, ms per sequence (skipped with a note on stderr without one).
std::vector<Measurement> ism_benchmarks(const Config& config);

#ifdef DNAGRAD_WITH_GENOMICS_IO
// The pipeline: "fasta_onehot_20k_2kb" (indexed FASTA → one-hot batches, sequences/s) and
// "promoter_epoch_20k" (one training epoch of the promoter model on 20,000 × 2 kb, timed once).
std::vector<Measurement> pipeline_benchmarks(const Config& config);
#endif

// Our CUDA kernels against cuDNN (bench/kernels.cpp): the promoter model's Conv1d layers
// (forward, grad-input, grad-weight), BatchNorm (training forward, backward) and MaxPool
// (forward, backward) at batch 64 in float32, keys "kernel_<layer>_<op>_b64". Needs a CUDA
// device (config.device): throws an Error saying so otherwise.
std::vector<Measurement> kernel_benchmarks(const Config& config);
// Why kernel_benchmarks cannot run on `device`, or "" when it can.
std::string kernel_bench_unavailable(const Device& device);

void print_table(const std::vector<Measurement>& results, std::ostream& out);
// Writes {"<key>": {"median_ms": ..., "runs_ms": [...], ...}, ...} atomically.
void write_json(const std::vector<Measurement>& results, const Config& config,
                const std::string& path);

}  // namespace dnagrad::bench
