// Matrix product and linear kernels (kernels/matmul.h): against a hand example and a naive triple
// loop for every transpose combination, assign vs accumulate, and gradients by finite differences.
#include "core/threads.h"
#include "kernels/matmul.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

// c[m, p] = sum_k op(a)[m, k] op(b)[k, p], in double.
std::vector<double> naive_matmul(const Array& a, const Array& b, bool trans_a, bool trans_b) {
  const int64_t m = a.size(trans_a ? 1 : 0), k = a.size(trans_a ? 0 : 1);
  const int64_t p = b.size(trans_b ? 0 : 1);
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  std::vector<double> c(m * p, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < p; ++j)
      for (int64_t l = 0; l < k; ++l)
        c[i * p + j] +=
            (trans_a ? va[l * m + i] : va[i * k + l]) * (trans_b ? vb[j * k + l] : vb[l * p + j]);
  return c;
}

}  // namespace

TEST_CASE("matmul: a 2x2 hand example") {
  for (DType dtype : {DType::F32, DType::F64}) {
    const Array a = Array::from_vector({2, 2}, {1, 2, 3, 4}, dtype);
    const Array b = Array::from_vector({2, 2}, {5, 6, 7, 8}, dtype);
    Array c = poisoned({2, 2}, dtype);
    kernels::matmul(a, b, c);
    require_close(c, Array::from_vector({2, 2}, {19, 22, 43, 50}, DType::F64));
    c = poisoned({2, 2}, dtype);
    kernels::matmul(a, b, c, true, false);  // a^T b
    require_close(c, Array::from_vector({2, 2}, {26, 30, 38, 44}, DType::F64));
  }
}

TEST_CASE("matmul: every transpose combination, assigned and accumulated, vs a naive loop") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  struct Dims {
    int64_t m, k, p;
  };
  for (const Dims d :
       {Dims{1, 1, 1}, Dims{3, 5, 2}, Dims{7, 1, 4}, Dims{17, 33, 9}, Dims{64, 70, 65},
        Dims{300, 70, 130}, Dims{130, 70, 300}}) {  // the last two are shared out by rows, columns
    for (DType dtype : {DType::F32, DType::F64}) {
      for (int flags = 0; flags < 4; ++flags) {
        const bool ta = flags & 1, tb = flags & 2;
        INFO("M ", d.m, " K ", d.k, " P ", d.p, " trans_a ", ta, " trans_b ", tb, " ",
             std::string(dtype_name(dtype)));
        const Array a = random_array(ta ? Shape{d.k, d.m} : Shape{d.m, d.k}, gen, dtype);
        const Array b = random_array(tb ? Shape{d.p, d.k} : Shape{d.k, d.p}, gen, dtype);
        const std::vector<double> expected = naive_matmul(a, b, ta, tb);
        Array c = poisoned({d.m, d.p}, dtype);
        kernels::matmul(a, b, c, ta, tb, false);
        const double tol = dtype == DType::F32 ? 1e-5 : 1e-12;
        require_close(c, Array::from_vector({d.m, d.p}, expected, DType::F64), tol, tol);

        const Array start = random_array({d.m, d.p}, gen, dtype);
        Array acc = start.clone();
        kernels::matmul(a, b, acc, ta, tb, true);
        std::vector<double> sum = start.to_vector();
        for (size_t i = 0; i < sum.size(); ++i) sum[i] += expected[i];
        require_close(acc, Array::from_vector({d.m, d.p}, sum, DType::F64), tol, tol);
      }
    }
  }
}

TEST_CASE("matmul: a product shared out over threads is bitwise the same on one thread") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const int saved_threads = num_threads();
  for (const bool tall : {true, false}) {  // cut by rows, by columns
    const Shape a_shape = tall ? Shape{400, 96} : Shape{96, 96};
    const Shape b_shape = tall ? Shape{96, 96} : Shape{96, 400};
    const Array a = random_array(a_shape, gen, DType::F32),
                b = random_array(b_shape, gen, DType::F32);
    Array c_one = poisoned({a_shape[0], b_shape[1]}, DType::F32), c_two = c_one.clone();
    set_num_threads(1);
    kernels::matmul(a, b, c_one);
    set_num_threads(2);
    kernels::matmul(a, b, c_two);
    set_num_threads(saved_threads);
    CHECK(bitwise_equal(c_two, c_one));
    require_close(c_two,
                  Array::from_vector(c_one.shape(), naive_matmul(a, b, false, false), DType::F64),
                  1e-5, 1e-5);
  }
}

