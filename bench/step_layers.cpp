// Where the promoter model's training step goes on the CPU, kernel by kernel, at batch 64 in
// float32 (part of `dnagrad bench promoter`):
//   Conv1d 4->256 k15 L2000, 256->128 k5 L500, 128->64 k3 L125: forward (with bias), grad-input
//          (not for the first layer, whose input is data), grad-weight with grad-bias;
//          GFLOP/s = 2 * N * C_out * L_out * C_in * K / time, and that as a fraction of the
//          measured single-core GEMM peak times the threads (peak_fraction).
//   BatchNorm -> ReLU -> MaxPool(4), fused, after the first two convolutions: training forward
//          and backward; GB/s over the bytes the op must move (forward: read x twice for the
//          statistics and once to pool, write y; backward: read x twice, grad_y, y, write grad_x).
//   BatchNorm after the third convolution (then ReLU and the global average, unfused).
//   gemm_peak_1thread: a 1024^3 single-precision GEMM on one thread through the same GEMM as the
//          convolutions (kernels/cpu/gemm.h): the roof the conv passes are held against.
// Each kernel runs on its own buffers (inputs random), `--warmup` times untimed, then the median
// of `--repeats`. The sum of the rows is the step's kernel time; the rest of the step is the
// small layers, the loss, the optimiser and the graph.
#include <cstdint>
#include <iostream>
#include <string>

#include "bench/bench.h"
#include "core/rng.h"
#include "core/threads.h"
#include "kernels/batchnorm.h"
#include "kernels/bn_relu_maxpool.h"
#include "kernels/conv1d.h"
#include "kernels/matmul.h"

