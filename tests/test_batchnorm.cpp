// BatchNorm1d: a hand-computed batch, running statistics over several steps (unbiased variance,
// momentum 0.1), eval mode using the running statistics, [N, C] inputs, a naive float64 loop
// reference for every kernel (outputs poisoned, gradient buffers pre-filled), finite-difference
// gradients through the autograd op in both modes, and errors.
#include <cmath>
#include <vector>

#include "kernels/batchnorm.h"
#include "test_util.h"

namespace dnagrad::testing {
namespace {

Array vec(const Shape& shape, const std::vector<double>& v, DType dtype = DType::F64) {
  return Array::from_vector(shape, v, dtype);
}

Array plus(const Array& a, const Array& b) {
  std::vector<double> va = a.to_vector();
  const std::vector<double> vb = b.to_vector();
  for (size_t i = 0; i < va.size(); ++i) va[i] += vb[i];
  return Array::from_vector(a.shape(), va, DType::F64);
}

// Extents of x [N, C, L] or [N, C] (L = 1) and the flat index of x[n, c, t].
struct Layout {
  int64_t n_batch, channels, len;
  explicit Layout(const Array& x)
      : n_batch(x.size(0)), channels(x.size(1)), len(x.dim() == 3 ? x.size(2) : 1) {}
  int64_t at(int64_t n, int64_t c, int64_t t) const { return (n * channels + c) * len + t; }
  int64_t count() const { return n_batch * len; }
};

// Per-channel mean and biased variance of x, looped naively.
std::pair<std::vector<double>, std::vector<double>> batch_stats(const Array& x) {
  const Layout s(x);
  const std::vector<double> xv = x.to_vector();
  std::vector<double> mean(s.channels, 0.0), var(s.channels, 0.0);
  for (int64_t c = 0; c < s.channels; ++c) {
    for (int64_t n = 0; n < s.n_batch; ++n)
      for (int64_t t = 0; t < s.len; ++t) mean[c] += xv[s.at(n, c, t)];
    mean[c] /= double(s.count());
    for (int64_t n = 0; n < s.n_batch; ++n)
      for (int64_t t = 0; t < s.len; ++t)
        var[c] += (xv[s.at(n, c, t)] - mean[c]) * (xv[s.at(n, c, t)] - mean[c]);
    var[c] /= double(s.count());
  }
  return {mean, var};
}

// y = (x - mean[c]) / sqrt(var[c] + eps) * w[c] + b[c]; undefined w/b mean 1/0.
Array normalise(const Array& x, const std::vector<double>& mean, const std::vector<double>& var,
                const Array& w, const Array& b, double eps) {
  const Layout s(x);
  const std::vector<double> xv = x.to_vector();
  const std::vector<double> wv = w.defined() ? w.to_vector() : std::vector<double>(s.channels, 1);
  const std::vector<double> bv = b.defined() ? b.to_vector() : std::vector<double>(s.channels, 0);
  std::vector<double> y(xv.size());
  for (int64_t n = 0; n < s.n_batch; ++n)
    for (int64_t c = 0; c < s.channels; ++c)
      for (int64_t t = 0; t < s.len; ++t) {
        const int64_t i = s.at(n, c, t);
        y[i] = (xv[i] - mean[c]) / std::sqrt(var[c] + eps) * wv[c] + bv[c];
      }
  return Array::from_vector(x.shape(), y, DType::F64);
}

// Textbook backward, with xhat = (x - mean) * invstd and per-channel sums over N*L:
//   dbias = sum g, dweight = sum g*xhat,
//   dx = w*invstd*g (eval) or w*invstd/M * (M*g - sum g - xhat * sum g*xhat) (training).
struct Grads {
  Array x, w, b;
};
Grads naive_backward(const Array& g, const Array& x, const Array& w,
                     const std::vector<double>& mean, const std::vector<double>& invstd,
                     bool training) {
  const Layout s(x);
  const std::vector<double> xv = x.to_vector(), gv = g.to_vector();
  const std::vector<double> wv = w.defined() ? w.to_vector() : std::vector<double>(s.channels, 1);
  std::vector<double> gx(xv.size()), gw(s.channels, 0.0), gb(s.channels, 0.0);
  const double m = double(s.count());
  for (int64_t c = 0; c < s.channels; ++c) {
    for (int64_t n = 0; n < s.n_batch; ++n)
      for (int64_t t = 0; t < s.len; ++t) {
        const int64_t i = s.at(n, c, t);
        gb[c] += gv[i];
        gw[c] += gv[i] * (xv[i] - mean[c]) * invstd[c];
      }
    for (int64_t n = 0; n < s.n_batch; ++n)
      for (int64_t t = 0; t < s.len; ++t) {
        const int64_t i = s.at(n, c, t);
        const double xhat = (xv[i] - mean[c]) * invstd[c];
        gx[i] = training ? wv[c] * invstd[c] / m * (m * gv[i] - gb[c] - xhat * gw[c])
                         : wv[c] * invstd[c] * gv[i];
      }
  }
  return {Array::from_vector(x.shape(), gx, DType::F64),
          Array::from_vector({s.channels}, gw, DType::F64),
          Array::from_vector({s.channels}, gb, DType::F64)};
}

std::vector<double> inverse_std(const std::vector<double>& var, double eps) {
  std::vector<double> out(var.size());
  for (size_t c = 0; c < var.size(); ++c) out[c] = 1 / std::sqrt(var[c] + eps);
  return out;
}

struct BnCase {
  Shape x;
  bool weight, bias;
};
const std::vector<BnCase> bn_cases = {
    {{3, 2, 5}, true, true},    // the plain case
    {{1, 3, 4}, true, true},    // batch 1 (statistics over L only)
    {{4, 3}, true, true},       // [N, C]
    {{2, 2, 3}, false, false},  // affine = false
    {{2, 3, 7}, true, false},   // weight but no bias, odd length
    {{5, 1, 1}, false, true},   // L = 1 as a 3-D input, bias only
};

std::string describe(const BnCase& c) {
  return cat("x ", shape_str(c.x), c.weight ? "" : ", no weight", c.bias ? "" : ", no bias");
}

}  // namespace

TEST_CASE("batch_norm1d training: a hand-computed batch") {
  // One channel, x [2, 1, 2] = {1, 2 | 3, 6}: mean 3, biased variance (4+1+0+9)/4 = 3.5,
  // unbiased 14/3. weight 2, bias 1, eps 0: y = 2 * (x - 3) / sqrt(3.5) + 1.
  const Array x = vec({2, 1, 2}, {1, 2, 3, 6});
  const double r = std::sqrt(3.5);
  Array running_mean = vec({1}, {0}), running_var = vec({1}, {1});
  Array y = poisoned({2, 1, 2}), mean = poisoned({1}), invstd = poisoned({1});
  kernels::batchnorm_forward_train(x, vec({1}, {2}), vec({1}, {1}), running_mean, running_var, 0.1,
                                   0.0, y, mean, invstd);
  require_close(y, vec({2, 1, 2}, {-4 / r + 1, -2 / r + 1, 1, 6 / r + 1}), 1e-12, 1e-12);
  require_close(mean, vec({1}, {3}));
  require_close(invstd, vec({1}, {1 / r}));
  require_close(running_mean, vec({1}, {0.3}));                  // 0.9*0 + 0.1*3
  require_close(running_var, vec({1}, {0.9 + 0.1 * 14.0 / 3}));  // 0.9*1 + 0.1*14/3

  // Backward with g = {1, 0, 0, 0} onto zeros, weight 2: sum g = 1, xhat = (x-3)/r,
  // sum g*xhat = -2/r; grad_x = 2/r/4 * (4g - 1 - xhat*(-2/r)) = (4g - 1 + 2(x-3)/3.5) / (2r).
  Array gx = Array::zeros({2, 1, 2}, DType::F64), gw = Array::zeros({1}, DType::F64);
  Array gb = Array::zeros({1}, DType::F64);
  kernels::batchnorm_backward(vec({2, 1, 2}, {1, 0, 0, 0}), x, vec({1}, {2}), mean, invstd, true,
                              &gx, &gw, &gb);
  const double k = 1 / (2 * r);
  require_close(gx, vec({2, 1, 2}, {(3 - 4 / 3.5) * k, (-1 - 2 / 3.5) * k, -k, (-1 + 6 / 3.5) * k}),
                1e-12, 1e-12);
  require_close(gw, vec({1}, {-2 / r}));
  require_close(gb, vec({1}, {1}));
}

TEST_CASE("batch_norm1d running statistics after three training steps (unbiased, momentum 0.1)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (DType dtype : {DType::F64, DType::F32}) {
    INFO(dtype_name(dtype));
    const int64_t channels = 3;
    Array running_mean = Array::zeros({channels}, dtype);
    Array running_var = Array::full({channels}, 1.0, dtype);
    std::vector<double> expect_mean(channels, 0.0), expect_var(channels, 1.0);
    const Tensor weight(random_array({channels}, gen, dtype), true);
    const Tensor bias(random_array({channels}, gen, dtype), true);
    for (int step = 0; step < 3; ++step) {
      const Array x = random_array({4, channels, 6}, gen, dtype, -2, 3);
      batch_norm1d(Tensor(x), weight, bias, running_mean, running_var, true, 0.1, 1e-5);
      const auto [mean, var] = batch_stats(x);
      const double m = 4 * 6;
      for (int64_t c = 0; c < channels; ++c) {
        expect_mean[c] = 0.9 * expect_mean[c] + 0.1 * mean[c];
        expect_var[c] = 0.9 * expect_var[c] + 0.1 * var[c] * m / (m - 1);
      }
    }
    const double tol = dtype == DType::F64 ? 1e-12 : 1e-5;
    require_close(running_mean, vec({channels}, expect_mean), tol, tol);
    require_close(running_var, vec({channels}, expect_var), tol, tol);
  }
}

