// The fused BatchNorm -> ReLU -> max pooling op (kernels/bn_relu_maxpool.h,
// autograd batch_norm_relu_max_pool1d) against the three unfused ops in a row — themselves
// checked against the reference kernels and finite differences in their own suites — on fresh
// random inputs: outputs, running statistics and all three gradients, in training and eval
// statistics, over pooling shapes with overlap, padding and dilation; windows whose maximum is
// 0 (ReLU stops the gradient) and NaN; finite differences of the fused op itself; and
// nn::Sequential, which fuses the run of layers, against the layers called one by one.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "kernels/bn_relu_maxpool.h"
#include "nn/layers.h"
#include "test_util.h"

namespace dnagrad::testing {
namespace {

struct PoolCase {
  int64_t kernel, stride, padding, dilation;
};

const std::vector<PoolCase> pool_cases = {
    {4, 4, 0, 1},                // the promoter model's MaxPool1d(4)
    {2, 2, 0, 1}, {3, 2, 1, 1},  // overlapping windows with padding
    {3, 1, 1, 2},                // dilated, stride 1: every input in several windows
    {5, 3, 2, 1}, {1, 1, 0, 1},
};

struct Inputs {
  Array x, weight, bias, running_mean, running_var, grad_y;
};

// x [n, c, len] around a per-channel offset (so ReLU cuts a fair share), weights of both signs.
Inputs random_inputs(int64_t n, int64_t c, int64_t len, const PoolCase& p, DType dtype,
                     Generator& gen) {
  const kernels::Pool1dParams params{p.kernel, p.stride, p.padding, p.dilation};
  return {random_array({n, c, len}, gen, dtype, -2, 2),
          random_array({c}, gen, dtype, -1.5, 1.5),
          random_array({c}, gen, dtype, -0.5, 0.5),
          random_array({c}, gen, dtype, -0.3, 0.3),
          random_array({c}, gen, dtype, 0.5, 2),
          random_array({n, c, params.out_length(len)}, gen, dtype)};
}

struct Result {
  Array y, running_mean, running_var, grad_x, grad_weight, grad_bias;
};

// One forward and backward (L = sum(y * grad_y)), fused or as three ops.
Result run(const Inputs& in, const PoolCase& p, bool training, bool fused) {
  Tensor x(in.x.clone(), true), weight(in.weight.clone(), true), bias(in.bias.clone(), true);
  Array mean = in.running_mean.clone(), var = in.running_var.clone();
  Tensor y = fused ? batch_norm_relu_max_pool1d(x, weight, bias, mean, var, training, 0.1, 1e-5,
                                                p.kernel, p.stride, p.padding, p.dilation)
                   : max_pool1d(relu(batch_norm1d(x, weight, bias, mean, var, training, 0.1, 1e-5)),
                                p.kernel, p.stride, p.padding, p.dilation);
  sum(mul(y, Tensor(in.grad_y))).backward();
  return {y.data(), mean, var, x.grad(), weight.grad(), bias.grad()};
}

void require_same(const Result& fused, const Result& unfused, double rtol) {
  // The forward is computed with the same arithmetic: bitwise equal.
  CHECK(bitwise_equal(fused.y, unfused.y));
  CHECK(bitwise_equal(fused.running_mean, unfused.running_mean));
  CHECK(bitwise_equal(fused.running_var, unfused.running_var));
  // The backward sums in another order: close.
  CHECK(closeness(fused.grad_x, unfused.grad_x, rtol, rtol) <= 1);
  CHECK(closeness(fused.grad_weight, unfused.grad_weight, rtol, rtol) <= 1);
  CHECK(closeness(fused.grad_bias, unfused.grad_bias, rtol, rtol) <= 1);
}

TEST_CASE("batch_norm_relu_max_pool1d: the same values and gradients as the three ops") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const DType dtype : {DType::F64, DType::F32})
    for (const PoolCase& p : pool_cases)
      for (const bool training : {true, false}) {
        INFO(dtype_name(dtype), " pool K ", p.kernel, " stride ", p.stride, " padding ", p.padding,
             " dilation ", p.dilation, training ? " training" : " eval");
        const Inputs in = random_inputs(3, 5, 37, p, dtype, gen);
        require_same(run(in, p, training, true), run(in, p, training, false),
                     dtype == DType::F64 ? 1e-12 : 2e-5);
      }
}

