// The autograd engine (autograd/engine.cpp, tensor.cpp, ops.cpp): gradient accumulation,
// fan-out, NoGrad, detach, graph release, error messages, and a small network end to end.
#include "autograd/node.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

std::vector<double> scaled(const Array& a, double s, double shift = 0) {
  std::vector<double> v = a.to_vector();
  for (double& e : v) e = s * e + shift;
  return v;
}

}  // namespace

TEST_CASE("autograd: gradients accumulate into .grad across two backward calls") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array x0 = random_array({4}, gen);
  Tensor x(x0.clone(), true);
  const Tensor w(random_array({4}, gen));
  sum(mul(x, w)).backward();
  require_close(x.grad(), w.data());
  sum(mul(x, w)).backward();  // a second graph: its gradient adds to the first
  require_close(x.grad(), Array::from_vector({4}, scaled(w.data(), 2), DType::F64));
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(w.grad().defined());  // w never required a gradient
}

TEST_CASE("autograd: a tensor used twice receives both contributions") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array x0 = random_array({2, 3}, gen);
  Tensor x(x0.clone(), true);
  Tensor y = x * x + x;  // dy/dx = 2x + 1
  y.backward(Array::full({2, 3}, 1.0, DType::F64));
  require_close(x.grad(), Array::from_vector({2, 3}, scaled(x0, 2, 1), DType::F64));

  // A diamond: h feeds two branches that meet again. dz/dx = d(h^2 + h)/dx = (2h + 1) * 3.
  Tensor x2(x0.clone(), true);
  Tensor h = x2 * 3.0;
  Tensor z = sum(h * h + h);
  z.backward();
  require_close(x2.grad(), Array::from_vector({2, 3}, scaled(x0, 18, 3), DType::F64), 1e-12, 1e-12);
}

TEST_CASE("autograd: NoGrad records no graph") {
  Tensor x(Array::from_vector({3}, {1, 2, 3}, DType::F64), true);
  {
    NoGrad guard;
    CHECK_FALSE(grad_enabled());
    const Tensor y = exp(x * x);
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
    CHECK_THROWS_WITH_AS(sum(y).backward(), doctest::Contains("does not require a gradient"),
                         Error);
  }
  CHECK(grad_enabled());
  const Tensor y = x * x;
  CHECK(y.requires_grad());
  REQUIRE(y.grad_fn() != nullptr);
  CHECK(y.grad_fn()->op == Op::Mul);
}

TEST_CASE("autograd: detach cuts the graph") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array x0 = random_array({5}, gen);
  Tensor x(x0.clone(), true);
  const Tensor d = (x * 2.0).detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  sum(d * x + x).backward();  // only the second factor and the + x term reach x
  require_close(x.grad(), Array::from_vector({5}, scaled(x0, 2, 1), DType::F64), 1e-12, 1e-12);
}

TEST_CASE("autograd: a second backward through the same graph throws") {
  Tensor x(Array::from_vector({2}, {1, 2}, DType::F64), true);
  Tensor loss = sum(tanh(x) * x);
  loss.backward();
  CHECK_THROWS_WITH_AS(loss.backward(), doctest::Contains("second time"), Error);
}

TEST_CASE("autograd: backward needs a scalar output or an explicit gradient") {
  Tensor x(Array::from_vector({2, 2}, {1, 2, 3, 4}, DType::F64), true);
  const Tensor y = x * 2.0;
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("[2, 2]"), Error);
  CHECK_THROWS_AS(y.backward(Array::full({4}, 1.0, DType::F64)), Error);
  y.backward(Array::full({2, 2}, 1.0, DType::F64));
  require_close(x.grad(), Array::full({2, 2}, 2.0, DType::F64));
}

TEST_CASE("autograd: int64 tensors cannot require a gradient") {
  CHECK_THROWS_WITH_AS(Tensor(Array::zeros({3}, DType::I64), true), doctest::Contains("int64"),
                       Error);
  Tensor labels(Array::zeros({3}, DType::I64));
  CHECK_THROWS_WITH_AS(labels.requires_grad_(), doctest::Contains("int64"), Error);
  Tensor x(Array::zeros({3}, DType::F64), true);
  CHECK_THROWS_WITH_AS((x * 2.0).requires_grad_(false), doctest::Contains("leaf"), Error);
}

TEST_CASE("autograd: error messages name the op and the shapes") {
  const Tensor a(Array::zeros({2, 3}, DType::F64)), b(Array::zeros({4}, DType::F64));
  CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("add"), Error);
  CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("[2, 3]"), Error);
  CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("[4]"), Error);
  const Tensor m(Array::zeros({4, 5}, DType::F64));
  CHECK_THROWS_WITH_AS(matmul(a, m), doctest::Contains("matmul"), Error);
  CHECK_THROWS_WITH_AS(matmul(a, m), doctest::Contains("[4, 5]"), Error);
  CHECK_THROWS_WITH_AS(mse_loss(a, b), doctest::Contains("mse_loss"), Error);
  CHECK_THROWS_WITH_AS(softmax(a, 2), doctest::Contains("softmax"), Error);
  const Tensor f32(Array::zeros({2, 3}, DType::F32));
  CHECK_THROWS_WITH_AS(mul(a, f32), doctest::Contains("float32"), Error);
}

TEST_CASE("autograd: a small network's gradients match finite differences") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  // x [N, I] -> linear -> tanh -> linear -> cross-entropy, plus terms on the hidden layer and the
  // softmax that reuse the same intermediate tensors.
  const int64_t n = 4, in = 3, hidden = 5, classes = 3;
  const Array x = random_array({n, in}, gen), w1 = random_array({hidden, in}, gen);
  const Array b1 = random_array({hidden}, gen), w2 = random_array({classes, hidden}, gen);
  std::vector<double> t(n);
  for (double& e : t) e = static_cast<double>(gen.next_u64() % classes);
  const Array target = Array::from_vector({n}, t, DType::I64);
  GradCheckOptions options;
  options.differentiable = {true, true, true, true, false};
  check_gradients(
      [](const std::vector<Tensor>& p) {
        const Tensor h = tanh(linear(p[0], p[1], p[2]));
        const Tensor logits = linear(h, p[3], Tensor());
        const Tensor ce = cross_entropy(logits, p[4]);
        const Tensor probs = softmax(logits, 1);
        const Tensor reg = mean(sum(pow_scalar(sigmoid(h), 2.0), 1));
        return ce + reg * 0.5 - mean(probs * probs);
      },
      {x, w1, b1, w2, target}, gen.next_u64(), options);
}
