// Elementwise kernels (kernels/elementwise.h): broadcasting binary ops, unary ops, accumulation.
// Forward values against hand computations and a naive per-element reference; gradients by
// finite differences through the autograd ops; outputs poisoned to prove assignment and gradient
// buffers pre-filled to prove accumulation.
#include <cmath>
#include <limits>

#include "kernels/checks.h"
#include "kernels/elementwise.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;
using kernels::BinaryOp;
using kernels::UnaryOp;

namespace {

const BinaryOp kBinaryOps[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div};

// A label for failures: the op's name as its errors spell it.
const char* name_of(BinaryOp op) { return kernels::binary_name(op); }

double apply(BinaryOp op, double x, double y) {
  switch (op) {
    case BinaryOp::Add:
      return x + y;
    case BinaryOp::Sub:
      return x - y;
    case BinaryOp::Mul:
      return x * y;
    case BinaryOp::Div:
      return x / y;
  }
  return 0;
}

Tensor apply(BinaryOp op, const Tensor& a, const Tensor& b) {
  switch (op) {
    case BinaryOp::Add:
      return add(a, b);
    case BinaryOp::Sub:
      return sub(a, b);
    case BinaryOp::Mul:
      return mul(a, b);
    case BinaryOp::Div:
      return div(a, b);
  }
  return {};
}

// Row-major multi-index of element `flat` of `shape`.
std::vector<int64_t> unravel(int64_t flat, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

// Offset in an input of shape `in` of the element that out's `index` reads under broadcasting.
int64_t source_offset(const Shape& in, const Shape& out, const std::vector<int64_t>& index) {
  const size_t lead = out.size() - in.size();
  int64_t offset = 0;
  for (size_t i = 0; i < in.size(); ++i)
    offset = offset * in[i] + (in[i] == 1 ? 0 : index[lead + i]);
  return offset;
}

struct ShapePair {
  Shape a, b;
};

// Pairs that broadcast, from trivial to awkward; the last two are large enough to run in parallel.
const ShapePair kPairs[] = {
    {{3, 4}, {3, 4}}, {{3, 1, 5}, {4, 1}},     {{}, {2, 3}},
    {{2, 3}, {}},     {{2, 3}, {3}},           {{4, 1}, {1, 5}},
    {{1}, {2, 2}},    {{2, 1, 3}, {2, 4, 1}},  {{2, 3, 4}, {3, 4}},
    {{5}, {5}},       {{64, 33, 40}, {33, 1}}, {{70000}, {1}},
};

// a and b with values safe for every op (b away from 0 for div).
std::pair<Array, Array> random_operands(const ShapePair& p, Generator& gen, DType dtype) {
  Array a = random_array(p.a, gen, dtype, -2, 2);
  Array b = random_array(p.b, gen, dtype, 0.5, 2);
  return {a, b};
}

}  // namespace

TEST_CASE("elementwise: binary ops on a hand example with broadcasting") {
  for (DType dtype : {DType::F32, DType::F64}) {
    const Array a = Array::from_vector({2, 1}, {1, 2}, dtype);
    const Array b = Array::from_vector({3}, {10, 20, 40}, dtype);
    Array out = poisoned({2, 3}, dtype);
    kernels::binary_forward(BinaryOp::Add, a, b, out);
    require_close(out, Array::from_vector({2, 3}, {11, 21, 41, 12, 22, 42}, DType::F64).to(dtype));
    out = poisoned({2, 3}, dtype);
    kernels::binary_forward(BinaryOp::Sub, a, b, out);
    require_close(out, Array::from_vector({2, 3}, {-9, -19, -39, -8, -18, -38}).to(dtype));
    out = poisoned({2, 3}, dtype);
    kernels::binary_forward(BinaryOp::Mul, a, b, out);
    require_close(out, Array::from_vector({2, 3}, {10, 20, 40, 20, 40, 80}).to(dtype));
    out = poisoned({2, 3}, dtype);
    kernels::binary_forward(BinaryOp::Div, b, a, out);  // [3] / [2, 1]
    require_close(out, Array::from_vector({2, 3}, {10, 20, 40, 5, 10, 20}).to(dtype));
  }
}

TEST_CASE("elementwise: binary forward matches a naive broadcast over many shapes") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const ShapePair& p : kPairs) {
    for (DType dtype : {DType::F32, DType::F64}) {
      const auto [a, b] = random_operands(p, gen, dtype);
      const Shape shape = broadcast_shapes(p.a, p.b, "test");
      const std::vector<double> va = a.to_vector(), vb = b.to_vector();
      for (BinaryOp op : kBinaryOps) {
        INFO(std::string(name_of(op)), " of ", shape_str(p.a), " and ", shape_str(p.b), " in ",
             std::string(dtype_name(dtype)));
        std::vector<double> expected(shape_numel(shape));
        for (int64_t o = 0; o < shape_numel(shape); ++o) {
          const auto index = unravel(o, shape);
          expected[o] =
              apply(op, va[source_offset(p.a, shape, index)], vb[source_offset(p.b, shape, index)]);
        }
        Array out = poisoned(shape, dtype);
        kernels::binary_forward(op, a, b, out);
        require_close(out, Array::from_vector(shape, expected, DType::F64), 1e-6, 1e-6);
      }
    }
  }
}

