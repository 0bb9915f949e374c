// GPU parity tests for the elementwise, permute and reduce kernels (ctest label gpu).
// Each CUDA kernel runs on fresh random inputs and is compared with the CPU kernel in float64:
// outputs are poisoned with NaN first (so an element the kernel forgets fails), gradient buffers
// start from random values (so a kernel that overwrites instead of accumulating fails), relative
// error < 1e-5. The shapes sweep the broadcasting patterns the models use ([N, C, L] with a
// per-channel [C, 1] or [1, C, 1], [N, 1, L]), scalars, extent-1 and empty dimensions, odd sizes
// and a case over 1M elements, chosen so that every launch plan of segmented_sum.cuh (one thread
// per sum, one block per sum, two passes) is taken. Sums must be bitwise repeatable.
// Without a GPU every test prints DNAGRAD-GPU-SKIP and ctest reports it as skipped.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gpu_test_util.h"
#include "kernels/checks.h"
#include "kernels/elementwise.h"
#include "kernels/permute.h"
#include "kernels/reduce.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;
using kernels::BinaryOp;
using kernels::UnaryOp;

namespace {

constexpr double kRtol = 1e-5, kAtol = 1e-8;

const ParityCheck check_parity{kRtol, kAtol};

// Labels for failures: the ops' names as their errors spell them.
const char* name_of(BinaryOp op) { return kernels::binary_name(op); }
const char* name_of(UnaryOp op) { return kernels::unary_name(op); }

const BinaryOp kBinaryOps[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div};

// Pairs of input shapes for the broadcasting binary ops.
struct BinaryCase {
  Shape a, b;
};

std::vector<BinaryCase> binary_cases() {
  return {
      {{3, 4}, {3, 4}},  // same shape
      {{}, {2, 3}},      // scalar with a tensor, both ways round
      {{2, 3}, {}},
      {{1}, {5}},
      {{2, 5, 7}, {5, 1}},     // [N, C, L] with [C, 1] (a bias)
      {{2, 5, 7}, {1, 5, 1}},  // [N, C, L] with [1, C, 1]
      {{2, 5, 7}, {2, 1, 7}},  // [N, C, L] with [N, 1, L]
      {{1, 1, 3}, {4, 1, 1}},  // both stretched, extent-1 dims
      {{3, 1, 5}, {1, 4, 1}},
      {{2, 1, 3, 1, 2}, {1, 4, 1, 5, 1}},  // 5-D, alternating broadcast dimensions
      {{1, 1}, {1, 1}},                    // every extent 1
      {{7, 13, 3}, {13, 1}},               // odd sizes
      {{33, 1}, {1, 65}},
      {{8, 64, 100}, {64, 1}},    // one block per gradient element
      {{40, 20000}, {1, 20000}},  // one thread per gradient element (many)
      {{0, 3}, {1, 3}},           // empty: the [1, 3] gradient sums nothing
      {{2, 0}, {2, 0}},
      {{0}, {}},
      {{4, 0, 3}, {4, 1, 3}},
      {{2, 256, 2000}, {1, 256, 1}},  // > 1M elements, two passes per channel
      {{1100003}, {}},                // a scalar's gradient over 1.1M terms
  };
}

// The four combinations of requested gradients.
struct GradChoice {
  bool a, b;
};
const GradChoice kGradChoices[] = {{true, true}, {true, false}, {false, true}, {false, false}};

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("gpu: binary forward and backward match the CPU kernels in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (const BinaryCase& c : binary_cases()) {
      INFO("a ", shape_str(c.a), ", b ", shape_str(c.b));
      const Shape out_shape = broadcast_shapes(c.a, c.b, "test");
      // b away from 0 so division stays well conditioned.
      const Array a = random_array(c.a, gen), b = random_array(c.b, gen, DType::F64, 0.5, 2);
      const Array grad_out = random_array(out_shape, gen);
      const Array a_gpu = on_gpu(a), b_gpu = on_gpu(b), grad_out_gpu = on_gpu(grad_out);
      for (BinaryOp op : kBinaryOps) {
        INFO("op ", name_of(op));
        Array expected = poisoned(out_shape);
        kernels::binary_forward(op, a, b, expected);
        Array out = poisoned_gpu(out_shape);
        kernels::binary_forward(op, a_gpu, b_gpu, out);
        check_parity(out, expected, "forward");

        for (GradChoice want : kGradChoices) {
          INFO("grad_a ", want.a, ", grad_b ", want.b);
          const Array ga0 = random_array(c.a, gen), gb0 = random_array(c.b, gen);
          Array ga = ga0.clone(), gb = gb0.clone();
          kernels::binary_backward(op, a, b, grad_out, want.a ? &ga : nullptr,
                                   want.b ? &gb : nullptr);
          Array ga_gpu = on_gpu(ga0), gb_gpu = on_gpu(gb0);
          kernels::binary_backward(op, a_gpu, b_gpu, grad_out_gpu, want.a ? &ga_gpu : nullptr,
                                   want.b ? &gb_gpu : nullptr);
          check_parity(ga_gpu, ga, "grad_a");  // unchanged when not requested
          check_parity(gb_gpu, gb, "grad_b");
        }
      }
    }
  }

  TEST_CASE("gpu: binary ops in float32 stay close to the float32 CPU kernels") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<BinaryCase> cases = {
        {{3, 4}, {3, 4}},          {{2, 5, 7}, {5, 1}},           {{2, 5, 7}, {2, 1, 7}},
        {{40, 20000}, {1, 20000}}, {{2, 256, 2000}, {1, 256, 1}}, {{1100003}, {}}};
    for (const BinaryCase& c : cases) {
      INFO("a ", shape_str(c.a), ", b ", shape_str(c.b));
      const Shape out_shape = broadcast_shapes(c.a, c.b, "test");
      const Array a = random_array(c.a, gen, DType::F32);
      const Array b = random_array(c.b, gen, DType::F32, 0.5, 2);
      const Array grad_out = random_array(out_shape, gen, DType::F32);
      for (BinaryOp op : kBinaryOps) {
        INFO("op ", name_of(op));
        Array expected = poisoned(out_shape, DType::F32);
        kernels::binary_forward(op, a, b, expected);
        Array out = poisoned_gpu(out_shape, DType::F32);
        kernels::binary_forward(op, on_gpu(a), on_gpu(b), out);
        check_parity(out, expected, "forward", 1e-4, 1e-6);

        const Array ga0 = random_array(c.a, gen, DType::F32),
                    gb0 = random_array(c.b, gen, DType::F32);
        Array ga = ga0.clone(), gb = gb0.clone(), ga_gpu = on_gpu(ga0), gb_gpu = on_gpu(gb0);
        kernels::binary_backward(op, a, b, grad_out, &ga, &gb);
        kernels::binary_backward(op, on_gpu(a), on_gpu(b), on_gpu(grad_out), &ga_gpu, &gb_gpu);
        check_parity(ga_gpu, ga, "grad_a", 1e-4, 1e-5);
        check_parity(gb_gpu, gb, "grad_b", 1e-4, 1e-5);
      }
    }
  }

  TEST_CASE("gpu: binary backward with broadcasting is bitwise repeatable") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<BinaryCase> cases = {{{2, 256, 2000}, {1, 256, 1}},
                                           {{1100003}, {}},
                                           {{8, 64, 100}, {64, 1}},
                                           {{40, 20000}, {1, 20000}}};
    for (const BinaryCase& c : cases) {
      INFO("a ", shape_str(c.a), ", b ", shape_str(c.b));
      const Shape out_shape = broadcast_shapes(c.a, c.b, "test");
      for (DType dtype : {DType::F32, DType::F64}) {
        const Array a = on_gpu(random_array(c.a, gen, dtype));
        const Array b = on_gpu(random_array(c.b, gen, dtype, 0.5, 2));
        const Array grad_out = on_gpu(random_array(out_shape, gen, dtype));
        for (BinaryOp op : {BinaryOp::Mul, BinaryOp::Div}) {
          INFO("op ", name_of(op), ", ", dtype_name(dtype));
          std::vector<double> runs[2];
          for (int run = 0; run < 2; ++run) {
            Array ga = Array::zeros(c.a, dtype, Device::cuda());
            Array gb = Array::zeros(c.b, dtype, Device::cuda());
            kernels::binary_backward(op, a, b, grad_out, &ga, &gb);
            runs[run] = on_cpu(ga).to_vector();
            const std::vector<double> gb_values = on_cpu(gb).to_vector();
            runs[run].insert(runs[run].end(), gb_values.begin(), gb_values.end());
          }
          CHECK(runs[0] == runs[1]);
        }
      }
    }
  }

  TEST_CASE("gpu: every unary op forward and backward matches the CPU kernels in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    struct UnaryCase {
      UnaryOp op;
      double scalar, lo, hi;  // the op's scalar and the range of x
    };
    const std::vector<UnaryCase> ops = {
        {UnaryOp::Neg, 0, -1, 1},           {UnaryOp::AddScalar, 0.7, -1, 1},
        {UnaryOp::MulScalar, -1.3, -1, 1},  {UnaryOp::PowScalar, 2.5, 0.1, 2},
        {UnaryOp::PowScalar, 3, -2, 2},     {UnaryOp::PowScalar, 0, -1, 1},
        {UnaryOp::PowScalar, -1.5, 0.2, 2}, {UnaryOp::Exp, 0, -3, 3},
        {UnaryOp::Log, 0, 0.05, 3},         {UnaryOp::ReLU, 0, -1, 1},
        {UnaryOp::Sigmoid, 0, -10, 10},     {UnaryOp::Tanh, 0, -3, 3}};
    const std::vector<Shape> shapes = {{}, {0}, {1}, {7}, {3, 5, 17}, {1100001}};
    for (const UnaryCase& u : ops) {
      const bool needs_y =
          u.op == UnaryOp::Exp || u.op == UnaryOp::Sigmoid || u.op == UnaryOp::Tanh;
      for (const Shape& shape : shapes) {
        INFO("op ", name_of(u.op), ", scalar ", u.scalar, ", x ", shape_str(shape));
        std::vector<double> values = random_array(shape, gen, DType::F64, u.lo, u.hi).to_vector();
        if (u.op == UnaryOp::ReLU)  // exact zeros: relu' is 0 there
          for (size_t i = 0; i < values.size(); i += 7) values[i] = 0;
        const Array x = Array::from_vector(shape, values, DType::F64), x_gpu = on_gpu(x);

        Array y = poisoned(shape);
        kernels::unary_forward(u.op, x, u.scalar, y);
        Array y_gpu = poisoned_gpu(shape);
        kernels::unary_forward(u.op, x_gpu, u.scalar, y_gpu);
        check_parity(y_gpu, y, "forward");

        // The ops that do not need the forward output get none, on both devices.
        const Array grad_y = random_array(shape, gen), gx0 = random_array(shape, gen);
        Array gx = gx0.clone(), gx_gpu = on_gpu(gx0);
        kernels::unary_backward(u.op, x, needs_y ? y : Array(), u.scalar, grad_y, gx);
        kernels::unary_backward(u.op, x_gpu, needs_y ? on_gpu(y) : Array(), u.scalar,
                                on_gpu(grad_y), gx_gpu);
        check_parity(gx_gpu, gx, "grad_x");
      }
    }
  }

  TEST_CASE("gpu: unary ops in float32 stay close to the float32 CPU kernels") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const UnaryOp all[] = {UnaryOp::Neg,       UnaryOp::AddScalar, UnaryOp::MulScalar,
                           UnaryOp::PowScalar, UnaryOp::Exp,       UnaryOp::Log,
                           UnaryOp::ReLU,      UnaryOp::Sigmoid,   UnaryOp::Tanh};
    const Shape shape{3, 1001};
    for (UnaryOp op : all) {
      INFO("op ", name_of(op));
      const Array x = random_array(shape, gen, DType::F32, 0.1, 2);  // positive for log and pow
      Array y = poisoned(shape, DType::F32), y_gpu = poisoned_gpu(shape, DType::F32);
      kernels::unary_forward(op, x, 1.5, y);
      kernels::unary_forward(op, on_gpu(x), 1.5, y_gpu);
      check_parity(y_gpu, y, "forward", 1e-4, 1e-6);
      const Array grad_y = random_array(shape, gen, DType::F32),
                  gx0 = random_array(shape, gen, DType::F32);
      Array gx = gx0.clone(), gx_gpu = on_gpu(gx0);
      kernels::unary_backward(op, x, y, 1.5, grad_y, gx);
      kernels::unary_backward(op, on_gpu(x), on_gpu(y), 1.5, on_gpu(grad_y), gx_gpu);
      check_parity(gx_gpu, gx, "grad_x", 1e-4, 1e-6);
    }
  }

  TEST_CASE("gpu: accumulate and accumulate_product match the CPU kernels") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<Shape> shapes = {{}, {0}, {1}, {7}, {3, 5, 17}, {1100001}};
    for (const Shape& shape : shapes) {
      for (DType dtype : {DType::F64, DType::F32}) {
        INFO("shape ", shape_str(shape), ", ", dtype_name(dtype));
        const double rtol = dtype == DType::F64 ? kRtol : 1e-4;
        const Array dst0 = random_array(shape, gen, dtype), a = random_array(shape, gen, dtype),
                    b = random_array(shape, gen, dtype);
        Array dst = dst0.clone(), dst_gpu = on_gpu(dst0);
        kernels::accumulate_product(dst, a, b);
        kernels::accumulate_product(dst_gpu, on_gpu(a), on_gpu(b));
        check_parity(dst_gpu, dst, "accumulate_product", rtol, 1e-6);
        for (double alpha : {1.0, -0.25}) {
          kernels::accumulate(dst, a, alpha);
          kernels::accumulate(dst_gpu, on_gpu(a), alpha);
          check_parity(dst_gpu, dst, "accumulate", rtol, 1e-6);
        }
      }
      // float64 += float32, as the trainer's epoch loss sum: every product and sum is the same
      // double arithmetic on both sides, so the results are bitwise equal.
      const Array src = random_array(shape, gen, DType::F32);
      Array wide = random_array(shape, gen, DType::F64), wide_gpu = on_gpu(wide);
      kernels::accumulate(wide, src, 48.0);
      kernels::accumulate(wide_gpu, on_gpu(src), 48.0);
      CHECK(wide_gpu.to(Device::cpu()).to_vector() == wide.to_vector());
    }
  }

  TEST_CASE("gpu: reduce_sum and its backward match the CPU kernels in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    struct ReduceCase {
      Shape shape;
      int dim;
      bool keepdim;
    };
    const std::vector<ReduceCase> cases = {
        {{2, 5, 7}, -1, false},     {{2, 5, 7}, 0, false},   {{2, 5, 7}, 1, true},
        {{2, 5, 7}, 2, false},      {{}, -1, false},         {{1}, 0, false},
        {{3, 17, 33}, 1, true},     {{0, 3}, -1, false},     {{3, 0, 4}, 1, false},
        {{3, 0}, 0, false},         {{0, 3}, 1, true},       {{4, 300, 1000}, 0, false},
        {{4, 300, 1000}, 1, false},                           // one block per output
        {{4, 300, 1000}, 2, true},  {{40000, 50}, 1, false},  // one thread per output (many)
        {{3, 10000}, 1, false},                               // two passes, several outputs
        {{1200007}, -1, false},                               // two passes, > 1M elements
    };
    for (const ReduceCase& c : cases) {
      for (double scale : {1.0, 0.37}) {
        INFO("x ", shape_str(c.shape), ", dim ", c.dim, ", keepdim ", c.keepdim, ", scale ", scale);
        Shape y_shape;
        if (c.dim >= 0) {
          y_shape = c.shape;
          if (c.keepdim)
            y_shape[c.dim] = 1;
          else
            y_shape.erase(y_shape.begin() + c.dim);
        }
        const Array x = random_array(c.shape, gen);
        Array y = poisoned(y_shape), y_gpu = poisoned_gpu(y_shape);
        kernels::reduce_sum(x, c.dim, scale, y);
        kernels::reduce_sum(on_gpu(x), c.dim, scale, y_gpu);
        check_parity(y_gpu, y, "reduce_sum");

        const Array grad_y = random_array(y_shape, gen), gx0 = random_array(c.shape, gen);
        Array gx = gx0.clone(), gx_gpu = on_gpu(gx0);
        kernels::reduce_sum_backward(grad_y, c.dim, scale, gx);
        kernels::reduce_sum_backward(on_gpu(grad_y), c.dim, scale, gx_gpu);
        check_parity(gx_gpu, gx, "reduce_sum backward");
      }
    }
  }

  TEST_CASE("gpu: reduce_sum is bitwise repeatable and sums float32 in double") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<std::pair<Shape, int>> cases = {
        {{1200007}, -1}, {{4, 300, 1000}, 1}, {{3, 10000}, 1}, {{40000, 50}, 1}};
    for (const auto& [shape, dim] : cases) {
      for (DType dtype : {DType::F32, DType::F64}) {
        INFO("x ", shape_str(shape), ", dim ", dim, ", ", dtype_name(dtype));
        Shape y_shape;
        if (dim >= 0) {
          y_shape = shape;
          y_shape.erase(y_shape.begin() + dim);
        }
        const Array x = on_gpu(random_array(shape, gen, dtype));
        std::vector<double> runs[2];
        for (int run = 0; run < 2; ++run) {
          Array y = poisoned_gpu(y_shape, dtype);
          kernels::reduce_sum(x, dim, 1.0, y);
          runs[run] = on_cpu(y).to_vector();
        }
        CHECK(runs[0] == runs[1]);
      }
    }
    // 17e6 ones: a float accumulator would stop at 2^24 = 16777216.
    const Array ones = on_gpu(Array::full({17'000'000}, 1.0, DType::F32));
    Array total = poisoned_gpu({}, DType::F32);
    kernels::reduce_sum(ones, -1, 1.0, total);
    CHECK(total.item() == 17'000'000);
  }

  TEST_CASE("gpu: permute matches the CPU kernel when assigning and accumulating") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
        {{2, 3}, {1, 0}},
        {{2, 3, 4}, {0, 1, 2}},
        {{2, 3, 4}, {0, 2, 1}},
        {{2, 3, 4}, {1, 0, 2}},
        {{2, 3, 4}, {1, 2, 0}},
        {{2, 3, 4}, {2, 0, 1}},
        {{2, 3, 4}, {2, 1, 0}},
        {{2, 3, 4, 5}, {0, 2, 1, 3}},
        {{2, 3, 4, 5}, {3, 2, 1, 0}},
        {{2, 3, 4, 5}, {1, 3, 0, 2}},
        {{2, 3, 4, 5}, {0, 1, 2, 3}},
        {{1, 5, 1, 3}, {2, 0, 3, 1}},  // extent-1 dimensions
        {{3, 1, 4, 1, 5}, {4, 2, 0, 3, 1}},
        {{7, 11, 13}, {2, 0, 1}},  // odd sizes
        {{0, 3, 2}, {2, 0, 1}},    // empty
        {{}, {}},                  // a scalar
        {{7}, {0}},
        {{64, 4, 4100}, {0, 2, 1}},  // > 1M elements: [N, C, L] -> [N, L, C]
    };
    for (const auto& [shape, perm] : cases) {
      INFO("x ", shape_str(shape), ", perm ", shape_str(perm));
      Shape y_shape;
      for (int64_t d : perm) y_shape.push_back(shape[d]);
      for (DType dtype : {DType::F64, DType::F32}) {
        INFO(dtype_name(dtype));
        const Array x = random_array(shape, gen, dtype), x_gpu = on_gpu(x);
        Array y = poisoned(y_shape, dtype), y_gpu = poisoned_gpu(y_shape, dtype);
        kernels::permute(x, perm, y);
        kernels::permute(x_gpu, perm, y_gpu);
        CHECK(on_cpu(y_gpu).to_vector() == y.to_vector());  // a copy: exact

        const Array y0 = random_array(y_shape, gen, dtype);
        Array acc = y0.clone(), acc_gpu = on_gpu(y0);
        kernels::permute(x, perm, acc, true);
        kernels::permute(x_gpu, perm, acc_gpu, true);
        check_parity(acc_gpu, acc, "accumulate");
      }
    }
  }

  TEST_CASE("gpu: elementwise and permute and reduce reject arrays on different devices") {
    if (skip_without_gpu()) return;
    Generator gen(fresh_seed());
    const Array c = random_array({2, 3}, gen), g = on_gpu(c);
    Array out_c = poisoned({2, 3}), out_g = poisoned_gpu({2, 3});
    Array t_c = poisoned({3, 2}), t_g = poisoned_gpu({3, 2});
    Array s_c = poisoned({}), s_g = poisoned_gpu({});
    const auto devices = doctest::Contains("different devices");
    CHECK_THROWS_WITH_AS(kernels::binary_forward(BinaryOp::Add, c, g, out_g), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::binary_forward(BinaryOp::Add, g, c, out_g), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::binary_forward(BinaryOp::Add, g, g, out_c), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::binary_backward(BinaryOp::Mul, g, g, c, &out_g, nullptr), devices,
                         Error);
    CHECK_THROWS_WITH_AS(kernels::binary_backward(BinaryOp::Mul, g, g, g, nullptr, &out_c), devices,
                         Error);
    CHECK_THROWS_WITH_AS(kernels::unary_forward(UnaryOp::Exp, g, 0, out_c), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::unary_backward(UnaryOp::Exp, g, c, 0, g, out_g), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::unary_backward(UnaryOp::Neg, g, Array(), 0, c, out_g), devices,
                         Error);
    CHECK_THROWS_WITH_AS(kernels::accumulate(out_g, c), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::accumulate_product(out_g, c, g), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::accumulate_product(out_c, g, g), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::permute(g, {1, 0}, t_c), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::permute(c, {1, 0}, t_g), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::reduce_sum(g, -1, 1.0, s_c), devices, Error);
    CHECK_THROWS_WITH_AS(kernels::reduce_sum_backward(s_g, -1, 1.0, out_c), devices, Error);
  }

  TEST_CASE("gpu: the CUDA kernels reject bad shapes with the CPU kernels' messages") {
    if (skip_without_gpu()) return;
    Generator gen(fresh_seed());
    const Array a = on_gpu(random_array({2, 3}, gen)), b = on_gpu(random_array({4}, gen));
    Array out = poisoned_gpu({2, 3}), wrong = poisoned_gpu({3, 2});
    CHECK_THROWS_WITH_AS(kernels::binary_forward(BinaryOp::Add, a, b, out),
                         doctest::Contains("add"), Error);  // [2, 3] and [4] do not broadcast
    CHECK_THROWS_WITH_AS(kernels::binary_forward(BinaryOp::Add, a, a, wrong),
                         doctest::Contains("broadcast to"), Error);
    CHECK_THROWS_WITH_AS(kernels::binary_backward(BinaryOp::Mul, a, a, a, &wrong, nullptr),
                         doctest::Contains("does not match input a"), Error);
    CHECK_THROWS_WITH_AS(kernels::unary_forward(UnaryOp::Tanh, a, 0, wrong),
                         doctest::Contains("does not match input"), Error);
    CHECK_THROWS_WITH_AS(kernels::unary_backward(UnaryOp::Sigmoid, a, Array(), 0, a, out),
                         doctest::Contains("needs the forward output"), Error);
    CHECK_THROWS_WITH_AS(kernels::permute(a, {0, 0}, out),
                         doctest::Contains("is not a permutation"), Error);
    CHECK_THROWS_WITH_AS(kernels::permute(a, {1, 0}, out), doctest::Contains("should have shape"),
                         Error);
    Array y = poisoned_gpu({2});
    CHECK_THROWS_WITH_AS(kernels::reduce_sum(a, 2, 1.0, y), doctest::Contains("out of range"),
                         Error);
    CHECK_THROWS_WITH_AS(kernels::reduce_sum(a, 0, 1.0, y), doctest::Contains("keepdim"), Error);
  }
}
