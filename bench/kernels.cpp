// `dnagrad bench kernels --device cuda`: our hand-written CUDA kernels against cuDNN on the
// promoter model's layers at batch 64, float32:
//   Conv1d 4->256 k15 L2000, 256->128 k5 L500, 128->64 k3 L125: forward (no bias, both sides),
//          grad-input, grad-weight; GFLOP/s = 2 * N * C_out * L_out * C_in * K / time.
//   BatchNorm on the three conv outputs ([64, 256, 2000], [64, 128, 500], [64, 64, 125]):
//          training forward and backward; GB/s over the least traffic the op needs (forward: read
//          x, write y; backward: read grad_y and x, read and write grad_x).
//   MaxPool k4 s4 on the first two BatchNorm outputs: forward and backward; GB/s likewise
//          (forward: read x, write y -- ours also writes its int64 argmax, not counted; backward:
//          read grad_y, read and write grad_x).
// cuDNN runs the fastest algorithm of its own search (kernels/cudnn/conv1d.h) with TF32 off; for
// the convolutions the TF32 time and error are reported beside it (extra cudnn_tf32_ms).
//
// Method: CUDA events around each run, on the default stream both sides share; before every
// timed run a buffer larger than the L2 cache (256 MB, or 4x L2 if larger) is overwritten, so no
// run starts with its inputs in L2; `--warmup` untimed runs first (they also run cuDNN's
// algorithm search); the median of `--repeats`. Before timing, each op runs once on both sides
// from identical buffers and the max relative error |ours - cuDNN| / max |cuDNN| is reported
// (max_rel_err): the benchmark never asserts, the tests do (tests/test_gpu_cudnn.cpp).
// Accumulating ops keep accumulating over the repeats; that changes the values, not the time.
#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <string>

#include "bench/bench.h"
#include "core/cuda_runtime.h"
#include "core/error.h"
#include "core/rng.h"

#ifdef DNAGRAD_WITH_CUDA
#include "core/cuda_api.h"

#include "bench/kernel_timing.h"
#include "kernels/batchnorm.h"
#include "kernels/conv1d.h"
#include "kernels/pooling.h"
#endif
#ifdef DNAGRAD_WITH_CUDNN
#include "kernels/cudnn/batchnorm.h"
#include "kernels/cudnn/conv1d.h"
#include "kernels/cudnn/info.h"
#include "kernels/cudnn/pooling.h"
#endif