TEST_CASE("elementwise: binary backward sums over broadcast dimensions and accumulates") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const ShapePair& p : kPairs) {
    const auto [a, b] = random_operands(p, gen, DType::F64);
    const Shape shape = broadcast_shapes(p.a, p.b, "test");
    const Array g = random_array(shape, gen);
    const std::vector<double> va = a.to_vector(), vb = b.to_vector(), vg = g.to_vector();
    for (BinaryOp op : kBinaryOps) {
      INFO(std::string(name_of(op)), " of ", shape_str(p.a), " and ", shape_str(p.b));
      const Array start_a = random_array(p.a, gen), start_b = random_array(p.b, gen);
      std::vector<double> expect_a = start_a.to_vector(), expect_b = start_b.to_vector();
      for (int64_t o = 0; o < shape_numel(shape); ++o) {
        const auto index = unravel(o, shape);
        const int64_t ia = source_offset(p.a, shape, index), ib = source_offset(p.b, shape, index);
        const double x = va[ia], y = vb[ib], gv = vg[o];
        switch (op) {
          case BinaryOp::Add:
            expect_a[ia] += gv;
            expect_b[ib] += gv;
            break;
          case BinaryOp::Sub:
            expect_a[ia] += gv;
            expect_b[ib] -= gv;
            break;
          case BinaryOp::Mul:
            expect_a[ia] += gv * y;
            expect_b[ib] += gv * x;
            break;
          case BinaryOp::Div:
            expect_a[ia] += gv / y;
            expect_b[ib] -= gv * x / (y * y);
            break;
        }
      }
      Array grad_a = start_a.clone(), grad_b = start_b.clone();
      kernels::binary_backward(op, a, b, g, &grad_a, &grad_b);
      require_close(grad_a, Array::from_vector(p.a, expect_a, DType::F64), 1e-9, 1e-9);
      require_close(grad_b, Array::from_vector(p.b, expect_b, DType::F64), 1e-9, 1e-9);
      // Either gradient may be skipped.
      Array only_b = start_b.clone();
      kernels::binary_backward(op, a, b, g, nullptr, &only_b);
      require_close(only_b, grad_b, 1e-12, 0);
    }
  }
}

TEST_CASE("elementwise: binary gradients match finite differences, broadcasting included") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const ShapePair& p : kPairs) {
    if (shape_numel(broadcast_shapes(p.a, p.b, "test")) > 1000) continue;  // keep it quick
    const auto [a, b] = random_operands(p, gen, DType::F64);
    for (BinaryOp op : kBinaryOps) {
      INFO(std::string(name_of(op)), " of ", shape_str(p.a), " and ", shape_str(p.b));
      check_gradients([op](const std::vector<Tensor>& in) { return apply(op, in[0], in[1]); },
                      {a, b}, gen.next_u64());
    }
  }
  // The same tensor on both sides: both contributions land in one gradient.
  const Array x = random_array({3, 2}, gen, DType::F64, 0.5, 2);
  for (BinaryOp op : kBinaryOps) {
    INFO(std::string(name_of(op)), " of x with itself");
    check_gradients([op](const std::vector<Tensor>& in) { return apply(op, in[0], in[0]); }, {x},
                    gen.next_u64());
  }
}

TEST_CASE("elementwise: binary ops reject shapes that do not broadcast, naming op and shapes") {
  const Array a = Array::zeros({2, 3}, DType::F64), b = Array::zeros({4}, DType::F64);
  Array out = Array::zeros({2, 3}, DType::F64);
  CHECK_THROWS_WITH_AS(kernels::binary_forward(BinaryOp::Mul, a, b, out),
                       doctest::Contains("mul: shapes [2, 3] and [4]"), Error);
  const Array c = Array::zeros({3}, DType::F64);
  Array wrong = Array::zeros({3, 3}, DType::F64);
  CHECK_THROWS_WITH_AS(kernels::binary_forward(BinaryOp::Add, a, c, wrong),
                       doctest::Contains("add: output has shape [3, 3]"), Error);
  const Array f32 = Array::zeros({3});
  CHECK_THROWS_AS(kernels::binary_forward(BinaryOp::Add, a, f32, out), Error);
}