TEST_CASE("batch_norm1d eval mode normalises with the running statistics") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const Shape& shape : {Shape{3, 4, 5}, Shape{6, 4}}) {
    INFO("x ", shape_str(shape));
    const Array x = random_array(shape, gen);
    const Array w = random_array({4}, gen), b = random_array({4}, gen);
    Array running_mean = random_array({4}, gen);
    Array running_var = random_array({4}, gen, DType::F64, 0.5, 2);
    const Array mean_before = running_mean.clone(), var_before = running_var.clone();
    const Array expected =
        normalise(x, running_mean.to_vector(), running_var.to_vector(), w, b, 1e-5);

    Array y = poisoned(shape);
    kernels::batchnorm_forward_eval(x, w, b, running_mean, running_var, 1e-5, y);
    require_close(y, expected, 1e-12, 1e-12);

    const Tensor out =
        batch_norm1d(Tensor(x), Tensor(w), Tensor(b), running_mean, running_var, false, 0.1, 1e-5);
    require_close(out.data(), expected, 1e-12, 1e-12);
    require_close(running_mean, mean_before, 0, 0);  // eval leaves the running stats alone
    require_close(running_var, var_before, 0, 0);
  }
}

TEST_CASE("batch_norm1d statistics stay accurate for data far from zero") {
  // x = 1e6 + U(-1, 1): E[x^2] - E[x]^2 would cancel away ~12 of the 16 digits; the two-pass
  // variance (mean first, then squared deviations) keeps it to rounding.
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array x = random_array({4, 2, 50}, gen, DType::F64, 1e6 - 1, 1e6 + 1);
  const auto [mean, var] = batch_stats(x);
  Array none, y = poisoned(x.shape()), save_mean = poisoned({2}), save_invstd = poisoned({2});
  kernels::batchnorm_forward_train(x, Array(), Array(), none, none, 0.1, 0.0, y, save_mean,
                                   save_invstd);
  require_close(save_invstd, vec({2}, inverse_std(var, 0.0)), 1e-9, 0);
  require_close(y, normalise(x, mean, var, Array(), Array(), 0.0), 1e-8, 1e-8);
}