TEST_CASE("batch_norm_relu_max_pool1d: all-negative windows pass no gradient, NaN propagates") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const PoolCase p{4, 4, 0, 1};
  Inputs in = random_inputs(2, 3, 16, p, DType::F64, gen);
  // Channel 0, sample 0: the first window far below the mean, so its maximum after ReLU is 0.
  for (int64_t t = 0; t < 4; ++t) in.x.data<double>()[t] = -50;
  in.weight.data<double>()[0] = 1;
  const Result fused = run(in, p, true, true), unfused = run(in, p, true, false);
  require_same(fused, unfused, 1e-12);
  CHECK(fused.y.at({0, 0, 0}) == 0);
  // The window gets only the terms through the batch statistics, not its own grad_y.
  const double through_stats = unfused.grad_x.at({0, 0, 0});
  CHECK(std::abs(fused.grad_x.at({0, 0, 0}) - through_stats) <= 1e-12 * std::abs(through_stats));

  // A NaN input: its window's output is NaN in both (eval statistics keep other channels finite).
  in.x.data<double>()[5] = std::numeric_limits<double>::quiet_NaN();
  const Result fused_nan = run(in, p, false, true), unfused_nan = run(in, p, false, false);
  CHECK(std::isnan(fused_nan.y.at({0, 0, 1})));
  CHECK(bitwise_equal(fused_nan.y, unfused_nan.y));
}

TEST_CASE("batch_norm_relu_max_pool1d: gradients match finite differences") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const PoolCase& p : {PoolCase{2, 2, 0, 1}, PoolCase{3, 2, 1, 1}})
    for (const bool training : {true, false}) {
      INFO("pool K ", p.kernel, training ? " training" : " eval");
      const Inputs in = random_inputs(2, 3, 8, p, DType::F64, gen);
      check_gradients(
          [&](const std::vector<Tensor>& t) {
            Array mean = in.running_mean.clone(), var = in.running_var.clone();
            return batch_norm_relu_max_pool1d(t[0], t[1], t[2], mean, var, training, 0.1, 1e-5,
                                              p.kernel, p.stride, p.padding, p.dilation);
          },
          {in.x, in.weight, in.bias}, seed);
    }
}

TEST_CASE("batch_norm_relu_max_pool1d: grad_x assigned over poison equals grad_x added to zeros") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const PoolCase& p : {PoolCase{4, 4, 0, 1}, PoolCase{3, 2, 1, 1}})
    for (const bool training : {true, false}) {
      INFO("pool K ", p.kernel, training ? " training" : " eval");
      const kernels::Pool1dParams params{p.kernel, p.stride, p.padding, p.dilation};
      const Inputs in = random_inputs(3, 4, 29, p, DType::F32, gen);
      Array rm = in.running_mean.clone(), rv = in.running_var.clone();
      Array y = poisoned(in.grad_y.shape(), DType::F32);
      Array offsets = Array::empty(y.shape(), DType::U8);
      Array mean = poisoned({4}, DType::F32), invstd = poisoned({4}, DType::F32);
      kernels::bn_relu_maxpool_forward(in.x, in.weight, in.bias, rm, rv, training, 0.1, 1e-5,
                                       params, y, &offsets, mean, invstd);
      auto backward = [&](Array grad_x, bool accumulate) {
        kernels::bn_relu_maxpool_backward(in.grad_y, y, offsets, in.x, in.weight, mean, invstd,
                                          training, params, &grad_x, nullptr, nullptr, accumulate);
        return grad_x;
      };
      const Array start = random_array(in.x.shape(), gen, DType::F32);
      const Array assigned = backward(poisoned(in.x.shape(), DType::F32), false);
      const Array added = backward(Array::zeros(in.x.shape(), DType::F32), true);
      const Array onto_start = backward(start.clone(), true);
      CHECK(assigned.to_vector() == added.to_vector());  // equal values (+0 and -0 alike)
      std::vector<double> expect = start.to_vector();
      const std::vector<double> a = added.to_vector();
      for (size_t i = 0; i < expect.size(); ++i) expect[i] += a[i];
      CHECK(closeness(onto_start, Array::from_vector(in.x.shape(), expect), 1e-6, 1e-6) <= 1);
    }
}