TEST_CASE("elementwise: unary ops on hand examples, float and double") {
  const double inf = std::numeric_limits<double>::infinity();
  for (DType dtype : {DType::F32, DType::F64}) {
    INFO(std::string(dtype_name(dtype)));
    const Array x = Array::from_vector({5}, {-2, -0.5, 0, 1, 3}, dtype);
    auto run = [&](UnaryOp op, double s, const Array& in) {
      Array y = poisoned(in.shape(), dtype);
      kernels::unary_forward(op, in, s, y);
      return y;
    };
    auto expect = [&](std::vector<double> v) { return Array::from_vector({5}, v, DType::F64); };
    require_close(run(UnaryOp::Neg, 0, x), expect({2, 0.5, 0, -1, -3}));
    require_close(run(UnaryOp::AddScalar, 1.5, x), expect({-0.5, 1, 1.5, 2.5, 4.5}));
    require_close(run(UnaryOp::MulScalar, -2, x), expect({4, 1, 0, -2, -6}));
    require_close(run(UnaryOp::PowScalar, 2, x), expect({4, 0.25, 0, 1, 9}));
    require_close(run(UnaryOp::ReLU, 0, x), expect({0, 0, 0, 1, 3}));
    require_close(run(UnaryOp::Exp, 0, x),
                  expect({std::exp(-2.0), std::exp(-0.5), 1, M_E, std::exp(3.0)}), 1e-6);
    require_close(run(UnaryOp::Tanh, 0, x),
                  expect({std::tanh(-2.0), std::tanh(-0.5), 0, std::tanh(1.0), std::tanh(3.0)}),
                  1e-6);
    const Array pos = Array::from_vector({5}, {1, M_E, 0.5, 4, 0}, dtype);
    const Array logs = run(UnaryOp::Log, 0, pos);
    const double expected_logs[] = {0, 1, std::log(0.5), std::log(4.0)};
    for (int64_t i = 0; i < 4; ++i) CHECK(logs.at({i}) == doctest::Approx(expected_logs[i]));
    CHECK(logs.at({4}) == -inf);  // log 0
    require_close(run(UnaryOp::PowScalar, 0.5, pos),
                  expect({1, std::sqrt(M_E), std::sqrt(0.5), 2, 0}), 1e-6);
    // Sigmoid: 1/2 at 0, and no overflow or NaN far out on either side.
    const Array wide = Array::from_vector({5}, {-1000, -30, 0, 30, 1000}, dtype);
    const Array s = run(UnaryOp::Sigmoid, 0, wide);
    require_close(s, expect({0, 1 / (1 + std::exp(30.0)), 0.5, 1 / (1 + std::exp(-30.0)), 1}), 1e-5,
                  1e-300);
  }
}

TEST_CASE("elementwise: unary ops on a large array match std:: in double (parallel path)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array x = random_array({100003}, gen, DType::F32, -20, 20);
  const std::vector<double> v = x.to_vector();
  struct Case {
    UnaryOp op;
    double (*f)(double);
  };
  const Case cases[] = {
      {UnaryOp::Exp, [](double t) { return std::exp(t); }},
      {UnaryOp::Tanh, [](double t) { return std::tanh(t); }},
      {UnaryOp::Sigmoid, [](double t) { return 1 / (1 + std::exp(-t)); }},
      {UnaryOp::ReLU, [](double t) { return t > 0 ? t : 0; }},
  };
  for (const Case& c : cases) {
    INFO("op ", static_cast<int>(c.op));
    std::vector<double> expected(v.size());
    for (size_t i = 0; i < v.size(); ++i) expected[i] = c.f(v[i]);
    Array y = poisoned(x.shape(), DType::F32);
    kernels::unary_forward(c.op, x, 0, y);
    require_close(y, Array::from_vector(x.shape(), expected, DType::F64), 1e-5, 1e-12);
  }
}

TEST_CASE("elementwise: unary gradients match finite differences") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    double lo, hi;  // input range where the op is smooth
  };
  const Case cases[] = {
      {"neg", [](const Tensor& t) { return neg(t); }, -2, 2},
      {"add_scalar", [](const Tensor& t) { return add_scalar(t, 0.7); }, -2, 2},
      {"mul_scalar", [](const Tensor& t) { return mul_scalar(t, -1.3); }, -2, 2},
      {"pow_scalar 3", [](const Tensor& t) { return pow_scalar(t, 3); }, -2, 2},
      {"pow_scalar 2", [](const Tensor& t) { return pow_scalar(t, 2); }, -2, 2},
      {"pow_scalar 0.5", [](const Tensor& t) { return pow_scalar(t, 0.5); }, 0.5, 2},
      {"pow_scalar -1.5", [](const Tensor& t) { return pow_scalar(t, -1.5); }, 0.5, 2},
      {"pow_scalar 0", [](const Tensor& t) { return pow_scalar(t, 0); }, -2, 2},
      {"exp", [](const Tensor& t) { return exp(t); }, -3, 3},
      {"log", [](const Tensor& t) { return log(t); }, 0.2, 3},
      {"relu", [](const Tensor& t) { return relu(t); }, -2, 2},
      {"sigmoid", [](const Tensor& t) { return sigmoid(t); }, -6, 6},
      {"tanh", [](const Tensor& t) { return tanh(t); }, -3, 3},
  };
  for (const Case& c : cases) {
    for (const Shape& shape : {Shape{}, Shape{7}, Shape{2, 3, 4}}) {
      INFO(std::string(c.name), " on ", shape_str(shape));
      const Array x = random_array(shape, gen, DType::F64, c.lo, c.hi);
      check_gradients([&](const std::vector<Tensor>& in) { return c.f(in[0]); }, {x},
                      gen.next_u64());
    }
  }
}

