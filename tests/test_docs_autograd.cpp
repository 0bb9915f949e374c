// Checks the claims of docs/autograd.md, one TEST_CASE per marked claim.
#include <doctest/doctest.h>

#include "autograd/node.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

TEST_CASE("docs/autograd: the opening example gives loss 4.5 and w.grad = x") {
  Tensor w(Array::from_vector({3}, {0.5, -1, 2}), true);
  Tensor x(Array::from_vector({3}, {1, 2, 3}));
  Tensor loss = sum(mul(w, x));
  CHECK(loss.item() == doctest::Approx(4.5));
  loss.backward();
  require_close(w.grad(), Array::from_vector({3}, {1, 2, 3}));
}

TEST_CASE("docs/autograd: NoGrad records no node") {
  Tensor w(Array::from_vector({2}, {1, 2}), true);
  NoGrad guard;
  Tensor y = mul(w, w);
  CHECK_FALSE(y.requires_grad());
  CHECK(y.grad_fn() == nullptr);
}

TEST_CASE("docs/autograd: a tensor used twice collects both contributions, and graphs add up") {
  Generator gen(fresh_seed());
  const Array x0 = random_array({5}, gen);
  Tensor x(x0.clone(), true);
  Tensor y = add(mul(x, x), x);  // dy/dx = 2x + 1
  y.backward(Array::full({5}, 1.0, DType::F64));
  std::vector<double> expected;
  for (double v : x0.to_vector()) expected.push_back(2 * v + 1);
  require_close(x.grad(), Array::from_vector({5}, expected, DType::F64));

  Tensor y2 = add(mul(x, x), x);  // a new graph: its gradient adds to .grad
  y2.backward(Array::full({5}, 1.0, DType::F64));
  for (double& v : expected) v *= 2;
  require_close(x.grad(), Array::from_vector({5}, expected, DType::F64));
}

TEST_CASE("docs/autograd: going through the same graph twice is an error") {
  Tensor x(Array::from_vector({2}, {1, 2}, DType::F64), true);
  Tensor loss = sum(mul(x, x));
  loss.backward();
  CHECK_THROWS_WITH_AS(loss.backward(), doctest::Contains("second time"), Error);
}

namespace {

// The page's formulas, evaluated literally in double, for one random problem.
struct ConvProblem {
  int64_t n, c_in, c_out, len_in, k, stride, padding, dilation, len_out;
  Array x, w, b, g;  // g = dL/dy
};

ConvProblem make_problem(Generator& gen, int64_t stride, int64_t padding, int64_t dilation) {
  ConvProblem p{2, 3, 4, 11, 3, stride, padding, dilation, 0, {}, {}, {}, {}};
  p.len_out = (p.len_in + 2 * padding - dilation * (p.k - 1) - 1) / stride + 1;
  p.x = random_array({p.n, p.c_in, p.len_in}, gen);
  p.w = random_array({p.c_out, p.c_in, p.k}, gen);
  p.b = random_array({p.c_out}, gen);
  p.g = random_array({p.n, p.c_out, p.len_out}, gen);
  return p;
}

// Runs the engine: returns {grad_x, grad_w, grad_b} for L = sum(y * g).
std::vector<Array> engine_grads(const ConvProblem& p) {
  Tensor x(p.x.clone(), true), w(p.w.clone(), true), b(p.b.clone(), true);
  Tensor y = conv1d(x, w, b, p.stride, p.padding, p.dilation);
  y.backward(p.g);
  return {x.grad(), w.grad(), b.grad()};
}

}  // namespace

TEST_CASE("docs/autograd: conv1d grad_b and grad_W are the sums the page derives") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (auto [s, pad, d] : {std::tuple{1, 1, 1}, {2, 0, 1}, {1, 2, 2}, {2, 3, 2}}) {
    CAPTURE(s);
    CAPTURE(pad);
    CAPTURE(d);
    const ConvProblem p = make_problem(gen, s, pad, d);
    const std::vector<Array> grads = engine_grads(p);
    std::vector<double> grad_b(p.c_out, 0.0), grad_w(p.c_out * p.c_in * p.k, 0.0);
    for (int64_t n = 0; n < p.n; ++n)
      for (int64_t o = 0; o < p.c_out; ++o)
        for (int64_t t = 0; t < p.len_out; ++t) {
          const double g = p.g.at({n, o, t});
          grad_b[o] += g;  // grad_b[o] = sum_n sum_t g[n, o, t]
          for (int64_t c = 0; c < p.c_in; ++c)
            for (int64_t k = 0; k < p.k; ++k) {
              const int64_t i = t * s + k * d - pad;
              if (i >= 0 && i < p.len_in)  // grad_W[o,c,k] = sum g[n,o,t] x[n,c,ts+kd-p]
                grad_w[(o * p.c_in + c) * p.k + k] += g * p.x.at({n, c, i});
            }
        }
    require_close(grads[2], Array::from_vector({p.c_out}, grad_b, DType::F64), 1e-10, 1e-12);
    require_close(grads[1], Array::from_vector(p.w.shape(), grad_w, DType::F64), 1e-10, 1e-12);
  }
}

TEST_CASE("docs/autograd: conv1d grad_x is a correlation of g with the flipped kernel") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (int64_t pad : {0, 1, 2}) {  // stride 1, dilation 1, as on the page
    CAPTURE(pad);
    const ConvProblem p = make_problem(gen, 1, pad, 1);
    const Array grad_x = engine_grads(p)[0];

    // The page's formula, literally: sum_o sum_k' g[n,o,i+p-(K-1)+k'] * Wf[o,c,k'].
    std::vector<double> by_formula(p.n * p.c_in * p.len_in, 0.0);
    for (int64_t n = 0; n < p.n; ++n)
      for (int64_t c = 0; c < p.c_in; ++c)
        for (int64_t i = 0; i < p.len_in; ++i)
          for (int64_t o = 0; o < p.c_out; ++o)
            for (int64_t kf = 0; kf < p.k; ++kf) {
              const int64_t t = i + pad - (p.k - 1) + kf;
              if (t >= 0 && t < p.len_out)
                by_formula[(n * p.c_in + c) * p.len_in + i] +=
                    p.g.at({n, o, t}) * p.w.at({o, c, p.k - 1 - kf});
            }
    require_close(grad_x, Array::from_vector(p.x.shape(), by_formula, DType::F64), 1e-10, 1e-12);

    // ...which is the forward conv applied to g with the flipped, channel-transposed kernel and
    // padding K - 1 - p.
    std::vector<double> flipped(p.c_in * p.c_out * p.k);
    for (int64_t o = 0; o < p.c_out; ++o)
      for (int64_t c = 0; c < p.c_in; ++c)
        for (int64_t k = 0; k < p.k; ++k)
          flipped[(c * p.c_out + o) * p.k + k] = p.w.at({o, c, p.k - 1 - k});
    const Tensor wf(Array::from_vector({p.c_in, p.c_out, p.k}, flipped, DType::F64));
    const Tensor via_forward = conv1d(Tensor(p.g), wf, Tensor(), 1, p.k - 1 - pad, 1);
    require_close(via_forward.data(), grad_x, 1e-10, 1e-12);
  }
}
