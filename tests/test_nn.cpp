// nn/: module naming and state_dicts (against PyTorch's names, written out by hand), default
// initialisation, train/eval, strict loading, and each layer's forward against a reference
// computed here in double precision.
#include <cmath>
#include <cstring>
#include <string>

#include "genomics/models/promoter.h"
#include "nn/layers.h"
#include "test_util.h"

using namespace dnagrad;

namespace {

struct Expected {
  const char* name;
  Shape shape;
  DType dtype;
};

// PromoterExpressionModel().state_dict() in PyTorch, in order: for each module (preorder) its
// parameters, then its buffers. Sequential indices skip the layers without state (ReLU, pools,
// Flatten, Dropout).
const std::vector<Expected> kPromoterState = {
    {"conv_layers.0.weight", {256, 4, 15}, DType::F32},
    {"conv_layers.0.bias", {256}, DType::F32},
    {"conv_layers.1.weight", {256}, DType::F32},
    {"conv_layers.1.bias", {256}, DType::F32},
    {"conv_layers.1.running_mean", {256}, DType::F32},
    {"conv_layers.1.running_var", {256}, DType::F32},
    {"conv_layers.1.num_batches_tracked", {}, DType::I64},
    {"conv_layers.4.weight", {128, 256, 5}, DType::F32},
    {"conv_layers.4.bias", {128}, DType::F32},
    {"conv_layers.5.weight", {128}, DType::F32},
    {"conv_layers.5.bias", {128}, DType::F32},
    {"conv_layers.5.running_mean", {128}, DType::F32},
    {"conv_layers.5.running_var", {128}, DType::F32},
    {"conv_layers.5.num_batches_tracked", {}, DType::I64},
    {"conv_layers.8.weight", {64, 128, 3}, DType::F32},
    {"conv_layers.8.bias", {64}, DType::F32},
    {"conv_layers.9.weight", {64}, DType::F32},
    {"conv_layers.9.bias", {64}, DType::F32},
    {"conv_layers.9.running_mean", {64}, DType::F32},
    {"conv_layers.9.running_var", {64}, DType::F32},
    {"conv_layers.9.num_batches_tracked", {}, DType::I64},
    {"fc.1.weight", {32, 64}, DType::F32},
    {"fc.1.bias", {32}, DType::F32},
    {"fc.4.weight", {1, 32}, DType::F32},
    {"fc.4.bias", {1}, DType::F32},
};

bool is_buffer(const std::string& name) {
  for (const char* suffix : {"running_mean", "running_var", "num_batches_tracked"})
    if (name.ends_with(suffix)) return true;
  return false;
}

bool bitwise_equal(const Array& a, const Array& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

// A module with every kind of registration, for the naming rules.
struct Toy : nn::Module {
  Tensor w{Array::zeros({2}), true}, v{Array::zeros({3}), true};
  Array counter = Array::scalar(0, DType::I64);
  Toy() {
    register_parameter("w", &w);
    register_buffer("counter", &counter);
    register_parameter("v", &v);
  }
  Tensor forward(const Tensor& x) override { return x; }
  using nn::Module::register_buffer;
  using nn::Module::register_module;
  using nn::Module::register_parameter;
};

}  // namespace

TEST_CASE("nn: the promoter model's state_dict has PyTorch's 25 names, order, shapes and types") {
  Generator gen(2);
  genomics::PromoterExpressionModel model(gen);
  const nn::StateDict state = model.state_dict();
  REQUIRE(state.size() == kPromoterState.size());
  for (size_t i = 0; i < state.size(); ++i) {
    INFO("entry ", i);
    CHECK(state[i].first == kPromoterState[i].name);
    CHECK(shape_str(state[i].second.shape()) == shape_str(kPromoterState[i].shape));
    CHECK(state[i].second.dtype() == kPromoterState[i].dtype);
  }

  // named_parameters: the same order without the buffers; named_buffers: only the buffers.
  std::vector<std::string> expected_params, expected_buffers;
  for (const Expected& e : kPromoterState)
    (is_buffer(e.name) ? expected_buffers : expected_params).push_back(e.name);
  std::vector<std::string> params, buffers;
  for (const auto& [name, p] : model.named_parameters()) {
    params.push_back(name);
    CHECK(p.requires_grad());
  }
  for (const auto& [name, b] : model.named_buffers()) buffers.push_back(name);
  CHECK(params == expected_params);
  CHECK(buffers == expected_buffers);
  CHECK(model.parameters().size() == 16);

  // conv 4*256*15 + 256, BN 2*256, conv 256*128*5 + 128, BN 2*128, conv 128*64*3 + 64, BN 2*64,
  // linear 64*32 + 32, linear 32 + 1.
  const int64_t expected_count = (4 * 256 * 15 + 256) + 512 + (256 * 128 * 5 + 128) + 256 +
                                 (128 * 64 * 3 + 64) + 128 + (64 * 32 + 32) + (32 + 1);
  CHECK(expected_count == 207233);
  CHECK(model.parameter_count() == expected_count);

  // Buffers start as PyTorch's: running_mean 0, running_var 1, num_batches_tracked 0.
  for (const auto& [name, b] : model.named_buffers()) {
    INFO(name);
    const double expected = name.ends_with("running_var") ? 1.0 : 0.0;
    for (double value : b.to_vector()) CHECK(value == expected);
  }
}

TEST_CASE("nn: default init is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and fixed by the seed") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  nn::Conv1d conv(256, 128, 5, gen);  // fan_in 1280
  nn::Linear lin(64, 32, gen);        // fan_in 64
  // Tolerances are 6 standard errors for n samples of U(-b, b), so a correct init fails with
  // probability ~1e-9: the sample mean has sd b/sqrt(3n), the mean of x^2 (about b^2/3) has sd
  // sqrt(4/45) b^2/sqrt(n), and max|x| < b(1 - 20/n) has probability (1 - 20/n)^n ~ e^-20.
  auto check_uniform = [](const Array& values, double bound) {
    const std::vector<double> v = values.to_vector();
    const double n = static_cast<double>(v.size());
    double sum = 0, sum_sq = 0, largest = 0;
    for (double x : v) {
      sum += x;
      sum_sq += x * x;
      largest = std::max(largest, std::abs(x));
    }
    CHECK(largest <= bound);
    CHECK(largest >= bound * (1 - 20 / n));  // the whole range is used
    CHECK(std::abs(sum / n) <= 6 * bound / std::sqrt(3 * n));
    CHECK(std::abs(sum_sq / n - bound * bound / 3) <=
          6 * std::sqrt(4.0 / 45) * bound * bound / std::sqrt(n));
  };
  check_uniform(conv.weight.data(), 1 / std::sqrt(1280.0));
  check_uniform(conv.bias.data(), 1 / std::sqrt(1280.0));
  check_uniform(lin.weight.data(), 1 / std::sqrt(64.0));
  check_uniform(lin.bias.data(), 1 / std::sqrt(64.0));

