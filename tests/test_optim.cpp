// nn/optim.h and nn/scheduler.h: each optimizer over several steps against a plain double-
// precision re-implementation of PyTorch's formulas (and a few hand-worked numbers), gradient
// clipping, and ReduceLROnPlateau against scripted metric sequences worked out by hand.
#include <cmath>
#include <limits>

#include "nn/optim.h"
#include "nn/scheduler.h"
#include "test_util.h"

using namespace dnagrad;

namespace {

using Vec = std::vector<double>;

// The reference updates, written from torch.optim's documentation, one element at a time.
struct SgdReference {
  nn::SgdOptions o;
  Vec buf;
  void step(Vec& p, const Vec& grad) {
    const bool first = buf.empty();
    if (first) buf.resize(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grad[i] + o.weight_decay * p[i];
      if (o.momentum != 0) {
        buf[i] = first ? g : o.momentum * buf[i] + (1 - o.dampening) * g;
        g = o.nesterov ? g + o.momentum * buf[i] : buf[i];
      }
      p[i] -= o.lr * g;
    }
  }
};

struct AdamReference {
  nn::AdamOptions o;
  bool decoupled = false;
  Vec m, v;
  int t = 0;
  void step(Vec& p, const Vec& grad) {
    if (m.empty()) m.assign(p.size(), 0), v.assign(p.size(), 0);
    ++t;
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grad[i];
      if (decoupled)
        p[i] *= 1 - o.lr * o.weight_decay;
      else
        g += o.weight_decay * p[i];
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(o.beta1, t));
      const double v_hat = v[i] / (1 - std::pow(o.beta2, t));
      p[i] -= o.lr * m_hat / (std::sqrt(v_hat) + o.eps);
    }
  }
};

// Runs `steps` steps of `opt` on `param` with fresh random gradients and the same steps of
// `reference`, then compares.
template <class Reference>
void compare_with_reference(nn::Optimizer& opt, Tensor param, Reference reference, int steps,
                            Generator& gen, double rtol) {
  Vec expected = param.data().to_vector();
  for (int s = 0; s < steps; ++s) {
    const Array grad = testing::random_array(param.shape(), gen, param.dtype(), -2, 2);
    param.grad() = grad.clone();
    opt.step();
    reference.step(expected, grad.to_vector());
    CHECK(param.grad().to_vector() == grad.to_vector());  // step leaves the gradient alone
  }
  testing::require_close(param.data(),
                         Array::from_vector(param.shape(), expected, DType::F64).to(param.dtype()),
                         rtol, rtol);
}

Tensor parameter(const Vec& values, DType dtype = DType::F64) {
  return Tensor(Array::from_vector({static_cast<int64_t>(values.size())}, values, dtype), true);
}

// Steps `opt` on a one-element parameter `p` with gradient `g` each time; returns p's values.
Vec run_constant_gradient(nn::Optimizer& opt, Tensor p, double g, int steps) {
  Vec out;
  for (int s = 0; s < steps; ++s) {
    p.grad() = Array::full(p.shape(), g, p.dtype());
    opt.step();
    out.push_back(p.data().item());
  }
  return out;
}

void check_values(const Vec& got, const Vec& expected, double tol = 1e-12) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("step ", i + 1);
    CHECK(got[i] == doctest::Approx(expected[i]).epsilon(tol));
  }
}

}  // namespace