TEST_CASE("matmul: an empty inner dimension gives zeros") {
  const Array a = Array::zeros({3, 0}, DType::F64), b = Array::zeros({0, 2}, DType::F64);
  Array c = poisoned({3, 2});
  kernels::matmul(a, b, c);
  require_close(c, Array::zeros({3, 2}, DType::F64));
  Array acc = Array::full({3, 2}, 5, DType::F64);
  kernels::matmul(a, b, acc, false, false, true);  // accumulating nothing leaves c as it was
  require_close(acc, Array::full({3, 2}, 5, DType::F64));
}

TEST_CASE("matmul: mismatched shapes are an error naming both") {
  const Array a = Array::zeros({2, 3}, DType::F64), b = Array::zeros({4, 5}, DType::F64);
  Array c = Array::zeros({2, 5}, DType::F64);
  CHECK_THROWS_WITH_AS(kernels::matmul(a, b, c), doctest::Contains("[2, 3]"), Error);
  CHECK_THROWS_WITH_AS(kernels::matmul(a, b, c), doctest::Contains("[4, 5]"), Error);
  CHECK_THROWS_WITH_AS(matmul(Tensor(a), Tensor(b)), doctest::Contains("matmul"), Error);
}

TEST_CASE("linear: forward vs a naive loop, with and without bias") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (DType dtype : {DType::F32, DType::F64}) {
    const int64_t n = 5, in = 7, out = 3;
    const Array x = random_array({n, in}, gen, dtype), w = random_array({out, in}, gen, dtype);
    const Array bias = random_array({out}, gen, dtype);
    for (bool with_bias : {false, true}) {
      std::vector<double> expected(n * out);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t o = 0; o < out; ++o) {
          double s = with_bias ? bias.at({o}) : 0.0;
          for (int64_t k = 0; k < in; ++k) s += x.at({i, k}) * w.at({o, k});
          expected[i * out + o] = s;
        }
      Array y = poisoned({n, out}, dtype);
      kernels::linear_forward(x, w, with_bias ? bias : Array(), y);
      require_close(y, Array::from_vector({n, out}, expected, DType::F64), 1e-5, 1e-6);
    }
  }
}

TEST_CASE("linear: backward accumulates g W, g^T x and column sums of g") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const int64_t n = 4, in = 6, out = 3;
  const Array x = random_array({n, in}, gen), w = random_array({out, in}, gen);
  const Array g = random_array({n, out}, gen);
  const Array sx = random_array({n, in}, gen), sw = random_array({out, in}, gen),
              sb = random_array({out}, gen);
  Array gx = sx.clone(), gw = sw.clone(), gb = sb.clone();
  kernels::linear_backward(g, x, w, &gx, &gw, &gb);
  std::vector<double> ex = sx.to_vector(), ew = sw.to_vector(), eb = sb.to_vector();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t o = 0; o < out; ++o) {
      eb[o] += g.at({i, o});
      for (int64_t k = 0; k < in; ++k) {
        ex[i * in + k] += g.at({i, o}) * w.at({o, k});
        ew[o * in + k] += g.at({i, o}) * x.at({i, k});
      }
    }
  require_close(gx, Array::from_vector({n, in}, ex, DType::F64), 1e-12, 1e-12);
  require_close(gw, Array::from_vector({out, in}, ew, DType::F64), 1e-12, 1e-12);
  require_close(gb, Array::from_vector({out}, eb, DType::F64), 1e-12, 1e-12);
  // Null pointers skip a gradient.
  Array only_bias = sb.clone();
  kernels::linear_backward(g, x, w, nullptr, nullptr, &only_bias);
  require_close(only_bias, gb, 1e-12, 0);
}

TEST_CASE("matmul and linear: gradients match finite differences") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const auto& [m, k, p] :
       {std::tuple{1, 1, 1}, std::tuple{3, 4, 2}, std::tuple{5, 1, 3}, std::tuple{2, 6, 7}}) {
    INFO("matmul [", m, ", ", k, "] x [", k, ", ", p, "]");
    check_gradients([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); },
                    {random_array({m, k}, gen), random_array({k, p}, gen)}, gen.next_u64());
  }
  for (const auto& [n, in, out] : {std::tuple{1, 1, 1}, std::tuple{4, 3, 5}, std::tuple{6, 8, 2}}) {
    INFO("linear N ", n, " I ", in, " O ", out);
    const Array x = random_array({n, in}, gen), w = random_array({out, in}, gen);
    check_gradients([](const std::vector<Tensor>& t) { return linear(t[0], t[1], t[2]); },
                    {x, w, random_array({out}, gen)}, gen.next_u64());
    check_gradients([](const std::vector<Tensor>& t) { return linear(t[0], t[1], Tensor()); },
                    {x, w}, gen.next_u64());
  }
  // x used as both factors: x^T x collects both contributions.
  check_gradients(
      [](const std::vector<Tensor>& t) {
        return matmul(permute(t[0], {1, 0}), t[0]);
      },
      {random_array({4, 3}, gen)}, gen.next_u64());
}