// The engine hands the fused rule an undefined buffer when its gradient is the first to reach x
// (the rule assigns it) and a zeroed or filled one otherwise: x also feeding another op, in either
// order of the sum, and a leaf's .grad kept across two backward calls all add up.
TEST_CASE("batch_norm_relu_max_pool1d: a gradient it assigns still adds to x's other uses") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const PoolCase p{4, 4, 0, 1};
  const Inputs in = random_inputs(2, 3, 24, p, DType::F64, gen);
  for (const bool fused_first : {true, false}) {
    INFO(std::string(fused_first ? "the fused op's term first" : "the other term first"));
    auto grad_of_x = [&](bool fused, int backward_calls) {
      Tensor x(in.x.clone(), true);
      for (int call = 0; call < backward_calls; ++call) {
        const Tensor h = mul_scalar(x, 1.5);  // an interior tensor with two uses
        Array mean = in.running_mean.clone(), var = in.running_var.clone();
        const Tensor pooled =
            fused ? batch_norm_relu_max_pool1d(h, Tensor(in.weight), Tensor(in.bias), mean, var,
                                               true, 0.1, 1e-5, p.kernel)
                  : max_pool1d(relu(batch_norm1d(h, Tensor(in.weight), Tensor(in.bias), mean, var,
                                                 true, 0.1, 1e-5)),
                               p.kernel);
        const Tensor a = sum(mul(pooled, Tensor(in.grad_y))), b = sum(mul(h, h));
        (fused_first ? add(a, b) : add(b, a)).backward();
      }
      return x.grad();
    };
    const Array once = grad_of_x(false, 1);
    CHECK(closeness(grad_of_x(true, 1), once, 1e-12, 1e-12) <= 1);
    std::vector<double> twice = once.to_vector();
    for (double& v : twice) v *= 2;
    CHECK(closeness(grad_of_x(true, 2), Array::from_vector(once.shape(), twice, DType::F64), 1e-12,
                    1e-12) <= 1);
  }
}

TEST_CASE("batch_norm_relu_max_pool1d: eval without gradients stores no window offsets") {
  Generator gen(fresh_seed());
  const Inputs in = random_inputs(2, 3, 16, {4, 4, 0, 1}, DType::F32, gen);
  NoGrad no_grad;
  Array mean = in.running_mean.clone(), var = in.running_var.clone();
  const Tensor y = batch_norm_relu_max_pool1d(Tensor(in.x, true), Tensor(in.weight),
                                              Tensor(in.bias), mean, var, false, 0.1, 1e-5, 4);
  CHECK(y.grad_fn() == nullptr);
  CHECK(y.shape() == Shape{2, 3, 4});
}

TEST_CASE("batch_norm_relu_max_pool1d: bad arguments are errors naming the op") {
  Generator gen(1);
  Array x = random_array({2, 3, 16}, gen, DType::F32), mean = Array::zeros({3}),
        var = Array::full({3}, 1);
  CHECK_THROWS_WITH(
      batch_norm_relu_max_pool1d(Tensor(x), Tensor(), Tensor(), mean, var, true, 0.1, 1e-5, 300),
      doctest::Contains("batch_norm_relu_max_pool1d"));
  Array wrong = Array::zeros({4});
  CHECK_THROWS_WITH(
      batch_norm_relu_max_pool1d(Tensor(x), Tensor(), Tensor(), wrong, var, false, 0.1, 1e-5, 4),
      doctest::Contains("running statistics"));
}