  // Same seed, same model; another seed, another model.
  Generator a(seed), b(seed), c(seed + 1);
  genomics::PromoterExpressionModel ma(a), mb(b), mc(c);
  const nn::StateDict sa = ma.state_dict(), sb = mb.state_dict(), sc = mc.state_dict();
  for (size_t i = 0; i < sa.size(); ++i) CHECK(bitwise_equal(sa[i].second, sb[i].second));
  CHECK(!bitwise_equal(sa[0].second, sc[0].second));

  // No bias: only a weight is registered, as PyTorch's bias=False.
  nn::Conv1d no_bias(4, 8, 3, gen, {.bias = false});
  CHECK(no_bias.state_dict().size() == 1);
  CHECK(!no_bias.bias.defined());
}

TEST_CASE("nn: train/eval reach every descendant, and zero_grad drops every gradient") {
  Generator gen(1);
  genomics::PromoterExpressionModel model(gen);
  auto all_modes_are = [&](bool training) {
    bool ok = model.is_training() == training;
    for (const auto& [name, block] : model.named_children())
      for (const auto& [index, layer] : block->named_children())
        ok = ok && layer->is_training() == training && block->is_training() == training;
    return ok;
  };
  CHECK(all_modes_are(true));
  model.eval();
  CHECK(all_modes_are(false));
  model.train();
  CHECK(all_modes_are(true));

  for (Tensor p : model.parameters()) p.grad() = Array::full(p.shape(), 1.0);
  model.zero_grad();
  for (const Tensor& p : model.parameters()) CHECK(!p.grad().defined());
}

