// Our hand-written CUDA Conv1d, BatchNorm and pooling kernels against cuDNN, a second oracle
// besides the CPU parity tests of test_gpu_kernels.cpp (ctest label gpu). cuDNN comes from
// kernels/cudnn/ (target dnagrad_cudnn, linked by the tests only); without cuDNN at build time
// one test prints DNAGRAD-GPU-SKIP instead, as does every test without a GPU.
//
// Float32 on both sides, the promoter model's layer shapes at batch 8 plus stride, dilation and
// padding cases cuDNN supports. Outputs that are assigned start poisoned with NaN; accumulated
// gradients start from the same random values on both sides (so a kernel that overwrites fails).
//
// Tolerance: max |ours - cuDNN| <= 1e-4 * max |cuDNN| over each output. The two sides sum up to
// 16,000 float32 terms (grad-weight of the first layer) in different orders, and cuDNN may pick
// an FFT or Winograd algorithm; such differences stay around 1e-6 of the output's largest
// magnitude, while an indexing or accumulation bug is of order 1. Max pooling and its gradient
// route values without arithmetic, so they must match exactly.
#include <doctest/doctest.h>

#ifdef DNAGRAD_WITH_CUDNN

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gpu_test_util.h"
#include "kernels/batchnorm.h"
#include "kernels/conv1d.h"
#include "kernels/cudnn/batchnorm.h"
#include "kernels/cudnn/conv1d.h"
#include "kernels/cudnn/pooling.h"
#include "kernels/pooling.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

constexpr double kRtol = 1e-4;  // relative to the largest magnitude, see the file comment
constexpr DType kF32 = DType::F32;

Array random_gpu(const Shape& shape, Generator& gen, double lo = -1, double hi = 1) {
  return on_gpu(random_array(shape, gen, kF32, lo, hi));
}

