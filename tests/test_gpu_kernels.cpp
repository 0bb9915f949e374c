// GPU parity tests for the hand-written Conv1d, BatchNorm and pooling kernels (ctest label gpu).
// Each CUDA kernel runs on fresh random inputs and is compared with the CPU kernel in float64:
// outputs are poisoned with NaN first (so an element the kernel forgets fails), gradient buffers
// start from random values (so a kernel that overwrites instead of accumulating fails), relative
// error < 1e-5. The shapes are the promoter model's layers at a small batch plus awkward ones.
// Without a GPU every test prints DNAGRAD-GPU-SKIP and ctest reports it as skipped.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "gpu_test_util.h"
#include "kernels/batchnorm.h"
#include "kernels/conv1d.h"
#include "kernels/pooling.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

constexpr double kRtol = 1e-5, kAtol = 1e-8;

const ParityCheck check_parity{kRtol, kAtol};

struct ConvCase {
  int64_t n, c_in, len_in, c_out, kernel, stride, padding, dilation;
};

std::vector<ConvCase> conv_cases() {
  return {
      {2, 4, 2000, 256, 15, 1, 7, 1},  // promoter layer 1: one-hot DNA, long input
      {2, 256, 500, 128, 5, 1, 2, 1},  // promoter layer 2
      {2, 128, 125, 64, 3, 1, 1, 1},   // promoter layer 3
      {1, 3, 7, 5, 1, 1, 0, 1},        // batch 1, odd length, K = 1
      {1, 5, 4, 3, 9, 1, 4, 1},        // K larger than L, with padding
      {3, 6, 37, 7, 5, 1, 4, 2},       // dilation 2
      {2, 5, 33, 9, 4, 2, 1, 1},       // stride 2, even K
      {2, 3, 301, 40, 7, 3, 3, 2},     // stride 3 and dilation 2, partial channel tiles
      {1, 2, 900, 3, 2, 400, 0, 1},    // huge stride: forward falls back to the direct kernel
      {1, 2, 6100, 3, 2, 1, 0, 6000},  // huge dilation: every kernel falls back to direct
      {1, 40, 129, 33, 3, 1, 1, 1},    // just over one tile in L and channels
  };
}

std::string conv_desc(const ConvCase& c) {
  return "N " + std::to_string(c.n) + ", C_in " + std::to_string(c.c_in) + ", L " +
         std::to_string(c.len_in) + ", C_out " + std::to_string(c.c_out) + ", K " +
         std::to_string(c.kernel) + ", stride " + std::to_string(c.stride) + ", padding " +
         std::to_string(c.padding) + ", dilation " + std::to_string(c.dilation);
}

kernels::Conv1dParams conv_params(const ConvCase& c) {
  kernels::Conv1dParams p;
  p.stride = c.stride;
  p.padding = c.padding;
  p.dilation = c.dilation;
  return p;
}