TEST_CASE("elementwise: unary backward accumulates, and relu's gradient at 0 is 0") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array x = Array::from_vector({4}, {-1, 0, 2, 0}, DType::F64);
  const Array g = Array::from_vector({4}, {1, 1, 1, 5}, DType::F64);
  Array y = poisoned({4});
  kernels::unary_forward(UnaryOp::ReLU, x, 0, y);
  const Array start = random_array({4}, gen);
  Array gx = start.clone();
  kernels::unary_backward(UnaryOp::ReLU, x, y, 0, g, gx);
  const std::vector<double> s = start.to_vector();
  require_close(gx, Array::from_vector({4}, {s[0], s[1], s[2] + 1, s[3]}, DType::F64), 1e-12, 0);

  // Sigmoid's backward reads the saved output: dy/dx = y (1 - y).
  const Array z = random_array({6}, gen, DType::F64, -3, 3);
  Array sz = Array::empty({6}, DType::F64);
  kernels::unary_forward(UnaryOp::Sigmoid, z, 0, sz);
  const Array gz = random_array({6}, gen), start_z = random_array({6}, gen);
  Array grad_z = start_z.clone();
  kernels::unary_backward(UnaryOp::Sigmoid, z, sz, 0, gz, grad_z);
  std::vector<double> expected = start_z.to_vector();
  for (int i = 0; i < 6; ++i) expected[i] += gz.at({i}) * sz.at({i}) * (1 - sz.at({i}));
  require_close(grad_z, Array::from_vector({6}, expected, DType::F64), 1e-12, 1e-15);
  // ... and insists on having it.
  CHECK_THROWS_AS(kernels::unary_backward(UnaryOp::Sigmoid, z, Array(), 0, gz, grad_z), Error);
}

TEST_CASE("elementwise: accumulate and accumulate_product add into dst") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (DType dtype : {DType::F32, DType::F64}) {
    for (int64_t n : {int64_t{5}, int64_t{50001}}) {
      const Array a = random_array({n}, gen, dtype), b = random_array({n}, gen, dtype);
      const Array start = random_array({n}, gen, dtype);
      Array dst = start.clone();
      kernels::accumulate(dst, a.reshape({1, n}), -0.5);  // same element count is enough
      Array dst2 = start.clone();
      kernels::accumulate_product(dst2, a, b);
      std::vector<double> e1 = start.to_vector(), e2 = start.to_vector();
      const std::vector<double> va = a.to_vector(), vb = b.to_vector();
      for (int64_t i = 0; i < n; ++i) {
        e1[i] += -0.5 * va[i];
        e2[i] += va[i] * vb[i];
      }
      require_close(dst, Array::from_vector({n}, e1, DType::F64), 1e-6, 1e-6);
      require_close(dst2, Array::from_vector({n}, e2, DType::F64), 1e-6, 1e-6);
    }
  }
  Array small = Array::zeros({3}, DType::F64);
  CHECK_THROWS_WITH_AS(kernels::accumulate(small, Array::zeros({4}, DType::F64)),
                       doctest::Contains("accumulate"), Error);
}

TEST_CASE("elementwise: accumulate widens float32 into a float64 sum exactly, never narrows") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (int64_t n : {int64_t{1}, int64_t{50001}}) {
    const Array src = random_array({n}, gen, DType::F32),
                start = random_array({n}, gen, DType::F64);
    Array dst = start.clone();
    kernels::accumulate(dst, src, 37.0);
    kernels::accumulate(dst, src, 1.0);
    // A float32 times a small integer is exact in double, so these are the same double sums.
    const std::vector<double> s = src.to_vector();
    std::vector<double> expected = start.to_vector();
    for (int64_t i = 0; i < n; ++i) expected[i] = expected[i] + 37.0 * s[i] + s[i];
    CHECK(dst.to_vector() == expected);
  }
  Array narrow = Array::zeros({2}, DType::F32);
  CHECK_THROWS_WITH_AS(kernels::accumulate(narrow, Array::zeros({2}, DType::F64)),
                       doctest::Contains("different types"), Error);
}
