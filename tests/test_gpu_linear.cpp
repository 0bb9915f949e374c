// GPU tests of matmul and Linear on cuBLAS (kernels/cuda/matmul.cu; ctest label gpu): the CUDA
// twins against the CPU kernels on the same random inputs in float64. Outputs that are assigned
// are poisoned with NaN first (an element the GEMM skips fails); accumulated outputs start from
// random values (a kernel that overwrites instead of adding fails). All four transpose
// combinations, assign and accumulate, shapes from 1x1 to 1000x3. Float32 is checked against the
// float64 CPU result at a tolerance TF32 (10-bit mantissa) could not meet, proving TF32 is off.
// Without a GPU every test prints DNAGRAD-GPU-SKIP and ctest reports it as skipped.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "gpu_test_util.h"
#include "kernels/matmul.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

// Float64 on both sides: only the summation order differs (cuBLAS blocks the K sum).
constexpr double kRtol = 1e-10, kAtol = 1e-10;

const ParityCheck check_parity{kRtol, kAtol};

struct Dims {
  int64_t m, k, p;
};

// M x K x P products: 1x1, a single row or column, K = 1, odd sizes, 1000x3, a square-ish block.
const std::vector<Dims>& gemm_dims() {
  static const std::vector<Dims> dims = {{1, 1, 1},     {1, 7, 1},    {1, 5, 9},      {9, 5, 1},
                                         {7, 1, 4},     {3, 5, 2},    {1000, 3, 3},   {3, 1000, 3},
                                         {1000, 64, 3}, {33, 70, 65}, {257, 129, 130}};
  return dims;
}

// x [N, I], weight [O, I]: the promoter model's heads (64 -> 32 -> 1) and odd sizes.
struct LinearDims {
  int64_t n, in, out;
};
const std::vector<LinearDims>& linear_dims() {
  static const std::vector<LinearDims> dims = {
      {1, 1, 1}, {64, 64, 32}, {64, 32, 1}, {1000, 3, 7}, {5, 1000, 3}, {3, 17, 1000}, {1, 9, 4}};
  return dims;
}