TEST_CASE("nn: registration rules and parameter sharing") {
  Toy toy;
  CHECK_THROWS_WITH_AS(toy.register_parameter("w", &toy.v), doctest::Contains("'w'"), Error);
  CHECK_THROWS_WITH_AS(toy.register_buffer("a.b", &toy.counter), doctest::Contains("'a.b'"), Error);
  CHECK_THROWS_AS(toy.register_module("", std::make_shared<Toy>()), Error);
  Tensor undefined;
  CHECK_THROWS_AS(toy.register_parameter("u", &undefined), Error);

  // Own parameters in registration order, then buffers; children after.
  auto child = std::make_shared<Toy>();
  toy.register_module("child", child);
  std::vector<std::string> names;
  for (const auto& [name, a] : toy.state_dict()) names.push_back(name);
  CHECK(names ==
        std::vector<std::string>{"w", "v", "counter", "child.w", "child.v", "child.counter"});

  // A tensor registered twice is one parameter (the optimizer must step it once), but keeps
  // both names in the state_dict, as in PyTorch.
  toy.register_parameter("w_again", &toy.w);
  CHECK(toy.named_parameters().size() == 4);
  CHECK(toy.state_dict().size() == 7);
}

TEST_CASE("nn: load_state_dict is strict, names every problem and copies nothing on error") {
  Generator gen_a(10), gen_b(11);
  genomics::PromoterExpressionModel a(gen_a), b(gen_b);
  nn::StateDict state = a.state_dict();
  nn::StateDict b_before;
  for (const auto& [name, array] : b.state_dict()) b_before.emplace_back(name, array.clone());
  auto b_untouched = [&] {
    const nn::StateDict now = b.state_dict();
    for (size_t i = 0; i < now.size(); ++i)
      if (!bitwise_equal(now[i].second, b_before[i].second)) return false;
    return true;
  };

  SUBCASE("a matching state loads, bit for bit, into the existing parameters") {
    Tensor conv_weight = b.parameters()[0];  // a handle taken before loading
    b.load_state_dict(state);
    const nn::StateDict loaded = b.state_dict();
    for (size_t i = 0; i < state.size(); ++i)
      CHECK(bitwise_equal(loaded[i].second, state[i].second));
    CHECK(bitwise_equal(conv_weight.data(), state[0].second));
  }
  SUBCASE("missing") {
    state.erase(state.begin() + 6);  // conv_layers.1.num_batches_tracked
    CHECK_THROWS_WITH_AS(b.load_state_dict(state),
                         doctest::Contains("missing tensors: conv_layers.1.num_batches_tracked"),
                         Error);
    CHECK(b_untouched());
  }
  SUBCASE("unexpected") {
    state.emplace_back("fc.5.weight", Array::zeros({1}));
    CHECK_THROWS_WITH_AS(b.load_state_dict(state),
                         doctest::Contains("unexpected tensors: fc.5.weight"), Error);
    CHECK(b_untouched());
  }
  SUBCASE("shape mismatch") {
    state[21].second = Array::zeros({32, 63});
    CHECK_THROWS_WITH_AS(b.load_state_dict(state),
                         doctest::Contains("fc.1.weight: float32[32, 63]"), Error);
    CHECK(b_untouched());
  }
  SUBCASE("dtype mismatch") {
    state[6].second = Array::scalar(3, DType::F32);
    CHECK_THROWS_WITH_AS(b.load_state_dict(state),
                         doctest::Contains("conv_layers.1.num_batches_tracked: float32[]"), Error);
    CHECK(b_untouched());
  }
  SUBCASE("a name given twice") {
    state.push_back(state[0]);
    CHECK_THROWS_WITH_AS(b.load_state_dict(state),
                         doctest::Contains("names given twice: conv_layers.0.weight"), Error);
    CHECK(b_untouched());
  }
  SUBCASE("all problems in one message") {
    state.erase(state.begin());
    state.emplace_back("extra", Array::zeros({1}));
    try {
      b.load_state_dict(state);
      FAIL("no error");
    } catch (const Error& e) {
      const std::string message = e.what();
      CHECK(message.find("conv_layers.0.weight") != std::string::npos);
      CHECK(message.find("extra") != std::string::npos);
    }
    CHECK(b_untouched());
  }
}

TEST_CASE("nn: Module::to(dtype) converts floating-point state and keeps int64 counters") {
  Generator gen(3);
  genomics::PromoterExpressionModel model(gen);
  const nn::StateDict before = model.state_dict();
  model.to(DType::F64);
  const nn::StateDict after = model.state_dict();
  for (size_t i = 0; i < after.size(); ++i) {
    INFO(after[i].first);
    const bool counter = after[i].first.ends_with("num_batches_tracked");
    CHECK(after[i].second.dtype() == (counter ? DType::I64 : DType::F64));
    CHECK(after[i].second.to_vector() == before[i].second.to_vector());
  }
  for (const Tensor& p : model.parameters()) CHECK(p.requires_grad());
}

// ---- layer forward passes (need the CPU kernels of kernels/) ----