namespace dnagrad::bench {

std::string kernel_bench_unavailable(const Device& device) {
  if (!device.is_cuda())
    return "it times CUDA kernels: run it with --device cuda (got --device " + device.str() + ")";
  if (!cuda_built())
    return "dnagrad was built without CUDA (reconfigure with -DDNAGRAD_CUDA=ON where nvcc is)";
  const int count = cuda_device_count();
  if (count == 0) return "no CUDA device found (the CUDA runtime reports no usable GPU)";
  if (device.index >= count) return cat(device.str(), " does not exist (", count, " GPU(s) found)");
  return "";
}

#if !defined(DNAGRAD_WITH_CUDA)

std::vector<Measurement> kernel_benchmarks(const Config& config) {
  fail("bench kernels needs a CUDA device: ", kernel_bench_unavailable(config.device));
}

#elif defined(DNAGRAD_CUDA_EMULATE)

std::vector<Measurement> kernel_benchmarks(const Config&) {
  fail("bench kernels: this dnagrad emulates CUDA on the CPU (built with -DDNAGRAD_CUDA=EMULATE); ",
       "kernel timings there say nothing about a GPU. Run it from a build with real CUDA");
}

#else

namespace {

struct ConvLayer {
  const char* name;
  int64_t c_in, len, c_out, kernel, padding;
};
constexpr ConvLayer kConvLayers[] = {
    {"conv1", 4, 2000, 256, 15, 7},
    {"conv2", 256, 500, 128, 5, 2},
    {"conv3", 128, 125, 64, 3, 1},
};

void bench_conv(KernelBench& b, const ConvLayer& layer) {
  kernels::Conv1dParams p;
  p.padding = layer.padding;
  const Shape x_shape{kBatch, layer.c_in, layer.len},
      w_shape{layer.c_out, layer.c_in, layer.kernel};
  const Shape y_shape{kBatch, layer.c_out, p.out_length(layer.len, layer.kernel)};
  const Array x = random_gpu(x_shape, b.gen(), b.device()),
              w = random_gpu(w_shape, b.gen(), b.device()),
              gy = random_gpu(y_shape, b.gen(), b.device());
  Array y = Array::empty(y_shape, kF32, b.device()), gx = zeros_like(x), gw = zeros_like(w);
  const double flops = 2.0 * kBatch * layer.c_out * y_shape[2] * layer.c_in * layer.kernel;
  const std::string shape_text =
      cat("Conv1d ", layer.c_in, "->", layer.c_out, " k", layer.kernel, " L", layer.len, ", x [",
          kBatch, ", ", layer.c_in, ", ", layer.len, "]");
  Row fwd{cat("kernel_", layer.name, "_fwd_b64"),
          shape_text + ", forward (no bias)",
          flops,
          true,
          [&] { kernels::conv1d_forward(x, w, Array(), y, p); },
          {},
          {},
          {},
          {}};
  Row data{cat("kernel_", layer.name, "_grad_input_b64"),
           shape_text + ", grad-input",
           flops,
           true,
           [&] { kernels::conv1d_backward_input(gy, w, gx, p); },
           {},
           {},
           {},
           {}};
  Row filter{cat("kernel_", layer.name, "_grad_weight_b64"),
             shape_text + ", grad-weight",
             flops,
             true,
             [&] { kernels::conv1d_backward_weight(gy, x, gw, p); },
             {},
             {},
             {},
             {}};
#ifdef DNAGRAD_WITH_CUDNN
  kernels::cudnn::Conv1d ref(x_shape, w_shape, kF32, b.device(), p);
  kernels::cudnn::Conv1d ref_tf32(x_shape, w_shape, kF32, b.device(), p, /*allow_tf32=*/true);
  ref.search();  // cuDNN's algorithm searches, before any timing
  ref_tf32.search();
  Array y_ref = Array::empty(y_shape, kF32, b.device()), gx_ref = zeros_like(x),
        gw_ref = zeros_like(w);
  fwd.cudnn = [&] { ref.forward(x, w, Array(), y_ref); };
  fwd.cudnn_tf32 = [&] { ref_tf32.forward(x, w, Array(), y_ref); };
  fwd.check = [&] {
    kernels::conv1d_forward(x, w, Array(), y, p);
    ref.forward(x, w, Array(), y_ref);
    return error_to_max(y, y_ref);
  };
  fwd.check_tf32 = [&] {
    ref_tf32.forward(x, w, Array(), y_ref);
    return error_to_max(y_ref, y);  // y: ours, true float32
  };
  data.cudnn = [&] { ref.backward_input(gy, w, gx_ref); };
  data.cudnn_tf32 = [&] { ref_tf32.backward_input(gy, w, gx_ref); };
  data.check = [&] {
    gx.zero_();
    gx_ref.zero_();
    kernels::conv1d_backward_input(gy, w, gx, p);
    ref.backward_input(gy, w, gx_ref);
    return error_to_max(gx, gx_ref);
  };
  filter.cudnn = [&] { ref.backward_weight(gy, x, gw_ref); };
  filter.cudnn_tf32 = [&] { ref_tf32.backward_weight(gy, x, gw_ref); };
  filter.check = [&] {
    gw.zero_();
    gw_ref.zero_();
    kernels::conv1d_backward_weight(gy, x, gw, p);
    ref.backward_weight(gy, x, gw_ref);
    return error_to_max(gw, gw_ref);
  };
#endif
  b.run(fwd);
  b.run(data);
  b.run(filter);
#ifdef DNAGRAD_WITH_CUDNN
  if (!b.quiet())
    std::cerr << "bench: " << layer.name << " cuDNN algorithms: " << ref.describe()
              << "\nbench: " << layer.name << " cuDNN TF32 algorithms: " << ref_tf32.describe()
              << "\n";
#endif
}

void bench_batchnorm(KernelBench& b, const char* name, const Shape& shape) {
  const Shape c_shape{shape[1]};
  const Array x = random_gpu(shape, b.gen(), b.device()),
              gy = random_gpu(shape, b.gen(), b.device());
  const Array weight = random_gpu(c_shape, b.gen(), b.device()),
              bias = random_gpu(c_shape, b.gen(), b.device());
  Array rm = Array::zeros(c_shape, kF32, b.device()), rv = Array::zeros(c_shape, kF32, b.device());
  Array y = Array::empty(shape, kF32, b.device()), mean = Array::empty(c_shape, kF32, b.device()),
        invstd = Array::empty(c_shape, kF32, b.device());
  Array gx = zeros_like(x), gw = zeros_like(weight), gb = zeros_like(bias);
  const double bytes = static_cast<double>(x.bytes());
  const std::string shape_text = cat("BatchNorm1d x ", shape_str(shape));
  const double momentum = 0.1, eps = 1e-5;
  auto ours_forward = [&] {
    kernels::batchnorm_forward_train(x, weight, bias, rm, rv, momentum, eps, y, mean, invstd);
  };
  ours_forward();  // the statistics the backward uses
  Row fwd{cat("kernel_", name, "_train_fwd_b64"),
          shape_text + ", training forward",
          2 * bytes,
          false,
          ours_forward,
          {},
          {},
          {},
          {}};
  Row bwd{cat("kernel_", name, "_bwd_b64"),
          shape_text + ", training backward",
          4 * bytes,
          false,
          [&] { kernels::batchnorm_backward(gy, x, weight, mean, invstd, true, &gx, &gw, &gb); },
          {},
          {},
          {},
          {}};
#ifdef DNAGRAD_WITH_CUDNN
  kernels::cudnn::BatchNorm ref(shape, kF32, b.device());
  Array rm_ref = zeros_like(rm), rv_ref = zeros_like(rv), y_ref = zeros_like(y),
        mean_ref = zeros_like(mean), invstd_ref = zeros_like(invstd);
  Array gx_ref = zeros_like(x), gw_ref = zeros_like(weight), gb_ref = zeros_like(bias);
  fwd.cudnn = [&] {
    ref.forward_train(x, weight, bias, rm_ref, rv_ref, momentum, eps, y_ref, mean_ref, invstd_ref);
  };
  fwd.check = [&] {
    ours_forward();
    fwd.cudnn();
    return error_to_max(y, y_ref);
  };
  bwd.cudnn = [&] { ref.backward(gy, x, weight, mean, invstd, eps, &gx_ref, &gw_ref, &gb_ref); };
  bwd.check = [&] {
    for (Array* a : {&gx, &gw, &gb, &gx_ref, &gw_ref, &gb_ref}) a->zero_();
    bwd.ours();
    bwd.cudnn();
    return std::max({error_to_max(gx, gx_ref), error_to_max(gw, gw_ref), error_to_max(gb, gb_ref)});
  };
#endif
  b.run(fwd);
  b.run(bwd);
}

void bench_maxpool(KernelBench& b, const char* name, const Shape& shape) {
  kernels::Pool1dParams p;
  p.kernel = 4;
  p.stride = 4;
  const Shape y_shape{shape[0], shape[1], p.out_length(shape[2])};
  const Array x = max_pool_input(shape, b.gen(), b.device());
  const Array gy = random_gpu(y_shape, b.gen(), b.device());
  Array y = Array::empty(y_shape, kF32, b.device()),
        argmax = Array::empty(y_shape, DType::I64, b.device()), gx = zeros_like(x);
  const double x_bytes = static_cast<double>(x.bytes()), y_bytes = static_cast<double>(gy.bytes());
  const std::string shape_text = cat("MaxPool1d k4 s4, x ", shape_str(shape));
  kernels::maxpool1d_forward(x, y, argmax, p);  // the argmax the backward uses
  Row fwd{cat("kernel_", name, "_fwd_b64"),
          shape_text + ", forward",
          x_bytes + y_bytes,
          false,
          [&] { kernels::maxpool1d_forward(x, y, argmax, p); },
          {},
          {},
          {},
          {}};
  Row bwd{cat("kernel_", name, "_bwd_b64"),
          shape_text + ", backward",
          y_bytes + 2 * x_bytes,
          false,
          [&] { kernels::maxpool1d_backward(gy, argmax, gx); },
          {},
          {},
          {},
          {}};
#ifdef DNAGRAD_WITH_CUDNN
  kernels::cudnn::Pool1d ref(kernels::cudnn::Pool1d::Kind::Max, shape, kF32, b.device(), p);
  Array y_ref = Array::empty(y_shape, kF32, b.device()), gx_ref = zeros_like(x);
  fwd.cudnn = [&] { ref.forward(x, y_ref); };
  fwd.check = [&] {
    fwd.ours();
    fwd.cudnn();
    return error_to_max(y, y_ref);
  };
  bwd.cudnn = [&] { ref.backward(x, y_ref, gy, gx_ref); };
  bwd.check = [&] {
    gx.zero_();
    gx_ref.zero_();
    bwd.ours();
    bwd.cudnn();
    return error_to_max(gx, gx_ref);
  };
#endif
  b.run(fwd);
  b.run(bwd);
}

}  // namespace

std::vector<Measurement> kernel_benchmarks(const Config& config) {
  const std::string unavailable = kernel_bench_unavailable(config.device);
  DNAGRAD_CHECK(unavailable.empty(), "bench kernels needs a CUDA device: ", unavailable);
  BENCH_CUDA(cudaSetDevice(config.device.index));
  KernelBench b(config);
  if (!config.quiet) {
    std::cerr << "bench: kernels on " << config.device.str() << " (" << b.timer().name() << ", L2 "
              << (b.timer().l2_bytes() >> 20) << " MB, flushing " << (b.timer().flush_bytes() >> 20)
              << " MB before each timed run), " << config.warmup << " warm-up + " << config.repeats
              << " timed runs each\n";
#ifdef DNAGRAD_WITH_CUDNN
    std::cerr << "bench: reference " << kernels::cudnn::version() << "\n";
#else
    std::cerr << "bench: built without cuDNN: only our kernels are timed (no cuDNN columns)\n";
#endif
  }
  for (const ConvLayer& layer : kConvLayers) bench_conv(b, layer);
  bench_batchnorm(b, "bn1", {kBatch, 256, 2000});
  bench_batchnorm(b, "bn2", {kBatch, 128, 500});
  bench_batchnorm(b, "bn3", {kBatch, 64, 125});
  bench_maxpool(b, "maxpool1", {kBatch, 256, 2000});
  bench_maxpool(b, "maxpool2", {kBatch, 128, 500});
  return b.take();
}

#endif  // DNAGRAD_WITH_CUDA

}  // namespace dnagrad::bench