TEST_CASE("optim: SGD variants by hand (p = 1, gradient 1, lr 0.1)") {
  SUBCASE("plain") {
    Tensor p = parameter({1});
    nn::SGD opt({p}, {.lr = 0.1});
    check_values(run_constant_gradient(opt, p, 1, 3), {0.9, 0.8, 0.7});
  }
  SUBCASE("momentum 0.9: buf = 1, 1.9, 2.71") {
    Tensor p = parameter({1});
    nn::SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
    check_values(run_constant_gradient(opt, p, 1, 3), {0.9, 0.71, 0.439});
  }
  SUBCASE("dampening 0.5 (not applied on the first step): buf = 1, 1.4") {
    Tensor p = parameter({1});
    nn::SGD opt({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
    check_values(run_constant_gradient(opt, p, 1, 2), {0.9, 0.76});
  }
  SUBCASE("nesterov: step 1 + 0.9 * buf = 1.9, 2.71") {
    Tensor p = parameter({1});
    nn::SGD opt({p}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
    check_values(run_constant_gradient(opt, p, 1, 2), {0.81, 0.539});
  }
  SUBCASE("weight decay 0.1: gradients 1.1, 1.089") {
    Tensor p = parameter({1});
    nn::SGD opt({p}, {.lr = 0.1, .weight_decay = 0.1});
    check_values(run_constant_gradient(opt, p, 1, 2), {0.89, 0.7811});
  }
}

TEST_CASE("optim: SGD matches the reference over several steps, float64 and float32") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const std::vector<nn::SgdOptions> configs = {
      {.lr = 0.05},
      {.lr = 0.05, .momentum = 0.9},
      {.lr = 0.05, .momentum = 0.8, .dampening = 0.3, .weight_decay = 0.01},
      {.lr = 0.05, .momentum = 0.9, .weight_decay = 0.02, .nesterov = true},
  };
  for (const nn::SgdOptions& o : configs) {
    for (DType dtype : {DType::F64, DType::F32}) {
      INFO("momentum ", o.momentum, " dampening ", o.dampening, " wd ", o.weight_decay,
           " nesterov ", o.nesterov, " ", dtype_name(dtype));
      Tensor p(testing::random_array({3, 4}, gen, dtype), true);
      nn::SGD opt({p}, o);
      compare_with_reference(opt, p, SgdReference{o, {}}, 7, gen,
                             dtype == DType::F64 ? 1e-13 : 1e-5);
    }
  }
}

TEST_CASE("optim: Adam and AdamW by hand") {
  SUBCASE("Adam with a constant gradient moves by lr each step (m_hat = g, v_hat = g^2)") {
    Tensor p = parameter({1});
    nn::Adam opt({p}, {.lr = 0.1});
    check_values(run_constant_gradient(opt, p, 0.5, 3), {0.9, 0.8, 0.7}, 1e-7);
    CHECK(opt.step_count(0) == 3);
  }
  SUBCASE("AdamW with a zero gradient only decays: p = (1 - lr * wd)^t") {
    Tensor p = parameter({1});
    nn::AdamW opt({p}, {.lr = 0.1, .weight_decay = 0.5});
    check_values(run_constant_gradient(opt, p, 0, 3), {0.95, 0.9025, 0.857375});
  }
  SUBCASE("Adam's L2 weight decay goes through the moments: the first step is lr * sign") {
    Tensor p = parameter({1});
    nn::Adam opt({p}, {.lr = 0.1, .weight_decay = 0.5});
    check_values(run_constant_gradient(opt, p, 0, 1), {0.9}, 1e-7);
  }
  SUBCASE("AdamW's default weight decay is PyTorch's 0.01") {
    Tensor p = parameter({1});
    nn::AdamW opt({p});
    check_values(run_constant_gradient(opt, p, 0, 1), {1 - 1e-3 * 1e-2});
  }
}

TEST_CASE("optim: Adam and AdamW match the reference over several steps") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (DType dtype : {DType::F64, DType::F32}) {
    const double rtol = dtype == DType::F64 ? 1e-12 : 1e-5;
    INFO(dtype_name(dtype));
    {
      const nn::AdamOptions o{
          .lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1};
      Tensor p(testing::random_array({5, 3}, gen, dtype), true);
      nn::Adam opt({p}, o);
      compare_with_reference(opt, p, AdamReference{o, false, {}, {}, 0}, 8, gen, rtol);
    }
    {
      const nn::AdamWOptions w{
          .lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1};
      const nn::AdamOptions o{w.lr, w.beta1, w.beta2, w.eps, w.weight_decay};
      Tensor p(testing::random_array({5, 3}, gen, dtype), true);
      nn::AdamW opt({p}, w);
      compare_with_reference(opt, p, AdamReference{o, true, {}, {}, 0}, 8, gen, rtol);
    }
  }
}

TEST_CASE("optim: parameters without a gradient are skipped, and lr, zero_grad and bad options") {
  Tensor a = parameter({1, 2}), b = parameter({3});
  nn::Adam opt({a, b}, {.lr = 0.1});
  a.grad() = Array::full({2}, 1.0, DType::F64);
  opt.step();
  CHECK(b.data().to_vector() == Vec{3});
  CHECK(opt.step_count(0) == 1);
  CHECK(opt.step_count(1) == 0);

  opt.set_lr(0.01);
  CHECK(opt.lr() == 0.01);
  opt.step();  // Adam's step is lr-sized here: 1 - 0.1 - 0.01
  CHECK(a.data().to_vector()[0] == doctest::Approx(0.89).epsilon(1e-6));

  opt.zero_grad();
  CHECK(!a.grad().defined());
  CHECK_THROWS_AS(opt.set_lr(-1), Error);
  CHECK_THROWS_AS(nn::SGD({a}, {.lr = 0.1, .nesterov = true}), Error);
  CHECK_THROWS_AS(nn::Adam({a}, {.beta1 = 1}), Error);
  CHECK_THROWS_AS(nn::SGD({Tensor(Array::zeros({2}), false)}), Error);
}

TEST_CASE("optim: clip_grad_norm scales all gradients together and returns the norm") {
  Tensor a = parameter({0, 0}), b = parameter({0}), no_grad = parameter({0});
  auto set = [&] {
    a.grad() = Array::from_vector({2}, {3, 0}, DType::F64);
    b.grad() = Array::from_vector({1}, {4}, DType::F64);
  };
  set();
  CHECK(nn::clip_grad_norm({a, b, no_grad}, 1.0) == doctest::Approx(5.0).epsilon(1e-15));
  const double factor = 1.0 / (5.0 + 1e-6);
  CHECK(a.grad().to_vector() == Vec{3 * factor, 0});
  CHECK(b.grad().to_vector() == Vec{4 * factor});
  CHECK(!no_grad.grad().defined());

  set();  // a factor just under 1 still scales
  CHECK(nn::clip_grad_norm({a, b}, 4.0) == 5.0);
  CHECK(b.grad().to_vector() == Vec{4 * (4.0 / (5.0 + 1e-6))});

  set();  // under the limit: untouched, the norm still reported
  CHECK(nn::clip_grad_norm({a, b}, 10.0) == 5.0);
  CHECK(a.grad().to_vector() == Vec{3, 0});

  // Random float32 gradients: the clipped norm is max_norm (up to the 1e-6).
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  Tensor c(testing::random_array({50, 20}, gen, DType::F32), true);
  c.grad() = testing::random_array({50, 20}, gen, DType::F32);
  const double norm = nn::clip_grad_norm({c}, 0.5);
  double sum_sq = 0;
  for (double g : c.grad().to_vector()) sum_sq += g * g;
  CHECK(norm > 0.5);
  CHECK(std::sqrt(sum_sq) == doctest::Approx(0.5).epsilon(1e-5));

  CHECK(nn::clip_grad_norm({}, 1.0) == 0.0);

  // A non-finite norm is returned for the caller to act on; nothing is scaled.
  set();
  a.grad() = Array::from_vector({2}, {std::numeric_limits<double>::infinity(), 1}, DType::F64);
  CHECK(std::isinf(nn::clip_grad_norm({a, b}, 1.0)));
  CHECK(b.grad().to_vector() == Vec{4});
}

// ---- ReduceLROnPlateau ----

namespace {

// Feeds `metrics` one per epoch and returns the learning rate after each step.
Vec lr_trace(double lr, nn::PlateauOptions options, const Vec& metrics) {
  Tensor p = parameter({0});
  nn::SGD opt({p}, {.lr = lr});
  nn::ReduceLROnPlateau scheduler(opt, options);
  Vec out;
  for (double m : metrics) {
    scheduler.step(m);
    out.push_back(opt.lr());
  }
  return out;
}

}  // namespace

TEST_CASE("optim: ReduceLROnPlateau with patience, rel threshold, cooldown and min_lr") {
  // best starts at inf. An epoch is better when metric < best * (1 - 0.1).
  //  1: 10  better (best 10)      8: 9  bad 1, cooldown 1 -> 0 clears it    15: 2 bad 3 -> lr 0.2
  //  2: 9.5 bad 1 (not < 9)       9: 9  bad 1                                   (0.125 < min_lr)
  //  3: 9.1 bad 2                10: 9  bad 2                              16: 2 cleared by
  //  cooldown 4: 8.9 better (best 8.9)    11: 9  bad 3 > 2 -> lr 0.25, cooldown 1   17: bad 1  18:
  //  bad 2 5: 9   bad 1 (not < 8.01)   12: 1  better (best 1), cooldown 1 -> 0   19: bad 3:
  //  max(0.1, 6: 9   bad 2                13: 2  bad 1                                  0.2) = 0.2
  //  is no 7: 9   bad 3 > 2 -> lr 0.5  14: 2  bad 2                                  change
  const Vec metrics = {10, 9.5, 9.1, 8.9, 9, 9, 9, 9, 9, 9, 9, 1, 2, 2, 2, 2, 2, 2, 2};
  const Vec expected = {1,    1,    1,    1,    1,   1,   0.5, 0.5, 0.5, 0.5,
                        0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2};
  const Vec got = lr_trace(
      1.0, {.factor = 0.5, .patience = 2, .threshold = 0.1, .cooldown = 1, .min_lr = 0.2}, metrics);
  check_values(got, expected);

  // The state PyTorch keeps, after the first 7 epochs.
  Tensor p = parameter({0});
  nn::SGD opt({p}, {.lr = 1});
  nn::ReduceLROnPlateau s(opt, {.factor = 0.5, .patience = 2, .threshold = 0.1, .cooldown = 1});
  for (int e = 0; e < 7; ++e) s.step(metrics[e]);
  CHECK(s.best() == 8.9);
  CHECK(s.num_bad_epochs() == 0);
  CHECK(s.cooldown_counter() == 1);
  CHECK(s.in_cooldown());
  CHECK(s.last_epoch() == 7);
}

TEST_CASE("optim: ReduceLROnPlateau in max mode with an absolute threshold, patience 0") {
  // Better means > best + 0.5. 1: better. 1.4: bad 1 > 0 -> 0.1. 2.0: better. 2.4: bad -> 0.01.
  // 3: better.
  check_values(lr_trace(1.0,
                        {.mode = nn::PlateauMode::Max,
                         .factor = 0.1,
                         .patience = 0,
                         .threshold = 0.5,
                         .threshold_mode = nn::ThresholdMode::Abs},
                        {1, 1.4, 2.0, 2.4, 3}),
               {1, 0.1, 0.1, 0.01, 0.01});
}

TEST_CASE("optim: ReduceLROnPlateau as seed 002 uses it, and its edge cases") {
  // factor 0.5, patience 5, defaults otherwise: a flat metric reduces at epochs 7 and 13
  // (epochs 2..7 are bad epochs 1..6, and 6 > 5).
  Vec flat(13, 1.0), expected(13, 1e-3);
  for (int e = 6; e < 12; ++e) expected[e] = 5e-4;
  expected[12] = 2.5e-4;
  check_values(lr_trace(1e-3, {.factor = 0.5, .patience = 5}, flat), expected);

  // The default rel threshold 1e-4: 0.99995 is not an improvement on 1, 0.9999 - 1e-9 is.
  check_values(lr_trace(1, {.patience = 0}, {1, 0.99995}), {1, 0.1});
  check_values(lr_trace(1, {.patience = 0}, {1, 0.9999 - 1e-9}), {1, 1});

  // NaN is never better; a change smaller than eps (1e-8) is not applied.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  check_values(lr_trace(1, {.patience = 1}, {nan, nan, 1}), {1, 0.1, 0.1});
  check_values(lr_trace(1.5e-8, {.factor = 0.5, .patience = 0}, {1, 2}), {1.5e-8, 1.5e-8});

  Tensor p = parameter({0});
  nn::SGD opt({p});
  CHECK_THROWS_AS(nn::ReduceLROnPlateau(opt, {.factor = 1.0}), Error);
}