TEST_CASE("batchnorm kernels match a naive float64 loop (assign forward, accumulate backward)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const double eps = 1e-5, momentum = 0.1;
  for (DType dtype : {DType::F64, DType::F32}) {
    const double tol = dtype == DType::F64 ? 1e-11 : 2e-5;
    for (const BnCase& c : bn_cases) {
      INFO(dtype_name(dtype), " ", describe(c));
      const int64_t channels = c.x[1];
      const Array x = random_array(c.x, gen, dtype, -1, 3);
      const Array w = c.weight ? random_array({channels}, gen, dtype) : Array();
      const Array b = c.bias ? random_array({channels}, gen, dtype) : Array();
      const Array g = random_array(c.x, gen, dtype);
      const Array rm0 = random_array({channels}, gen, dtype);
      const Array rv0 = random_array({channels}, gen, dtype, 0.5, 2);
      const auto [mean, var] = batch_stats(x);
      const std::vector<double> invstd = inverse_std(var, eps);
      const double m = double(Layout(x).count());

      // Training forward: y, saved statistics, running statistics.
      Array rm = rm0.clone(), rv = rv0.clone();
      Array y = poisoned(c.x, dtype), save_mean = poisoned({channels}, dtype);
      Array save_invstd = poisoned({channels}, dtype);
      kernels::batchnorm_forward_train(x, w, b, rm, rv, momentum, eps, y, save_mean, save_invstd);
      require_close(y, normalise(x, mean, var, w, b, eps), tol, tol);
      require_close(save_mean, vec({channels}, mean), tol, tol);
      require_close(save_invstd, vec({channels}, invstd), tol, tol);
      std::vector<double> expect_rm = rm0.to_vector(), expect_rv = rv0.to_vector();
      for (int64_t ch = 0; ch < channels; ++ch) {
        expect_rm[ch] = (1 - momentum) * expect_rm[ch] + momentum * mean[ch];
        expect_rv[ch] = (1 - momentum) * expect_rv[ch] + momentum * var[ch] * m / (m - 1);
      }
      require_close(rm, vec({channels}, expect_rm), tol, tol);
      require_close(rv, vec({channels}, expect_rv), tol, tol);

      // Untracked running statistics are fine.
      Array no_stats;
      y = poisoned(c.x, dtype);
      kernels::batchnorm_forward_train(x, w, b, no_stats, no_stats, momentum, eps, y, save_mean,
                                       save_invstd);
      require_close(y, normalise(x, mean, var, w, b, eps), tol, tol);

      // Eval forward.
      y = poisoned(c.x, dtype);
      kernels::batchnorm_forward_eval(x, w, b, rm0, rv0, eps, y);
      require_close(y, normalise(x, rm0.to_vector(), rv0.to_vector(), w, b, eps), tol, tol);

      // Backward in both modes, onto pre-filled buffers; then with only grad_x requested.
      const std::vector<double> eval_invstd = inverse_std(rv0.to_vector(), eps);
      const Array eval_invstd_arr = vec({channels}, eval_invstd).to(dtype);
      for (bool training : {true, false}) {
        INFO((training ? "training" : "eval"), " backward");
        const std::vector<double>& mu = training ? mean : rm0.to_vector();
        const std::vector<double>& inv = training ? invstd : eval_invstd;
        const Array& mean_arg = training ? save_mean : rm0;
        const Array& invstd_arg = training ? save_invstd : eval_invstd_arr;
        const Grads ref = naive_backward(g, x, w, mu, inv, training);
        const Array gx0 = random_array(c.x, gen, dtype);
        const Array gw0 = random_array({channels}, gen, dtype);
        const Array gb0 = random_array({channels}, gen, dtype);
        Array gx = gx0.clone(), gw = gw0.clone(), gb = gb0.clone();
        kernels::batchnorm_backward(g, x, w, mean_arg, invstd_arg, training, &gx, &gw, &gb);
        require_close(gx, plus(gx0, ref.x), tol, tol);
        require_close(gw, plus(gw0, ref.w), tol, tol);
        require_close(gb, plus(gb0, ref.b), tol, tol);
        gx = gx0.clone();
        kernels::batchnorm_backward(g, x, w, mean_arg, invstd_arg, training, &gx, nullptr, nullptr);
        require_close(gx, plus(gx0, ref.x), tol, tol);
      }
    }
  }
}