TEST_CASE("nn: Linear and Conv1d forward match a direct double-precision computation") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);

  nn::Linear lin(5, 3, gen);
  lin.to(DType::F64);
  const Array x = testing::random_array({4, 5}, gen);
  const Array y = lin(Tensor(x)).data();
  std::vector<double> expected;
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t o = 0; o < 3; ++o) {
      double s = lin.bias.data().at({o});
      for (int64_t i = 0; i < 5; ++i) s += x.at({n, i}) * lin.weight.data().at({o, i});
      expected.push_back(s);
    }
  testing::require_close(y, Array::from_vector({4, 3}, expected, DType::F64), 1e-12, 1e-12);

  // Conv1d with stride, padding and dilation: y[n,o,t] = b[o] + sum w[o,c,k] x[n,c,t*s+k*d-p].
  const int64_t c_in = 3, c_out = 2, k = 3, stride = 2, padding = 2, dilation = 2, len = 11;
  nn::Conv1d conv(c_in, c_out, k, gen,
                  {.stride = stride, .padding = padding, .dilation = dilation});
  conv.to(DType::F64);
  const Array xc = testing::random_array({2, c_in, len}, gen);
  const Array yc = conv(Tensor(xc)).data();
  const int64_t len_out = (len + 2 * padding - dilation * (k - 1) - 1) / stride + 1;
  REQUIRE(yc.shape() == Shape{2, c_out, len_out});
  std::vector<double> expected_c;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t o = 0; o < c_out; ++o)
      for (int64_t t = 0; t < len_out; ++t) {
        double s = conv.bias.data().at({o});
        for (int64_t c = 0; c < c_in; ++c)
          for (int64_t j = 0; j < k; ++j) {
            const int64_t pos = t * stride + j * dilation - padding;
            if (pos >= 0 && pos < len) s += conv.weight.data().at({o, c, j}) * xc.at({n, c, pos});
          }
        expected_c.push_back(s);
      }
  testing::require_close(yc, Array::from_vector(yc.shape(), expected_c, DType::F64), 1e-12, 1e-12);
}

TEST_CASE("nn: BatchNorm1d uses batch statistics in training, running ones in eval") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const int64_t n_batch = 3, channels = 2, len = 4, count = n_batch * len;
  nn::BatchNorm1d bn(channels);
  bn.to(DType::F64);
  bn.weight.data() = testing::random_array({channels}, gen, DType::F64, 0.5, 1.5);
  bn.bias.data() = testing::random_array({channels}, gen);
  const Array x = testing::random_array({n_batch, channels, len}, gen, DType::F64, -2, 3);

  std::vector<double> mean(channels, 0), var(channels, 0);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t n = 0; n < n_batch; ++n)
      for (int64_t t = 0; t < len; ++t) mean[c] += x.at({n, c, t}) / count;
    for (int64_t n = 0; n < n_batch; ++n)
      for (int64_t t = 0; t < len; ++t) var[c] += std::pow(x.at({n, c, t}) - mean[c], 2) / count;
  }
  auto normalised = [&](const std::vector<double>& m, const std::vector<double>& v) {
    std::vector<double> out;
    for (int64_t n = 0; n < n_batch; ++n)
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t t = 0; t < len; ++t)
          out.push_back((x.at({n, c, t}) - m[c]) / std::sqrt(v[c] + 1e-5) *
                            bn.weight.data().at({c}) +
                        bn.bias.data().at({c}));
    return Array::from_vector(x.shape(), out, DType::F64);
  };

  testing::require_close(bn(Tensor(x)).data(), normalised(mean, var), 1e-10, 1e-12);
  // running <- 0.9 running + 0.1 batch, with the unbiased variance.
  std::vector<double> running_mean(channels), running_var(channels);
  for (int64_t c = 0; c < channels; ++c) {
    running_mean[c] = 0.1 * mean[c];
    running_var[c] = 0.9 + 0.1 * var[c] * count / (count - 1);
  }
  testing::require_close(bn.running_mean, Array::from_vector({channels}, running_mean, DType::F64),
                         1e-12, 1e-14);
  testing::require_close(bn.running_var, Array::from_vector({channels}, running_var, DType::F64),
                         1e-12, 1e-14);
  CHECK(bn.num_batches_tracked.item() == 1);
  bn(Tensor(x));
  CHECK(bn.num_batches_tracked.item() == 2);

  bn.eval();
  const Array running_mean_now = bn.running_mean.clone(), running_var_now = bn.running_var.clone();
  testing::require_close(bn(Tensor(x)).data(),
                         normalised(running_mean_now.to_vector(), running_var_now.to_vector()),
                         1e-10, 1e-12);
  CHECK(bn.num_batches_tracked.item() == 2);  // eval batches are not counted
  testing::require_close(bn.running_mean, running_mean_now, 0, 0);

  // Without running statistics: no buffers, and batch statistics even in eval mode.
  nn::BatchNorm1d plain(channels, {.affine = false, .track_running_stats = false});
  plain.to(DType::F64);
  CHECK(plain.state_dict().empty());
  plain.eval();
  const Array y = plain(Tensor(x)).data();
  std::vector<double> expected;
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t t = 0; t < len; ++t)
        expected.push_back((x.at({n, c, t}) - mean[c]) / std::sqrt(var[c] + 1e-5));
  testing::require_close(y, Array::from_vector(x.shape(), expected, DType::F64), 1e-10, 1e-12);
}