// Largest |a - b| over the largest |b|: the error relative to the result's scale.
double relative_to_max(const Array& actual, const Array& expected) {
  const std::vector<double> a = actual.to_vector(), b = expected.to_vector();
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::isnan(a[i]) ? INFINITY : std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE(
      "gpu: matmul on cuBLAS matches the CPU for every transpose when assigning and accumulating") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (const Dims& d : gemm_dims()) {
      for (int flags = 0; flags < 4; ++flags) {
        const bool ta = flags & 1, tb = flags & 2;
        INFO("M ", d.m, " K ", d.k, " P ", d.p, " trans_a ", ta, " trans_b ", tb);
        const Array a = random_array(ta ? Shape{d.k, d.m} : Shape{d.m, d.k}, gen);
        const Array b = random_array(tb ? Shape{d.p, d.k} : Shape{d.k, d.p}, gen);
        const Array a_gpu = on_gpu(a), b_gpu = on_gpu(b);

        Array expected = poisoned({d.m, d.p});
        kernels::matmul(a, b, expected, ta, tb, false);
        Array c = on_gpu(poisoned({d.m, d.p}));
        kernels::matmul(a_gpu, b_gpu, c, ta, tb, false);
        check_parity(c, expected, "assigned");

        const Array start = random_array({d.m, d.p}, gen);
        Array acc_expected = start.clone(), acc = on_gpu(start);
        kernels::matmul(a, b, acc_expected, ta, tb, true);
        kernels::matmul(a_gpu, b_gpu, acc, ta, tb, true);
        check_parity(acc, acc_expected, "accumulated");
      }
    }
  }

  TEST_CASE("gpu: matmul on cuBLAS with an empty inner dimension assigns zeros") {
    if (skip_without_gpu()) return;
    const Array a = on_gpu(Array::zeros({3, 0}, DType::F64)),
                b = on_gpu(Array::zeros({0, 2}, DType::F64));
    Array c = on_gpu(poisoned({3, 2}));
    kernels::matmul(a, b, c);
    CHECK(on_cpu(c).to_vector() == std::vector<double>(6, 0.0));
    const Array start = Array::full({3, 2}, 1.5, DType::F64);
    Array acc = on_gpu(start);
    kernels::matmul(a, b, acc, false, false, true);
    CHECK(on_cpu(acc).to_vector() == start.to_vector());
  }

  TEST_CASE("gpu: linear forward on cuBLAS matches the CPU with and without bias") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (const LinearDims& d : linear_dims()) {
      INFO("N ", d.n, " I ", d.in, " O ", d.out);
      const Array x = random_array({d.n, d.in}, gen), w = random_array({d.out, d.in}, gen),
                  b = random_array({d.out}, gen);
      for (bool with_bias : {true, false}) {
        INFO("bias ", with_bias);
        Array expected = poisoned({d.n, d.out});
        kernels::linear_forward(x, w, with_bias ? b : Array(), expected);
        Array y = on_gpu(poisoned({d.n, d.out}));
        kernels::linear_forward(on_gpu(x), on_gpu(w), with_bias ? on_gpu(b) : Array(), y);
        check_parity(y, expected, "y");
      }
    }
  }

  TEST_CASE("gpu: linear backward on cuBLAS accumulates like the CPU for any subset of gradients") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (const LinearDims& d : linear_dims()) {
      const Array x = random_array({d.n, d.in}, gen), w = random_array({d.out, d.in}, gen),
                  grad_y = random_array({d.n, d.out}, gen);
      const Array x_gpu = on_gpu(x), w_gpu = on_gpu(w), grad_y_gpu = on_gpu(grad_y);
      for (int wanted = 1; wanted < 8; ++wanted) {  // bit 0: grad_x, 1: grad_weight, 2: grad_bias
        INFO("N ", d.n, " I ", d.in, " O ", d.out, ", gradients wanted (x, w, b bits) ", wanted);
        const Array gx0 = random_array({d.n, d.in}, gen), gw0 = random_array({d.out, d.in}, gen),
                    gb0 = random_array({d.out}, gen);
        Array gx = gx0.clone(), gw = gw0.clone(), gb = gb0.clone();
        Array gx_gpu = on_gpu(gx0), gw_gpu = on_gpu(gw0), gb_gpu = on_gpu(gb0);
        const bool want_x = wanted & 1, want_w = wanted & 2, want_b = wanted & 4;
        kernels::linear_backward(grad_y, x, w, want_x ? &gx : nullptr, want_w ? &gw : nullptr,
                                 want_b ? &gb : nullptr);
        kernels::linear_backward(grad_y_gpu, x_gpu, w_gpu, want_x ? &gx_gpu : nullptr,
                                 want_w ? &gw_gpu : nullptr, want_b ? &gb_gpu : nullptr);
        check_parity(gx_gpu, gx, "grad_x");  // untouched ones must still equal their start
        check_parity(gw_gpu, gw, "grad_weight");
        check_parity(gb_gpu, gb, "grad_bias");
      }
    }
  }

  TEST_CASE("gpu: float32 matmul and linear on cuBLAS are true float32 (no TF32)") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    // K = 1000: float32 accumulation stays near 1e-6 of the result's scale, while TF32's 10-bit
    // inputs would be off by ~1e-3.
    const Array a = random_array({64, 1000}, gen), b = random_array({1000, 48}, gen);
    Array expected = Array::empty({64, 48}, DType::F64);
    kernels::matmul(a, b, expected);
    Array c = on_gpu(poisoned({64, 48}, DType::F32));
    kernels::matmul(on_gpu(a.to(DType::F32)), on_gpu(b.to(DType::F32)), c);
    const double err = relative_to_max(on_cpu(c).to(DType::F64), expected);
    INFO("max |error| / max |c| = ", err);
    CHECK(err < 2e-5);

    const Array x = random_array({32, 1000}, gen), w = random_array({16, 1000}, gen),
                bias = random_array({16}, gen);
    Array y_expected = Array::empty({32, 16}, DType::F64);
    kernels::linear_forward(x, w, bias, y_expected);
    Array y = on_gpu(poisoned({32, 16}, DType::F32));
    kernels::linear_forward(on_gpu(x.to(DType::F32)), on_gpu(w.to(DType::F32)),
                            on_gpu(bias.to(DType::F32)), y);
    const double y_err = relative_to_max(on_cpu(y).to(DType::F64), y_expected);
    INFO("linear: max |error| / max |y| = ", y_err);
    CHECK(y_err < 2e-5);
  }

  TEST_CASE("gpu: linear bias gradient on the GPU is bitwise repeatable") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const Array grad_y = on_gpu(random_array({1000, 37}, gen, DType::F32));
    const Array x = on_gpu(random_array({1000, 5}, gen, DType::F32));
    const Array w = on_gpu(random_array({37, 5}, gen, DType::F32));
    std::vector<double> runs[2];
    for (auto& run : runs) {
      Array gb = Array::zeros({37}, DType::F32, Device::cuda());
      Array gw = Array::zeros({37, 5}, DType::F32, Device::cuda());
      kernels::linear_backward(grad_y, x, w, nullptr, &gw, &gb);
      run = on_cpu(gb).to_vector();
      const std::vector<double> gw_values = on_cpu(gw).to_vector();
      run.insert(run.end(), gw_values.begin(), gw_values.end());
    }
    CHECK(runs[0] == runs[1]);
  }

  TEST_CASE("gpu: matmul on cuBLAS rejects mismatched shapes and devices with the op named") {
    if (skip_without_gpu()) return;
    const Array a = on_gpu(Array::zeros({2, 3}, DType::F64)),
                b = on_gpu(Array::zeros({4, 2}, DType::F64));
    Array c = on_gpu(Array::zeros({2, 2}, DType::F64));
    CHECK_THROWS_WITH(kernels::matmul(a, b, c), doctest::Contains("matmul: expected op(a)"));
    const Array b_cpu = Array::zeros({3, 2}, DType::F64);
    CHECK_THROWS_WITH(kernels::matmul(a, b_cpu, c), doctest::Contains("matmul"));
  }
}