TEST_CASE("batch_norm1d gradients match finite differences (float64, through autograd)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (bool training : {true, false}) {
    for (const BnCase& c : bn_cases) {
      INFO((training ? "training " : "eval "), describe(c));
      const int64_t channels = c.x[1];
      std::vector<Array> inputs = {random_array(c.x, gen, DType::F64, -1, 2)};
      if (c.weight) inputs.push_back(random_array({channels}, gen, DType::F64, 0.5, 1.5));
      if (c.bias) inputs.push_back(random_array({channels}, gen));
      const bool has_weight = c.weight, has_bias = c.bias;
      // Running statistics: untracked in training (so repeated calls do not drift), given and
      // fixed in eval.
      Array running_mean, running_var;
      if (!training) {
        running_mean = random_array({channels}, gen);
        running_var = random_array({channels}, gen, DType::F64, 0.5, 2);
      }
      check_gradients(
          [&](const std::vector<Tensor>& t) {
            const Tensor w = has_weight ? t[1] : Tensor();
            const Tensor b = has_bias ? t[has_weight ? 2 : 1] : Tensor();
            return batch_norm1d(t[0], w, b, running_mean, running_var, training, 0.1, 1e-5);
          },
          inputs, gen.next_u64());
    }
  }
}

TEST_CASE("batchnorm kernels reject mismatched shapes with the op's name") {
  const Array x = Array::zeros({2, 3, 4}, DType::F64);
  const Array c3 = Array::zeros({3}, DType::F64), c2 = Array::zeros({2}, DType::F64);
  Array y = Array::zeros({2, 3, 4}, DType::F64), mean = c3.clone(), invstd = c3.clone();
  Array none;
  CHECK_THROWS_WITH_AS(
      kernels::batchnorm_forward_train(x, c2, c3, none, none, 0.1, 1e-5, y, mean, invstd),
      doctest::Contains("batchnorm_forward_train"), Error);
  Array wrong_y = Array::zeros({2, 3, 5}, DType::F64);
  CHECK_THROWS_AS(
      kernels::batchnorm_forward_train(x, c3, c3, none, none, 0.1, 1e-5, wrong_y, mean, invstd),
      Error);
  Array f32_stats = Array::zeros({3}, DType::F32);
  CHECK_THROWS_AS(
      kernels::batchnorm_forward_train(x, c3, c3, f32_stats, none, 0.1, 1e-5, y, mean, invstd),
      Error);
  const Array one_value = Array::zeros({1, 3, 1}, DType::F64);
  Array y1 = Array::zeros({1, 3, 1}, DType::F64);
  CHECK_THROWS_WITH_AS(
      kernels::batchnorm_forward_train(one_value, c3, c3, none, none, 0.1, 1e-5, y1, mean, invstd),
      doctest::Contains("more than one value"), Error);
  CHECK_THROWS_WITH_AS(kernels::batchnorm_forward_eval(x, c3, c3, none, c3, 1e-5, y),
                       doctest::Contains("running_mean"), Error);
  Array gx = Array::zeros({2, 3, 5}, DType::F64);
  CHECK_THROWS_WITH_AS(
      kernels::batchnorm_backward(y, x, c3, mean, invstd, true, &gx, nullptr, nullptr),
      doctest::Contains("batchnorm_backward"), Error);
  Array gw = c2.clone();
  CHECK_THROWS_AS(kernels::batchnorm_backward(y, x, c3, mean, invstd, true, nullptr, &gw, nullptr),
                  Error);
}

}  // namespace dnagrad::testing