namespace dnagrad::bench {

namespace {

constexpr int64_t kBatch = 64;

struct ConvLayer {
  const char* name;
  int64_t c_in, c_out, kernel, padding, len;
  bool pool;  // followed by BatchNorm -> ReLU -> MaxPool(4)
};

const ConvLayer kLayers[] = {
    {"conv1", 4, 256, 15, 7, 2000, true},
    {"conv2", 256, 128, 5, 2, 500, true},
    {"conv3", 128, 64, 3, 1, 125, false},
};

Array random(const Shape& shape, Generator& gen) {
  Array a = Array::empty(shape);
  gen.fill_uniform(a, -1, 1);
  return a;
}

}  // namespace

std::vector<Measurement> step_layer_benchmarks(const Config& config) {
  std::vector<Measurement> out;
  if (!config.device.is_cpu()) return out;  // the CUDA kernels: `dnagrad bench kernels`
  if (!config.quiet) std::cerr << "bench: the training step's kernels, one by one...\n";
  Generator gen(config.seed);
  auto time = [&](const std::string& key, const std::string& description,
                  const std::function<void()>& fn) -> Measurement& {
    out.push_back({key, description, time_runs(fn, config.warmup, config.repeats), {}});
    return out.back();
  };

  // The GEMM roof: one thread, a square product.
  {
    const int64_t n = 1024;
    const Array a = random({n, n}, gen), b = random({n, n}, gen);
    Array c = Array::empty({n, n});
    const int saved = num_threads();
    set_num_threads(1);
    Measurement& m = time("gemm_peak_1thread",
                          "1024^3 SGEMM on one thread (" + kernels::cpu::gemm_library() + ")",
                          [&] { kernels::matmul(a, b, c); });
    set_num_threads(saved);
    m.extra["gflops"] = 2.0 * n * n * n / (m.median_ms() * 1e6);
  }
  const double peak = out.back().extra["gflops"] * config.threads;

  for (const ConvLayer& l : kLayers) {
    const kernels::Conv1dParams p{.stride = 1, .padding = l.padding, .dilation = 1};
    const int64_t len_out = p.out_length(l.len, l.kernel);
    const Array x = random({kBatch, l.c_in, l.len}, gen),
                w = random({l.c_out, l.c_in, l.kernel}, gen);
    const Array bias = random({l.c_out}, gen), grad_y = random({kBatch, l.c_out, len_out}, gen);
    Array y = Array::empty({kBatch, l.c_out, len_out}), grad_x = Array::zeros(x.shape());
    Array grad_w = Array::zeros(w.shape()), grad_b = Array::zeros({l.c_out});
    const double gflop = 2.0 * kBatch * l.c_out * len_out * l.c_in * l.kernel / 1e9;
    const std::string shape = std::string(l.name) + " " + std::to_string(l.c_in) + "->" +
                              std::to_string(l.c_out) + " k" + std::to_string(l.kernel) + " L" +
                              std::to_string(l.len);
    auto conv_pass = [&](const std::string& pass, const std::function<void()>& fn) {
      Measurement& m = time("step_" + std::string(l.name) + "_" + pass, shape + ", " + pass, fn);
      m.extra["gflops"] = gflop / (m.median_ms() / 1e3);
      m.extra["peak_fraction"] = m.extra["gflops"] / peak;
    };
    conv_pass("forward", [&] { kernels::conv1d_forward(x, w, bias, y, p); });
    if (l.c_in != 4)
      conv_pass("grad_input", [&] { kernels::conv1d_backward_input(grad_y, w, grad_x, p); });
    // As the step runs it: the bias gradient summed in the grad-weight pass.
    conv_pass("grad_weight",
              [&] { kernels::conv1d_backward_weight(grad_y, x, grad_w, p, &grad_b); });

    // What follows the convolution, on its output y.
    Array mean = Array::zeros({l.c_out}), var = Array::full({l.c_out}, 1);
    Array save_mean = Array::empty({l.c_out}), save_invstd = Array::empty({l.c_out});
    const Array gamma = random({l.c_out}, gen), beta = random({l.c_out}, gen);
    Array grad_gamma = Array::zeros({l.c_out}), grad_beta = Array::zeros({l.c_out});
    Array grad_in = Array::zeros(y.shape());
    const double act_gb = double(y.bytes()) / 1e9;
    const std::string name = "step_" + std::string(l.name) + "_bn";
    if (l.pool) {
      const kernels::Pool1dParams pool{.kernel = 4, .stride = 4};
      const Shape pooled{kBatch, l.c_out, pool.out_length(len_out)};
      Array py = Array::empty(pooled), arg = Array::empty(pooled, DType::U8);
      const Array grad_py = random(pooled, gen);
      Measurement& f =
          time(name + "_relu_pool_forward",
               shape + " output, BatchNorm+ReLU+MaxPool(4) fused, training forward", [&] {
                 kernels::bn_relu_maxpool_forward(y, gamma, beta, mean, var, true, 0.1, 1e-5, pool,
                                                  py, &arg, save_mean, save_invstd);
               });
      f.extra["gb_per_s"] =
          (3 * act_gb + double(py.bytes() + arg.bytes()) / 1e9) / (f.median_ms() / 1e3);
      // As the step runs it: the engine hands the rule a new buffer, which the kernel assigns
      // (it reads x and writes grad_x, once each).
      Measurement& b = time(name + "_relu_pool_backward", shape + " output, fused, backward", [&] {
        kernels::bn_relu_maxpool_backward(grad_py, py, arg, y, gamma, save_mean, save_invstd, true,
                                          pool, &grad_in, &grad_gamma, &grad_beta,
                                          /*accumulate_x=*/false);
      });
      b.extra["gb_per_s"] =
          (2 * act_gb + double(2 * py.bytes() + arg.bytes()) / 1e9) / (b.median_ms() / 1e3);
    } else {
      Array bn_y = Array::empty(y.shape());
      time(name + "_forward", shape + " output, BatchNorm training forward", [&] {
        kernels::batchnorm_forward_train(y, gamma, beta, mean, var, 0.1, 1e-5, bn_y, save_mean,
                                         save_invstd);
      });
      time(name + "_backward", shape + " output, BatchNorm backward", [&] {
        kernels::batchnorm_backward(grad_y, y, gamma, save_mean, save_invstd, true, &grad_in,
                                    &grad_gamma, &grad_beta);
      });
    }
  }
  return out;
}

}  // namespace dnagrad::bench