// Conv -> BatchNorm -> ReLU -> MaxPool -> Conv -> BatchNorm -> ReLU -> MaxPool, as nn::Sequential
// runs it (fused) and layer by layer (unfused): one training step and an eval forward.
TEST_CASE("nn::Sequential fuses BatchNorm, ReLU, MaxPool1d with the same training step") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  auto build = [&]() {
    Generator gen(seed);
    auto seq = std::make_shared<nn::Sequential>();
    seq->push_back(std::make_shared<nn::Conv1d>(4, 6, 5, gen, nn::Conv1dOptions{.padding = 2}));
    seq->push_back(std::make_shared<nn::BatchNorm1d>(6));
    seq->push_back(std::make_shared<nn::ReLU>());
    seq->push_back(std::make_shared<nn::MaxPool1d>(4));
    seq->push_back(std::make_shared<nn::Conv1d>(6, 3, 3, gen, nn::Conv1dOptions{.padding = 1}));
    seq->push_back(std::make_shared<nn::BatchNorm1d>(3));
    seq->push_back(std::make_shared<nn::ReLU>());
    seq->push_back(std::make_shared<nn::MaxPool1d>(3, 2, 1));
    return seq;
  };
  auto fused = build(), unfused = build();
  Generator gen(seed + 1);
  const Tensor x(random_array({4, 4, 64}, gen, DType::F32));
  const Tensor y_fused = fused->forward(x);
  Tensor y_unfused = x;
  for (size_t i = 0; i < unfused->size(); ++i) y_unfused = (*unfused)[i].forward(y_unfused);
  REQUIRE(y_fused.grad_fn() != nullptr);
  CHECK(op_name(y_fused.grad_fn()->op) == std::string("batch_norm_relu_max_pool1d"));
  CHECK(bitwise_equal(y_fused.data(), y_unfused.data()));
  sum(y_fused).backward();
  sum(y_unfused).backward();
  const auto params_fused = fused->named_parameters(), params_unfused = unfused->named_parameters();
  REQUIRE(params_fused.size() == params_unfused.size());
  for (size_t i = 0; i < params_fused.size(); ++i) {
    INFO(params_fused[i].first);
    CHECK(closeness(params_fused[i].second.grad(), params_unfused[i].second.grad(), 1e-4, 1e-5) <=
          1);
  }
  const nn::StateDict state_fused = fused->state_dict(), state_unfused = unfused->state_dict();
  REQUIRE(state_fused.size() == state_unfused.size());
  for (size_t i = 0; i < state_fused.size(); ++i) {  // parameters, running statistics, counters
    INFO(state_fused[i].first);
    CHECK(bitwise_equal(state_fused[i].second, state_unfused[i].second));
  }
  fused->eval();
  unfused->eval();
  NoGrad no_grad;
  Tensor e_unfused = x;
  for (size_t i = 0; i < unfused->size(); ++i) e_unfused = (*unfused)[i].forward(e_unfused);
  CHECK(bitwise_equal(fused->forward(x).data(), e_unfused.data()));
}

// Which layers nn::Sequential fuses (it finds them as they are added, constructor or push_back):
// a whole BatchNorm1d, ReLU, MaxPool1d run wherever it starts, and not a pool over more than 256
// positions (the fused op keeps its argmax in one byte) nor a run with another layer inside.
TEST_CASE("nn::Sequential fuses whole BatchNorm1d, ReLU, MaxPool1d runs and nothing else") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Tensor x(random_array({2, 3, 300}, gen, DType::F32));
  auto last_op = [&](std::vector<std::shared_ptr<nn::Module>> layers) {
    const Tensor y = nn::Sequential(std::move(layers)).forward(x);
    REQUIRE(y.grad_fn() != nullptr);  // BatchNorm's weight and bias want gradients
    return std::string(op_name(y.grad_fn()->op));
  };
  auto bn = [] { return std::make_shared<nn::BatchNorm1d>(3); };
  auto relu = [] { return std::make_shared<nn::ReLU>(); };
  auto pool = [](int64_t kernel_size) { return std::make_shared<nn::MaxPool1d>(kernel_size); };
  CHECK(last_op({relu(), bn(), relu(), pool(2)}) == "batch_norm_relu_max_pool1d");
  CHECK(last_op({bn(), relu(), pool(256)}) == "batch_norm_relu_max_pool1d");
  CHECK(last_op({bn(), relu(), pool(257)}) == "max_pool1d");
  CHECK(last_op({bn(), relu(), relu(), pool(2)}) == "max_pool1d");
}

}  // namespace
}  // namespace dnagrad::testing
