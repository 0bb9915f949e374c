// Softmax and log-softmax kernels (kernels/softmax.h): hand values, stability for huge logits,
// a naive reference along every dimension, gradients by finite differences on dims 0, 1 and -1.
#include <cmath>

#include "kernels/softmax.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

TEST_CASE("softmax: softmax of (0, ln 2, ln 3) is (1/6, 2/6, 3/6)") {
  for (DType dtype : {DType::F32, DType::F64}) {
    const Array x = Array::from_vector({3}, {0, std::log(2.0), std::log(3.0)}, dtype);
    Array y = poisoned({3}, dtype);
    kernels::softmax_forward(x, 0, false, y);
    require_close(y, Array::from_vector({3}, {1.0 / 6, 2.0 / 6, 3.0 / 6}, DType::F64), 1e-6);
    Array ly = poisoned({3}, dtype);
    kernels::softmax_forward(x, 0, true, ly);
    require_close(
        ly,
        Array::from_vector({3}, {std::log(1.0 / 6), std::log(2.0 / 6), std::log(0.5)}, DType::F64),
        1e-6);
  }
}

TEST_CASE("softmax: huge logits neither overflow nor lose the answer") {
  for (DType dtype : {DType::F32, DType::F64}) {
    const Array x = Array::from_vector({2, 2}, {1000, 1000, -1000, 0}, dtype);
    Array y = poisoned({2, 2}, dtype);
    kernels::softmax_forward(x, 1, false, y);
    require_close(y, Array::from_vector({2, 2}, {0.5, 0.5, 0, 1}, DType::F64), 1e-6, 1e-30);
    Array ly = poisoned({2, 2}, dtype);
    kernels::softmax_forward(x, 1, true, ly);
    require_close(
        ly, Array::from_vector({2, 2}, {-std::log(2.0), -std::log(2.0), -1000, 0}, DType::F64),
        1e-6, 1e-6);
  }
}

TEST_CASE("softmax: matches a naive reference along every dimension") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const Shape& shape : {Shape{7}, Shape{3, 4}, Shape{2, 3, 5}, Shape{40, 30, 50}}) {
    const Array x = random_array(shape, gen, DType::F64, -5, 5);
    const std::vector<double> v = x.to_vector();
    for (int dim = 0; dim < static_cast<int>(shape.size()); ++dim) {
      INFO("shape ", shape_str(shape), " dim ", dim);
      int64_t inner = 1;
      for (size_t d = dim + 1; d < shape.size(); ++d) inner *= shape[d];
      const int64_t len = shape[dim];
      std::vector<double> expected(v.size()), expected_log(v.size());
      for (int64_t i = 0; i < x.numel(); ++i) {
        const int64_t first = i - ((i / inner) % len) * inner;  // same lane, index 0 along dim
        double total = 0;
        for (int64_t d = 0; d < len; ++d) total += std::exp(v[first + d * inner]);
        expected[i] = std::exp(v[i]) / total;
        expected_log[i] = v[i] - std::log(total);
      }
      Array y = poisoned(shape), ly = poisoned(shape);
      kernels::softmax_forward(x, dim, false, y);
      kernels::softmax_forward(x, dim, true, ly);
      require_close(y, Array::from_vector(shape, expected, DType::F64), 1e-12, 1e-15);
      require_close(ly, Array::from_vector(shape, expected_log, DType::F64), 1e-12, 1e-12);
    }
  }
}

TEST_CASE("softmax: gradients match finite differences on dims 0, 1 and -1") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const Shape& shape : {Shape{5}, Shape{3, 4}, Shape{2, 3, 4}}) {
    const Array x = random_array(shape, gen, DType::F64, -3, 3);
    for (int64_t dim : {int64_t{0}, int64_t{1}, int64_t{-1}}) {
      if (dim >= static_cast<int64_t>(shape.size())) continue;
      INFO("shape ", shape_str(shape), " dim ", dim);
      check_gradients([dim](const std::vector<Tensor>& in) { return softmax(in[0], dim); }, {x},
                      gen.next_u64());
      check_gradients([dim](const std::vector<Tensor>& in) { return log_softmax(in[0], dim); }, {x},
                      gen.next_u64());
    }
  }
}

TEST_CASE("softmax: backward accumulates y (g - sum g y) and g - e^y sum g") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array x = random_array({2, 3}, gen), g = random_array({2, 3}, gen),
              start = random_array({2, 3}, gen);
  for (bool log : {false, true}) {
    INFO("log ", log);
    Array y = poisoned({2, 3});
    kernels::softmax_forward(x, 1, log, y);
    Array gx = start.clone();
    kernels::softmax_backward(y, g, 1, log, gx);
    std::vector<double> expected = start.to_vector();
    for (int64_t r = 0; r < 2; ++r) {
      double dot = 0, total = 0;
      for (int64_t c = 0; c < 3; ++c) {
        dot += g.at({r, c}) * y.at({r, c});
        total += g.at({r, c});
      }
      for (int64_t c = 0; c < 3; ++c)
        expected[r * 3 + c] += log ? g.at({r, c}) - std::exp(y.at({r, c})) * total
                                   : y.at({r, c}) * (g.at({r, c}) - dot);
    }
    require_close(gx, Array::from_vector({2, 3}, expected, DType::F64), 1e-12, 1e-14);
  }
  Array y = poisoned({2, 3});
  CHECK_THROWS_WITH_AS(kernels::softmax_forward(x, 2, false, y), doctest::Contains("softmax"),
                       Error);
}