TEST_CASE("nn: pooling, ReLU, Flatten and Sequential on a hand-worked example") {
  // One row: 1 5 2 -3 4 0 7 (L = 7).
  const Array x = Array::from_vector({1, 1, 7}, {1, 5, 2, -3, 4, 0, 7}, DType::F64);
  nn::MaxPool1d max2(2);  // windows [1 5] [2 -3] [4 0]; the 7 is dropped
  CHECK(max2(Tensor(x)).data().to_vector() == std::vector<double>{5, 2, 4});
  nn::MaxPool1d max3(3, 2, 1);  // padded with -inf: [-inf 1 5] [5 2 -3] [-3 4 0] [0 7 -inf]
  CHECK(max3(Tensor(x)).data().to_vector() == std::vector<double>{5, 5, 4, 7});
  nn::AvgPool1d avg3(3);  // [1 5 2] [-3 4 0]
  testing::require_close(avg3(Tensor(x)).data(),
                         Array::from_vector({1, 1, 2}, {8.0 / 3, 1.0 / 3}, DType::F64));
  nn::AdaptiveAvgPool1d adaptive(3);  // bins [0, 3) [2, 5) [4, 7)
  testing::require_close(adaptive(Tensor(x)).data(),
                         Array::from_vector({1, 1, 3}, {8.0 / 3, 1.0, 11.0 / 3}, DType::F64));

  nn::Sequential seq({std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool1d>(2),
                      std::make_shared<nn::Flatten>()});
  const Array y = seq(Tensor(x)).data();
  CHECK(y.shape() == Shape{1, 3});
  CHECK(y.to_vector() == std::vector<double>{5, 2, 4});
  CHECK(seq.size() == 3);
  CHECK(dynamic_cast<nn::MaxPool1d*>(&seq[1]) != nullptr);
  CHECK_THROWS_AS(seq[3], Error);
}

TEST_CASE("nn: Dropout is seeded, scales kept values by 1/(1-p), and is the identity in eval") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen_a(seed), gen_b(seed);
  nn::Dropout a(0.3, gen_a), b(0.3, gen_b);
  const Tensor x(Array::full({100, 100}, 2.0, DType::F64));
  const std::vector<double> ya = a(x).data().to_vector(), yb = b(x).data().to_vector();
  CHECK(ya == yb);
  int64_t zeros = 0;
  for (double v : ya) {
    if (v == 0)
      ++zeros;
    else
      CHECK(v == doctest::Approx(2.0 / 0.7));
  }
  CHECK(zeros == doctest::Approx(3000).epsilon(0.1));  // sd 46: +-300 is 6.5 sd wide
  CHECK(a(x).data().to_vector() != ya);                // the stream moves on

  a.generator = Generator(seed + 7);
  const std::vector<double> restarted = a(x).data().to_vector();
  a.generator = Generator(seed + 7);
  CHECK(a(x).data().to_vector() == restarted);

  a.eval();
  CHECK(a(x).data().to_vector() == x.data().to_vector());
}

TEST_CASE("nn: the promoter model maps (N, 4, L) to (N) and back-propagates to every parameter") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  genomics::PromoterExpressionModel model(gen);
  const Tensor x(testing::random_array({3, 4, 120}, gen, DType::F32, 0, 1));
  const Tensor y = model(x);
  CHECK(y.shape() == Shape{3});
  mean(y * y).backward();
  for (const auto& [name, p] : model.named_parameters()) {
    INFO(name);
    REQUIRE(p.grad().defined());
    CHECK(p.grad().shape() == p.shape());
  }
  CHECK(model.state_dict()[6].second.item() == 1);  // num_batches_tracked of conv_layers.1

  model.eval();
  const Array first = model(x).data();
  CHECK(model(x).data().to_vector() == first.to_vector());  // eval is deterministic
}