// max |a - b| / max |b|; infinite when either side holds a NaN.
double error_to_max(const Array& ours, const Array& reference) {
  const std::vector<double> a = on_cpu(ours).to_vector(), b = on_cpu(reference).to_vector();
  REQUIRE(a.size() == b.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) return std::numeric_limits<double>::infinity();
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

void check_vs_cudnn(const Array& ours, const Array& reference, const char* what,
                    double rtol = kRtol) {
  const double err = error_to_max(ours, reference);
  INFO(what, ": max |ours - cuDNN| / max |cuDNN| = ", err, " (allowed ", rtol, ")");
  CHECK(err <= rtol);
}

struct ConvCase {
  int64_t n, c_in, len_in, c_out, kernel, stride, padding, dilation;
};

std::vector<ConvCase> conv_cases() {
  return {
      {8, 4, 2000, 256, 15, 1, 7, 1},  // promoter layer 1
      {8, 256, 500, 128, 5, 1, 2, 1},  // promoter layer 2
      {8, 128, 125, 64, 3, 1, 1, 1},   // promoter layer 3
      {4, 16, 301, 32, 5, 2, 2, 1},    // stride 2
      {4, 16, 300, 24, 3, 1, 2, 2},    // dilation 2
      {2, 8, 257, 40, 7, 3, 3, 2},     // stride 3 and dilation 2, partial channel tiles
      {2, 5, 4, 3, 9, 1, 4, 1},        // kernel longer than the input, with padding
      {2, 3, 7, 5, 1, 1, 0, 1},        // K = 1
  };
}

std::string conv_desc(const ConvCase& c) {
  return "N " + std::to_string(c.n) + ", C_in " + std::to_string(c.c_in) + ", L " +
         std::to_string(c.len_in) + ", C_out " + std::to_string(c.c_out) + ", K " +
         std::to_string(c.kernel) + ", stride " + std::to_string(c.stride) + ", padding " +
         std::to_string(c.padding) + ", dilation " + std::to_string(c.dilation);
}

// Distinct float32 values in [-1, 1] in random order (integers times 2^-k: exact), so every
// pooling window has a unique maximum and both sides route its gradient to the same element.
Array distinct_array(const Shape& shape, Generator& gen) {
  const int64_t n = shape_numel(shape);
  REQUIRE(n < (int64_t{1} << 24));
  int64_t scale = 1;
  while (scale < n) scale *= 2;
  const std::vector<int64_t> order = gen.permutation(n);
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i)
    values[i] = static_cast<double>(2 * order[i] - n) / static_cast<double>(scale);
  return Array::from_vector(shape, values, kF32);
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("gpu: conv1d forward and grad-input and grad-weight match cuDNN in float32") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (const ConvCase& c : conv_cases()) {
      INFO(conv_desc(c));
      kernels::Conv1dParams p;
      p.stride = c.stride;
      p.padding = c.padding;
      p.dilation = c.dilation;
      const Shape x_shape{c.n, c.c_in, c.len_in}, w_shape{c.c_out, c.c_in, c.kernel},
          y_shape{c.n, c.c_out, p.out_length(c.len_in, c.kernel)};
      const Array x = random_gpu(x_shape, gen), w = random_gpu(w_shape, gen),
                  b = random_gpu({c.c_out}, gen), grad_y = random_gpu(y_shape, gen);
      kernels::cudnn::Conv1d reference(x_shape, w_shape, kF32, Device::cuda(), p);
      INFO("cuDNN: ", reference.describe());

      for (bool with_bias : {true, false}) {
        INFO("bias ", with_bias);
        Array ours = poisoned_gpu(y_shape, kF32), theirs = poisoned_gpu(y_shape, kF32);
        kernels::conv1d_forward(x, w, with_bias ? b : Array(), ours, p);
        reference.forward(x, w, with_bias ? b : Array(), theirs);
        check_vs_cudnn(ours, theirs, "forward y");
      }

      const Array gx0 = random_array(x_shape, gen, kF32), gw0 = random_array(w_shape, gen, kF32);
      Array gx_ours = on_gpu(gx0), gx_theirs = on_gpu(gx0);
      kernels::conv1d_backward_input(grad_y, w, gx_ours, p);
      reference.backward_input(grad_y, w, gx_theirs);
      check_vs_cudnn(gx_ours, gx_theirs, "grad_x (accumulated onto a random start)");

      Array gw_ours = on_gpu(gw0), gw_theirs = on_gpu(gw0);
      kernels::conv1d_backward_weight(grad_y, x, gw_ours, p);
      reference.backward_weight(grad_y, x, gw_theirs);
      check_vs_cudnn(gw_ours, gw_theirs, "grad_weight (accumulated onto a random start)");
    }
  }

  TEST_CASE("gpu: batchnorm training and eval forward match cuDNN in float32") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<Shape> shapes = {{8, 256, 2000}, {8, 128, 500}, {8, 64, 125}, {3, 5, 1}};
    const double momentum = 0.1, eps = 1e-5;
    for (const Shape& shape : shapes) {
      const int64_t channels = shape[1];
      const Shape c_shape{channels};
      // A mean away from zero, yet no cancellation that would test cuDNN's variance instead.
      const Array x = random_gpu(shape, gen, -1, 1.5);
      const Array weight = random_gpu(c_shape, gen), bias = random_gpu(c_shape, gen);
      const Array run_mean = random_array(c_shape, gen, kF32),
                  run_var = random_array(c_shape, gen, kF32, 0.5, 2);
      kernels::cudnn::BatchNorm reference(shape, kF32, Device::cuda());
      for (bool affine : {true, false}) {
        INFO("x ", shape_str(shape), ", affine and tracked ", affine);
        const Array w = affine ? weight : Array(), b = affine ? bias : Array();
        Array rm_ours = on_gpu(run_mean), rv_ours = on_gpu(run_var);
        Array rm_theirs = on_gpu(run_mean), rv_theirs = on_gpu(run_var);
        Array no_mean, no_var;
        Array y_ours = poisoned_gpu(shape, kF32), mean_ours = poisoned_gpu(c_shape, kF32),
              invstd_ours = poisoned_gpu(c_shape, kF32);
        Array y_theirs = poisoned_gpu(shape, kF32), mean_theirs = poisoned_gpu(c_shape, kF32),
              invstd_theirs = poisoned_gpu(c_shape, kF32);
        kernels::batchnorm_forward_train(x, w, b, affine ? rm_ours : no_mean,
                                         affine ? rv_ours : no_var, momentum, eps, y_ours,
                                         mean_ours, invstd_ours);
        reference.forward_train(x, w, b, affine ? rm_theirs : no_mean, affine ? rv_theirs : no_var,
                                momentum, eps, y_theirs, mean_theirs, invstd_theirs);
        check_vs_cudnn(y_ours, y_theirs, "train y");
        check_vs_cudnn(mean_ours, mean_theirs, "save_mean");
        check_vs_cudnn(invstd_ours, invstd_theirs, "save_invstd");
        if (affine) {  // momentum 0.1, unbiased running variance on both sides
          check_vs_cudnn(rm_ours, rm_theirs, "running_mean");
          check_vs_cudnn(rv_ours, rv_theirs, "running_var");
        }

        Array eval_ours = poisoned_gpu(shape, kF32), eval_theirs = poisoned_gpu(shape, kF32);
        const Array rm = on_gpu(run_mean), rv = on_gpu(run_var);
        kernels::batchnorm_forward_eval(x, w, b, rm, rv, eps, eval_ours);
        reference.forward_eval(x, w, b, rm, rv, eps, eval_theirs);
        check_vs_cudnn(eval_ours, eval_theirs, "eval y");
      }
    }
  }

  TEST_CASE("gpu: batchnorm training backward matches cuDNN in float32") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<Shape> shapes = {{8, 256, 2000}, {8, 128, 500}, {8, 64, 125}, {3, 5, 1}};
    const double eps = 1e-5;
    for (const Shape& shape : shapes) {
      const int64_t channels = shape[1];
      const Shape c_shape{channels};
      const Array x = random_gpu(shape, gen, -1, 1.5), grad_y = random_gpu(shape, gen);
      const Array weight = random_gpu(c_shape, gen);
      // The batch statistics both backward passes use: our forward's.
      Array rm, rv, y = Array::empty(shape, kF32, Device::cuda());
      Array mean = Array::empty(c_shape, kF32, Device::cuda()),
            invstd = Array::empty(c_shape, kF32, Device::cuda());
      kernels::batchnorm_forward_train(x, weight, Array(), rm, rv, 0.1, eps, y, mean, invstd);
      kernels::cudnn::BatchNorm reference(shape, kF32, Device::cuda());
      for (bool affine : {true, false}) {
        INFO("x ", shape_str(shape), ", affine ", affine);
        const Array w = affine ? weight : Array();
        const Array gx0 = random_array(shape, gen, kF32), gw0 = random_array(c_shape, gen, kF32),
                    gb0 = random_array(c_shape, gen, kF32);
        Array gx_ours = on_gpu(gx0), gw_ours = on_gpu(gw0), gb_ours = on_gpu(gb0);
        Array gx_theirs = on_gpu(gx0), gw_theirs = on_gpu(gw0), gb_theirs = on_gpu(gb0);
        kernels::batchnorm_backward(grad_y, x, w, mean, invstd, true, &gx_ours, &gw_ours, &gb_ours);
        reference.backward(grad_y, x, w, mean, invstd, eps, &gx_theirs, &gw_theirs, &gb_theirs);
        check_vs_cudnn(gx_ours, gx_theirs, "grad_x");
        check_vs_cudnn(gw_ours, gw_theirs, "grad_weight");
        check_vs_cudnn(gb_ours, gb_theirs, "grad_bias");
      }
    }
  }

  TEST_CASE("gpu: max and average pooling forward and backward match cuDNN in float32") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    struct PoolCase {
      Shape shape;
      int64_t kernel, stride, padding;
    };
    const std::vector<PoolCase> cases = {
        {{8, 256, 2000}, 4, 4, 0},                           // promoter pools
        {{8, 128, 500}, 4, 4, 0},  {{8, 64, 125}, 4, 4, 0},  // length not divisible by the window
        {{4, 16, 301}, 3, 2, 1},                             // overlapping, stride 2, padding
        {{2, 8, 97}, 5, 1, 2},  // overlapping, stride 1, padding on both ends
        {{1, 2, 3}, 3, 3, 1},   // one window reaching into the padding on both sides
    };
    using Kind = kernels::cudnn::Pool1d::Kind;
    for (const PoolCase& c : cases) {
      INFO("x ", shape_str(c.shape), ", kernel ", c.kernel, ", stride ", c.stride, ", padding ",
           c.padding);
      kernels::Pool1dParams p;
      p.kernel = c.kernel;
      p.stride = c.stride;
      p.padding = c.padding;
      const Shape y_shape{c.shape[0], c.shape[1], p.out_length(c.shape[2])};
      const Array x = on_gpu(distinct_array(c.shape, gen)), grad_y = random_gpu(y_shape, gen);
      const Array gx0 = random_array(c.shape, gen, kF32);

      // max: exact on both the values and the routing of the gradient
      kernels::cudnn::Pool1d max_ref(Kind::Max, c.shape, kF32, Device::cuda(), p);
      Array y_ours = poisoned_gpu(y_shape, kF32), y_theirs = poisoned_gpu(y_shape, kF32);
      Array argmax = Array::empty(y_shape, DType::I64, Device::cuda());
      kernels::maxpool1d_forward(x, y_ours, argmax, p);
      max_ref.forward(x, y_theirs);
      check_vs_cudnn(y_ours, y_theirs, "maxpool y", 0);
      Array gx_ours = on_gpu(gx0), gx_theirs = on_gpu(gx0);
      kernels::maxpool1d_backward(grad_y, argmax, gx_ours);
      max_ref.backward(x, y_theirs, grad_y, gx_theirs);
      check_vs_cudnn(gx_ours, gx_theirs, "maxpool grad_x", 0);

      // average, with and without the padding in the divisor
      for (bool include_pad : {true, false}) {
        INFO("count_include_pad ", include_pad);
        p.count_include_pad = include_pad;
        kernels::cudnn::Pool1d avg_ref(Kind::Avg, c.shape, kF32, Device::cuda(), p);
        Array avg_ours = poisoned_gpu(y_shape, kF32), avg_theirs = poisoned_gpu(y_shape, kF32);
        kernels::avgpool1d_forward(x, avg_ours, p);
        avg_ref.forward(x, avg_theirs);
        check_vs_cudnn(avg_ours, avg_theirs, "avgpool y");
        Array agx_ours = on_gpu(gx0), agx_theirs = on_gpu(gx0);
        kernels::avgpool1d_backward(grad_y, agx_ours, p);
        avg_ref.backward(x, avg_theirs, grad_y, agx_theirs);
        check_vs_cudnn(agx_ours, agx_theirs, "avgpool grad_x");
      }
    }
  }

  TEST_CASE("gpu: the cuDNN reference rejects shapes that do not fit and names the op") {
    if (skip_without_gpu()) return;
    kernels::Conv1dParams p;
    p.padding = 1;
    kernels::cudnn::Conv1d reference({2, 3, 10}, {4, 3, 3}, kF32, Device::cuda(), p);
    Array x = Array::zeros({2, 3, 11}, kF32, Device::cuda());
    Array w = Array::zeros({4, 3, 3}, kF32, Device::cuda());
    Array y = Array::zeros({2, 4, 10}, kF32, Device::cuda());
    CHECK_THROWS_WITH(reference.forward(x, w, Array(), y),
                      doctest::Contains("cudnn conv1d forward: expected x"));
    kernels::Pool1dParams dilated;
    dilated.kernel = 3;
    dilated.dilation = 2;
    CHECK_THROWS_WITH(kernels::cudnn::Pool1d(kernels::cudnn::Pool1d::Kind::Max, {1, 1, 20}, kF32,
                                             Device::cuda(), dilated),
                      doctest::Contains("no dilation"));
  }
}

#elif !defined(DNAGRAD_CUDA_EMULATE)  // built without cuDNN: say so instead of silently passing
// (The emulation build has no cuDNN by design: there these tests do not exist, rather than
// being reported as skipped beside the emulated gpu suite.)

#include <iostream>

#include "test_util.h"

TEST_SUITE("gpu") {
  TEST_CASE("gpu: our kernels against cuDNN (compiled out: built without cuDNN)") {
    if (dnagrad::testing::skip_without_gpu()) return;
    std::cout << "DNAGRAD-GPU-SKIP: built without cuDNN: the cuDNN reference tests are compiled "
                 "out (see cmake/cuda_libraries.cmake)\n";
  }
}

#endif