// Integers in [0, levels): many ties, to test that the first maximum wins.
Array tied_array(const Shape& shape, Generator& gen, int levels) {
  std::vector<double> values = random_array(shape, gen, DType::F64, 0, levels).to_vector();
  for (double& v : values) v = std::floor(v);
  return Array::from_vector(shape, values, DType::F64);
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("gpu: conv1d forward and backward match the CPU kernels in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (const ConvCase& c : conv_cases()) {
      INFO(conv_desc(c));
      const kernels::Conv1dParams p = conv_params(c);
      const int64_t len_out = p.out_length(c.len_in, c.kernel);
      const Shape x_shape{c.n, c.c_in, c.len_in}, w_shape{c.c_out, c.c_in, c.kernel},
          y_shape{c.n, c.c_out, len_out};
      const Array x = random_array(x_shape, gen), w = random_array(w_shape, gen),
                  b = random_array({c.c_out}, gen), grad_y = random_array(y_shape, gen);

      for (bool with_bias : {true, false}) {
        const Array bias = with_bias ? b : Array();
        Array expected = Array::empty(y_shape, DType::F64);
        kernels::conv1d_forward(x, w, bias, expected, p);
        Array y = poisoned_gpu(y_shape);
        kernels::conv1d_forward(on_gpu(x), on_gpu(w), with_bias ? on_gpu(b) : Array(), y, p);
        check_parity(y, expected, with_bias ? "forward with bias" : "forward without bias");
      }

      const Array gx_start = random_array(x_shape, gen), gw_start = random_array(w_shape, gen),
                  gb_start = random_array({c.c_out}, gen);
      Array gx_expected = gx_start.clone(), gw_expected = gw_start.clone(),
            gb_expected = gb_start.clone();
      kernels::conv1d_backward_input(grad_y, w, gx_expected, p);
      kernels::conv1d_backward_weight(grad_y, x, gw_expected, p);
      kernels::conv1d_backward_bias(grad_y, gb_expected);

      const Array grad_y_gpu = on_gpu(grad_y);
      Array gx = on_gpu(gx_start), gw = on_gpu(gw_start), gb = on_gpu(gb_start);
      kernels::conv1d_backward_input(grad_y_gpu, on_gpu(w), gx, p);
      kernels::conv1d_backward_weight(grad_y_gpu, on_gpu(x), gw, p);
      kernels::conv1d_backward_bias(grad_y_gpu, gb);
      check_parity(gx, gx_expected, "grad_x");
      check_parity(gw, gw_expected, "grad_weight");
      check_parity(gb, gb_expected, "grad_bias");
    }
  }

  TEST_CASE("gpu: conv1d grad-weight and grad-bias are bitwise repeatable") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (const ConvCase& c : conv_cases()) {
      INFO(conv_desc(c));
      const kernels::Conv1dParams p = conv_params(c);
      const int64_t len_out = p.out_length(c.len_in, c.kernel);
      for (DType dtype : {DType::F32, DType::F64}) {
        const Array x = on_gpu(random_array({c.n, c.c_in, c.len_in}, gen, dtype));
        const Array grad_y = on_gpu(random_array({c.n, c.c_out, len_out}, gen, dtype));
        std::vector<double> runs[2], bias_runs[2];
        for (int run = 0; run < 2; ++run) {
          Array gw = Array::zeros({c.c_out, c.c_in, c.kernel}, dtype, Device::cuda());
          Array gb = Array::zeros({c.c_out}, dtype, Device::cuda());
          kernels::conv1d_backward_weight(grad_y, x, gw, p);
          kernels::conv1d_backward_bias(grad_y, gb);
          runs[run] = on_cpu(gw).to_vector();
          bias_runs[run] = on_cpu(gb).to_vector();
        }
        CHECK(runs[0] == runs[1]);
        CHECK(bias_runs[0] == bias_runs[1]);
      }
    }
  }

  TEST_CASE("gpu: conv1d in float32 stays close to the float64 CPU result") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (const ConvCase& c : conv_cases()) {
      INFO(conv_desc(c));
      const kernels::Conv1dParams p = conv_params(c);
      const int64_t len_out = p.out_length(c.len_in, c.kernel);
      const Shape y_shape{c.n, c.c_out, len_out};
      const Array x = random_array({c.n, c.c_in, c.len_in}, gen),
                  w = random_array({c.c_out, c.c_in, c.kernel}, gen),
                  b = random_array({c.c_out}, gen);
      Array expected = Array::empty(y_shape, DType::F64);
      kernels::conv1d_forward(x, w, b, expected, p);
      Array y = poisoned_gpu(y_shape, DType::F32);
      kernels::conv1d_forward(on_gpu(x.to(DType::F32)), on_gpu(w.to(DType::F32)),
                              on_gpu(b.to(DType::F32)), y, p);
      require_close(on_cpu(y).to(DType::F64), expected, 1e-3, 1e-3);
    }
  }

  TEST_CASE("gpu: batchnorm forward and backward match the CPU kernels in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<Shape> shapes = {{2, 256, 2000}, {2, 128, 500}, {2, 64, 125}, {1, 3, 7},
                                       {5, 7},         {2, 4},        {3, 5, 1}};
    const double momentum = 0.1, eps = 1e-5;
    for (const Shape& shape : shapes) {
      INFO("x ", shape_str(shape));
      const int64_t channels = shape[1];
      // An offset mean tests the stability of the variance.
      const Array x = random_array(shape, gen, DType::F64, 2, 4);
      const Array weight = random_array({channels}, gen), bias = random_array({channels}, gen);
      const Array run_mean = random_array({channels}, gen),
                  run_var = random_array({channels}, gen, DType::F64, 0.5, 2);
      const Array grad_y = random_array(shape, gen);

      for (bool affine : {true, false}) {
        INFO("affine and tracked ", affine);
        const Array w = affine ? weight : Array(), b = affine ? bias : Array();
        // training forward
        Array rm = run_mean.clone(), rv = run_var.clone();
        Array y = Array::empty(shape, DType::F64), mean = Array::empty({channels}, DType::F64),
              invstd = Array::empty({channels}, DType::F64);
        Array no_mean, no_var;
        kernels::batchnorm_forward_train(x, w, b, affine ? rm : no_mean, affine ? rv : no_var,
                                         momentum, eps, y, mean, invstd);
        Array rm_gpu = on_gpu(run_mean), rv_gpu = on_gpu(run_var), no_mean_gpu, no_var_gpu;
        Array y_gpu = poisoned_gpu(shape), mean_gpu = poisoned_gpu({channels}),
              invstd_gpu = poisoned_gpu({channels});
        const Array x_gpu = on_gpu(x), w_gpu = affine ? on_gpu(weight) : Array(),
                    b_gpu = affine ? on_gpu(bias) : Array();
        kernels::batchnorm_forward_train(x_gpu, w_gpu, b_gpu, affine ? rm_gpu : no_mean_gpu,
                                         affine ? rv_gpu : no_var_gpu, momentum, eps, y_gpu,
                                         mean_gpu, invstd_gpu);
        check_parity(y_gpu, y, "train y");
        check_parity(mean_gpu, mean, "save_mean");
        check_parity(invstd_gpu, invstd, "save_invstd");
        if (affine) {
          check_parity(rm_gpu, rm, "running_mean");
          check_parity(rv_gpu, rv, "running_var");
        }

        // eval forward
        Array y_eval = Array::empty(shape, DType::F64);
        kernels::batchnorm_forward_eval(x, w, b, run_mean, run_var, eps, y_eval);
        Array y_eval_gpu = poisoned_gpu(shape);
        kernels::batchnorm_forward_eval(x_gpu, w_gpu, b_gpu, on_gpu(run_mean), on_gpu(run_var), eps,
                                        y_eval_gpu);
        check_parity(y_eval_gpu, y_eval, "eval y");

        // backward, both modes, with and without grad_x
        for (bool training : {true, false}) {
          for (bool want_grad_x : {true, false}) {
            INFO("training ", training, ", grad_x ", want_grad_x);
            const Array gx0 = random_array(shape, gen), gw0 = random_array({channels}, gen),
                        gb0 = random_array({channels}, gen);
            Array gx = gx0.clone(), gw = gw0.clone(), gb = gb0.clone();
            kernels::batchnorm_backward(grad_y, x, w, mean, invstd, training,
                                        want_grad_x ? &gx : nullptr, &gw, &gb);
            Array gx_gpu = on_gpu(gx0), gw_gpu = on_gpu(gw0), gb_gpu = on_gpu(gb0);
            kernels::batchnorm_backward(on_gpu(grad_y), x_gpu, w_gpu, on_gpu(mean), on_gpu(invstd),
                                        training, want_grad_x ? &gx_gpu : nullptr, &gw_gpu,
                                        &gb_gpu);
            check_parity(gx_gpu, gx, "grad_x");
            check_parity(gw_gpu, gw, "grad_weight");
            check_parity(gb_gpu, gb, "grad_bias");
          }
        }
      }
    }
  }

  TEST_CASE("gpu: batchnorm training statistics are bitwise repeatable") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const Shape shape{4, 64, 1001};
    const Array x = on_gpu(random_array(shape, gen, DType::F32));
    const Array grad_y = on_gpu(random_array(shape, gen, DType::F32));
    std::vector<double> stats[2], grads[2];
    for (int run = 0; run < 2; ++run) {
      Array rm, rv, y = Array::empty(shape, DType::F32, Device::cuda());
      Array mean = Array::empty({64}, DType::F32, Device::cuda());
      Array invstd = Array::empty({64}, DType::F32, Device::cuda());
      kernels::batchnorm_forward_train(x, Array(), Array(), rm, rv, 0.1, 1e-5, y, mean, invstd);
      Array gx = Array::zeros(shape, DType::F32, Device::cuda());
      Array gw = Array::zeros({64}, DType::F32, Device::cuda());
      kernels::batchnorm_backward(grad_y, x, Array(), mean, invstd, true, &gx, &gw, nullptr);
      stats[run] = on_cpu(invstd).to_vector();
      grads[run] = on_cpu(gx).to_vector();
      const std::vector<double> gw_values = on_cpu(gw).to_vector();
      grads[run].insert(grads[run].end(), gw_values.begin(), gw_values.end());
    }
    CHECK(stats[0] == stats[1]);
    CHECK(grads[0] == grads[1]);
  }

  TEST_CASE("gpu: max and average pooling match the CPU kernels in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    struct PoolCase {
      Shape shape;
      int64_t kernel, stride, padding, dilation;
    };
    const std::vector<PoolCase> cases = {
        {{2, 256, 2000}, 4, 4, 0, 1},  // promoter pools
        {{2, 128, 500}, 4, 4, 0, 1},
        {{2, 64, 125}, 4, 4, 0, 1},  // length not divisible by the window
        {{1, 3, 37}, 3, 1, 1, 1},    // overlapping windows, batch 1, odd length
        {{2, 5, 31}, 5, 2, 2, 1},    // overlapping, stride 2
        {{2, 4, 40}, 3, 2, 1, 2},    // dilation 2
        {{1, 2, 3}, 3, 3, 1, 1},     // one window reaching into the padding on both sides
    };
    for (const PoolCase& c : cases) {
      for (bool ties : {false, true}) {
        INFO("x ", shape_str(c.shape), ", kernel ", c.kernel, ", stride ", c.stride, ", padding ",
             c.padding, ", dilation ", c.dilation, ", ties ", ties);
        kernels::Pool1dParams p;
        p.kernel = c.kernel;
        p.stride = c.stride;
        p.padding = c.padding;
        p.dilation = c.dilation;
        const Shape y_shape{c.shape[0], c.shape[1], p.out_length(c.shape[2])};
        const Array x = ties ? tied_array(c.shape, gen, 3) : random_array(c.shape, gen);
        const Array x_gpu = on_gpu(x), grad_y = random_array(y_shape, gen);

        // max
        Array y = Array::empty(y_shape, DType::F64), arg = Array::empty(y_shape, DType::I64);
        kernels::maxpool1d_forward(x, y, arg, p);
        Array y_gpu = poisoned_gpu(y_shape);
        Array arg_gpu = on_gpu(Array::full(y_shape, -7, DType::I64));
        kernels::maxpool1d_forward(x_gpu, y_gpu, arg_gpu, p);
        check_parity(y_gpu, y, "maxpool y");
        CHECK(on_cpu(arg_gpu).to_vector() == arg.to_vector());
        const Array gx0 = random_array(c.shape, gen);
        Array gx = gx0.clone(), gx_gpu = on_gpu(gx0);
        kernels::maxpool1d_backward(grad_y, arg, gx);
        kernels::maxpool1d_backward(on_gpu(grad_y), arg_gpu, gx_gpu);
        check_parity(gx_gpu, gx, "maxpool grad_x");

        // average, with and without the padding in the divisor
        for (bool include_pad : {true, false}) {
          INFO("count_include_pad ", include_pad);
          p.count_include_pad = include_pad;
          Array y_avg = Array::empty(y_shape, DType::F64), y_avg_gpu = poisoned_gpu(y_shape);
          kernels::avgpool1d_forward(x, y_avg, p);
          kernels::avgpool1d_forward(x_gpu, y_avg_gpu, p);
          check_parity(y_avg_gpu, y_avg, "avgpool y");
          Array gx_avg = gx0.clone(), gx_avg_gpu = on_gpu(gx0);
          kernels::avgpool1d_backward(grad_y, gx_avg, p);
          kernels::avgpool1d_backward(on_gpu(grad_y), gx_avg_gpu, p);
          check_parity(gx_avg_gpu, gx_avg, "avgpool grad_x");
        }
      }
    }
  }

  TEST_CASE("gpu: maxpool backward rejects an argmax outside the input") {
    if (skip_without_gpu()) return;
    const Array grad_y = on_gpu(Array::full({1, 1, 2}, 1.0, DType::F64));
    const Array arg = on_gpu(Array::from_vector({1, 1, 2}, {0, 5}, DType::I64));
    Array gx = on_gpu(Array::full({1, 1, 4}, 0.0, DType::F64));
    kernels::maxpool1d_backward(grad_y, arg, gx);  // does not wait for the device
    CHECK_THROWS_WITH(on_cpu(gx), doctest::Contains("element 1, bound 4"));
  }

  TEST_CASE("gpu: adaptive average pooling matches the CPU kernels in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<std::pair<Shape, int64_t>> cases = {{{2, 64, 125}, 1},   {{2, 64, 125}, 7},
                                                          {{2, 64, 125}, 125}, {{1, 3, 5}, 12},
                                                          {{3, 2, 2000}, 31},  {{1, 1, 1}, 1}};
    for (const auto& [shape, out] : cases) {
      INFO("x ", shape_str(shape), ", out ", out);
      const Shape y_shape{shape[0], shape[1], out};
      const Array x = random_array(shape, gen), grad_y = random_array(y_shape, gen);
      Array y = Array::empty(y_shape, DType::F64), y_gpu = poisoned_gpu(y_shape);
      kernels::adaptive_avgpool1d_forward(x, y);
      kernels::adaptive_avgpool1d_forward(on_gpu(x), y_gpu);
      check_parity(y_gpu, y, "adaptive y");
      const Array gx0 = random_array(shape, gen);
      Array gx = gx0.clone(), gx_gpu = on_gpu(gx0);
      kernels::adaptive_avgpool1d_backward(grad_y, gx);
      kernels::adaptive_avgpool1d_backward(on_gpu(grad_y), gx_gpu);
      check_parity(gx_gpu, gx, "adaptive grad_x");
    }
  }
}
