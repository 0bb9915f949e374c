// Max, average and adaptive average pooling: hand-computed windows and bins, first-maximum-wins
// on exact ties, a naive float64 loop reference (outputs poisoned, gradient buffers pre-filled),
// finite-difference gradients through the autograd ops over awkward shapes, and errors.
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/pooling.h"
#include "test_util.h"

namespace dnagrad::testing {
namespace {

using kernels::Pool1dParams;

Pool1dParams pool(int64_t kernel, int64_t stride, int64_t padding = 0, int64_t dilation = 1,
                  bool count_include_pad = true) {
  Pool1dParams p;
  p.kernel = kernel;
  p.stride = stride;
  p.padding = padding;
  p.dilation = dilation;
  p.count_include_pad = count_include_pad;
  return p;
}

struct PoolCase {
  int64_t n_batch, channels, len;
  Pool1dParams p;
};

std::string describe(const PoolCase& c) {
  return cat("x [", c.n_batch, ", ", c.channels, ", ", c.len, "], kernel ", c.p.kernel, ", stride ",
             c.p.stride, ", padding ", c.p.padding, ", dilation ", c.p.dilation,
             c.p.count_include_pad ? "" : ", padding not counted");
}

// Max pool shapes (avg pool uses the ones with dilation 1).
const std::vector<PoolCase> pool_cases = {
    {2, 3, 8, pool(2, 2)},               // the plain case
    {1, 2, 11, pool(4, 4)},              // batch 1, length not divisible by the pool
    {2, 2, 9, pool(3, 2, 1)},            // overlapping windows with padding
    {2, 1, 10, pool(3, 1, 1, 2)},        // dilation 2
    {1, 3, 7, pool(5, 3, 2)},            // padding = kernel / 2, odd length
    {2, 2, 5, pool(1, 2)},               // kernel 1, stride 2
    {1, 2, 6, pool(4, 1, 2, 1, false)},  // padding at both ends, not counted (avg)
    {2, 2, 13, pool(2, 3, 1, 3)},        // stride > kernel, dilation 3
    {2, 2, 3, pool(4, 2, 2)},            // kernel longer than the input (legal with padding 2)
};

// x [N, C, L] whose values are distinct and at least 0.1 apart (a shuffled ladder), so max
// pooling has no near-ties and its finite differences are well defined.
Array ladder(const Shape& shape, Generator& gen) {
  const int64_t n = shape_numel(shape);
  const std::vector<int64_t> order = gen.permutation(n);
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = 0.1 * static_cast<double>(order[i] - n / 2);
  return Array::from_vector(shape, values, DType::F64);
}

// The window of output t as input indices, padding dropped.
std::vector<int64_t> window(int64_t t, int64_t len, const Pool1dParams& p) {
  std::vector<int64_t> idx;
  for (int64_t k = 0; k < p.kernel; ++k) {
    const int64_t i = t * p.stride - p.padding + k * p.dilation;
    if (i >= 0 && i < len) idx.push_back(i);
  }
  return idx;
}

// Naive max pool: y, argmax (as doubles) and, for grad_y g, grad_x.
struct NaiveMax {
  Array y, argmax, grad_x;
};
NaiveMax naive_max(const Array& x, const Array& g, const Pool1dParams& p) {
  const int64_t rows = x.size(0) * x.size(1), len = x.size(2), len_out = g.size(2);
  const std::vector<double> xv = x.to_vector(), gv = g.to_vector();
  std::vector<double> y(rows * len_out), arg(rows * len_out), gx(xv.size(), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < len_out; ++t) {
      int64_t best = -1;
      for (int64_t i : window(t, len, p))
        if (best < 0 || xv[r * len + i] > xv[r * len + best]) best = i;
      y[r * len_out + t] = xv[r * len + best];
      arg[r * len_out + t] = static_cast<double>(best);
      gx[r * len + best] += gv[r * len_out + t];
    }
  const Shape out = g.shape();
  return {Array::from_vector(out, y, DType::F64), Array::from_vector(out, arg, DType::F64),
          Array::from_vector(x.shape(), gx, DType::F64)};
}

// Naive average pool: y and grad_x.
std::pair<Array, Array> naive_avg(const Array& x, const Array& g, const Pool1dParams& p) {
  const int64_t rows = x.size(0) * x.size(1), len = x.size(2), len_out = g.size(2);
  const std::vector<double> xv = x.to_vector(), gv = g.to_vector();
  std::vector<double> y(rows * len_out), gx(xv.size(), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < len_out; ++t) {
      const std::vector<int64_t> idx = window(t, len, p);
      const double divisor = p.count_include_pad ? p.kernel : static_cast<double>(idx.size());
      double s = 0;
      for (int64_t i : idx) s += xv[r * len + i];
      y[r * len_out + t] = s / divisor;
      for (int64_t i : idx) gx[r * len + i] += gv[r * len_out + t] / divisor;
    }
  return {Array::from_vector(g.shape(), y, DType::F64),
          Array::from_vector(x.shape(), gx, DType::F64)};
}

// Naive adaptive average pool with PyTorch's bins, written with floating-point floor/ceil.
std::pair<Array, Array> naive_adaptive(const Array& x, const Array& g) {
  const int64_t rows = x.size(0) * x.size(1), len = x.size(2), out = g.size(2);
  const std::vector<double> xv = x.to_vector(), gv = g.to_vector();
  std::vector<double> y(rows * out), gx(xv.size(), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < out; ++i) {
      const auto begin = static_cast<int64_t>(std::floor(double(i * len) / double(out)));
      const auto end = static_cast<int64_t>(std::ceil(double((i + 1) * len) / double(out)));
      double s = 0;
      for (int64_t j = begin; j < end; ++j) s += xv[r * len + j];
      const double count = double(end - begin);
      y[r * out + i] = s / count;
      for (int64_t j = begin; j < end; ++j) gx[r * len + j] += gv[r * out + i] / count;
    }
  return {Array::from_vector(g.shape(), y, DType::F64),
          Array::from_vector(x.shape(), gx, DType::F64)};
}

Array plus(const Array& a, const Array& b) {
  std::vector<double> va = a.to_vector();
  const std::vector<double> vb = b.to_vector();
  for (size_t i = 0; i < va.size(); ++i) va[i] += vb[i];
  return Array::from_vector(a.shape(), va, DType::F64);
}

Array vec(const Shape& shape, const std::vector<double>& v, DType dtype = DType::F64) {
  return Array::from_vector(shape, v, dtype);
}

}  // namespace

TEST_CASE("max_pool1d: hand-computed windows, argmax and gradient routing") {
  const Array x = vec({1, 1, 7}, {1, 3, 2, 5, 4, 0, 7});
  struct Expect {
    Pool1dParams p;
    std::vector<double> y, argmax;
  };
  const std::vector<Expect> cases = {
      // windows [1 3] [2 5] [4 0] (the 7 is dropped: 7 is not divisible by 2)
      {pool(2, 2), {3, 5, 4}, {1, 3, 4}},
      // padding 1: [pad 1 3] [3 2 5] [5 4 0] [0 7 pad]
      {pool(3, 2, 1), {3, 5, 5, 7}, {1, 3, 3, 6}},
      // dilation 2: (x[t], x[t+2]) = (1,2) (3,5) (2,4) (5,0) (4,7)
      {pool(2, 1, 0, 2), {2, 5, 4, 5, 7}, {2, 3, 4, 3, 6}},
  };
  for (const Expect& e : cases) {
    const int64_t len_out = e.p.out_length(7);
    Array y = poisoned({1, 1, len_out});
    Array argmax = Array::full({1, 1, len_out}, -7, DType::I64);
    kernels::maxpool1d_forward(x, y, argmax, e.p);
    require_close(y, vec({1, 1, len_out}, e.y));
    CHECK(argmax.to_vector() == e.argmax);
  }
  // Backward of the padded case with grad_y = [1 10 100 1000] onto a buffer of ones:
  // index 1 gets 1, index 3 gets 10 + 100, index 6 gets 1000.
  Array grad_x = Array::full({1, 1, 7}, 1.0, DType::F64);
  const Array argmax = Array::from_vector({1, 1, 4}, {1, 3, 3, 6}, DType::I64);
  kernels::maxpool1d_backward(vec({1, 1, 4}, {1, 10, 100, 1000}), argmax, grad_x);
  require_close(grad_x, vec({1, 1, 7}, {1, 2, 1, 111, 1, 1, 1001}));
}

TEST_CASE("max_pool1d: on exact ties the first maximum wins, forward and backward") {
  // Windows of 2 with stride 1 over [2 2 1 2 2]: [2 2] [2 1] [1 2] [2 2] -> argmax 0 1 3 3.
  Tensor x(vec({1, 1, 5}, {2, 2, 1, 2, 2}), true);
  const Tensor y = max_pool1d(x, 2, 1);
  require_close(y.data(), vec({1, 1, 4}, {2, 2, 2, 2}));
  y.backward(Array::full({1, 1, 4}, 1.0, DType::F64));
  require_close(x.grad(), vec({1, 1, 5}, {1, 1, 0, 2, 0}));

  // One window over four equal values: only the first gets the gradient. Float32 as well.
  Tensor x4(vec({1, 1, 4}, {-3, -3, -3, -3}, DType::F32), true);
  const Tensor y4 = max_pool1d(x4, 4);
  y4.backward(Array::full({1, 1, 1}, 5.0, DType::F32));
  require_close(x4.grad(), vec({1, 1, 4}, {5, 0, 0, 0}, DType::F32));
}

TEST_CASE("max_pool1d: a NaN in the window is the maximum, as in PyTorch") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Array x = vec({1, 1, 4}, {1, nan, 3, 2});
  Array y = poisoned({1, 1, 2});
  Array argmax = Array::zeros({1, 1, 2}, DType::I64);
  kernels::maxpool1d_forward(x, y, argmax, pool(2, 2));
  CHECK(std::isnan(y.at({0, 0, 0})));
  CHECK(y.at({0, 0, 1}) == 3);
  CHECK(argmax.to_vector() == std::vector<double>{1, 2});
}

TEST_CASE("avg_pool1d: hand-computed windows with and without counting the padding") {
  // x = [1 2 3 4 5], kernel 3, stride 2, padding 1: windows [pad 1 2] [2 3 4] [4 5 pad].
  const Array x = vec({1, 1, 5}, {1, 2, 3, 4, 5});
  Array y = poisoned({1, 1, 3});
  kernels::avgpool1d_forward(x, y, pool(3, 2, 1));
  require_close(y, vec({1, 1, 3}, {1, 3, 3}));  // (0+1+2)/3, 9/3, (4+5+0)/3
  kernels::avgpool1d_forward(x, y, pool(3, 2, 1, 1, false));
  require_close(y, vec({1, 1, 3}, {1.5, 3, 4.5}));  // 3/2, 9/3, 9/2

  // Backward, grad_y = [3 6 9] onto ones: counted padding spreads g/3 over each window's real
  // elements: x0 += 1, x1 += 1 + 2, x2 += 2, x3 += 2 + 3, x4 += 3.
  Array grad_x = Array::full({1, 1, 5}, 1.0, DType::F64);
  kernels::avgpool1d_backward(vec({1, 1, 3}, {3, 6, 9}), grad_x, pool(3, 2, 1));
  require_close(grad_x, vec({1, 1, 5}, {2, 4, 3, 6, 4}));
}

TEST_CASE("adaptive_avg_pool1d: PyTorch's bins, hand-checked") {
  // L = 10, out = 3: bins [0,4) [3,7) [6,10) (they overlap). x = i^2:
  //   (0+1+4+9)/4 = 3.5, (9+16+25+36)/4 = 21.5, (36+49+64+81)/4 = 57.5.
  const Array x = vec({1, 1, 10}, {0, 1, 4, 9, 16, 25, 36, 49, 64, 81});
  Array y = poisoned({1, 1, 3});
  kernels::adaptive_avgpool1d_forward(x, y);
  require_close(y, vec({1, 1, 3}, {3.5, 21.5, 57.5}));
  // grad_y = [1 2 3] onto zeros: each bin adds g/4 to its 4 elements; 3 and 6 are in two bins.
  Array grad_x = Array::zeros({1, 1, 10}, DType::F64);
  kernels::adaptive_avgpool1d_backward(vec({1, 1, 3}, {1, 2, 3}), grad_x);
  require_close(grad_x,
                vec({1, 1, 10}, {0.25, 0.25, 0.25, 0.75, 0.5, 0.5, 1.25, 0.75, 0.75, 0.75}));

  // out > L: L = 3, out = 5 -> bins [0,1) [0,2) [1,2) [1,3) [2,3).
  const Array x3 = vec({1, 1, 3}, {2, 4, 8});
  Array y5 = poisoned({1, 1, 5});
  kernels::adaptive_avgpool1d_forward(x3, y5);
  require_close(y5, vec({1, 1, 5}, {2, 3, 4, 6, 8}));

  // out = 1 is the global average (the promoter model's last pool).
  Array y1 = poisoned({1, 1, 1});
  kernels::adaptive_avgpool1d_forward(x3, y1);
  require_close(y1, vec({1, 1, 1}, {14.0 / 3}));
}

TEST_CASE("pooling kernels match a naive float64 loop (assign forward, accumulate backward)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (DType dtype : {DType::F64, DType::F32}) {
    const double tol = dtype == DType::F64 ? 1e-12 : 1e-6;
    for (const PoolCase& c : pool_cases) {
      INFO(dtype_name(dtype), " ", describe(c));
      const Array x = ladder({c.n_batch, c.channels, c.len}, gen).to(dtype);
      const int64_t len_out = c.p.out_length(c.len);
      const Shape out = {c.n_batch, c.channels, len_out};
      const Array g = random_array(out, gen, dtype);
      const Array gx0 = random_array(x.shape(), gen, dtype);

      const NaiveMax ref = naive_max(x, g, c.p);
      Array y = poisoned(out, dtype);
      Array argmax = Array::full(out, -1, DType::I64);
      kernels::maxpool1d_forward(x, y, argmax, c.p);
      require_close(y, ref.y, tol, tol);
      CHECK(argmax.to_vector() == ref.argmax.to_vector());
      Array gx = gx0.clone();
      kernels::maxpool1d_backward(g, argmax, gx);
      require_close(gx, plus(gx0, ref.grad_x), tol, tol);

      if (c.p.dilation != 1) continue;  // average pooling has no dilation
      const auto [y_avg, gx_avg] = naive_avg(x, g, c.p);
      y = poisoned(out, dtype);
      kernels::avgpool1d_forward(x, y, c.p);
      require_close(y, y_avg, tol, tol);
      gx = gx0.clone();
      kernels::avgpool1d_backward(g, gx, c.p);
      require_close(gx, plus(gx0, gx_avg), tol, tol);
    }
    for (const auto& [len, out] : std::vector<std::pair<int64_t, int64_t>>{
             {10, 3}, {7, 7}, {5, 8}, {13, 4}, {125, 1}, {1, 1}, {9, 2}}) {
      INFO(dtype_name(dtype), " adaptive L ", len, " -> ", out);
      const Array x = random_array({2, 3, len}, gen, dtype);
      const Array g = random_array({2, 3, out}, gen, dtype);
      const Array gx0 = random_array(x.shape(), gen, dtype);
      const auto [y_ref, gx_ref] = naive_adaptive(x, g);
      Array y = poisoned({2, 3, out}, dtype);
      kernels::adaptive_avgpool1d_forward(x, y);
      require_close(y, y_ref, tol, tol);
      Array gx = gx0.clone();
      kernels::adaptive_avgpool1d_backward(g, gx);
      require_close(gx, plus(gx0, gx_ref), tol, tol);
    }
  }
}

TEST_CASE("pooling gradients match finite differences (float64, through autograd)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const PoolCase& c : pool_cases) {
    INFO(describe(c));
    const Pool1dParams p = c.p;
    const Array x = ladder({c.n_batch, c.channels, c.len}, gen);
    check_gradients(
        [p](const std::vector<Tensor>& t) {
          return max_pool1d(t[0], p.kernel, p.stride, p.padding, p.dilation);
        },
        {x}, gen.next_u64());
    if (p.dilation != 1) continue;
    check_gradients(
        [p](const std::vector<Tensor>& t) {
          return avg_pool1d(t[0], p.kernel, p.stride, p.padding, p.count_include_pad);
        },
        {random_array(x.shape(), gen)}, gen.next_u64());
  }
  for (const auto& [len, out] :
       std::vector<std::pair<int64_t, int64_t>>{{10, 3}, {5, 8}, {13, 4}, {9, 1}}) {
    INFO("adaptive L ", len, " -> ", out);
    const int64_t out_size = out;
    check_gradients(
        [out_size](const std::vector<Tensor>& t) { return adaptive_avg_pool1d(t[0], out_size); },
        {random_array({2, 2, len}, gen)}, gen.next_u64());
  }
}

TEST_CASE("pooling kernels reject mismatched shapes with the op's name") {
  const Array x = Array::zeros({2, 3, 8}, DType::F64);
  Array y = Array::zeros({2, 3, 4}, DType::F64);
  Array argmax = Array::zeros({2, 3, 4}, DType::I64);
  Array wrong = Array::zeros({2, 3, 5}, DType::F64);
  CHECK_THROWS_WITH_AS(kernels::maxpool1d_forward(x, wrong, argmax, pool(2, 2)),
                       doctest::Contains("maxpool1d_forward"), Error);
  Array float_argmax = Array::zeros({2, 3, 4}, DType::F64);
  CHECK_THROWS_AS(kernels::maxpool1d_forward(x, y, float_argmax, pool(2, 2)), Error);
  CHECK_THROWS_AS(kernels::maxpool1d_forward(x, y, argmax, pool(2, 2, 2)), Error);  // pad > k/2
  Array gx = Array::zeros({2, 3, 8}, DType::F64);
  const Array bad_argmax = Array::full({2, 3, 4}, 8, DType::I64);  // 8 is outside [0, 8)
  CHECK_THROWS_WITH_AS(kernels::maxpool1d_backward(y, bad_argmax, gx),
                       doctest::Contains("maxpool1d_backward"), Error);
  CHECK_THROWS_WITH_AS(kernels::avgpool1d_forward(x, wrong, pool(2, 2)),
                       doctest::Contains("avgpool1d_forward"), Error);
  CHECK_THROWS_AS(kernels::avgpool1d_backward(wrong, gx, pool(2, 2)), Error);
  Array y_f32 = Array::zeros({2, 3, 2}, DType::F32);
  CHECK_THROWS_WITH_AS(kernels::adaptive_avgpool1d_forward(x, y_f32),
                       doctest::Contains("adaptive_avgpool1d_forward"), Error);
  Array wrong_rows = Array::zeros({2, 2, 2}, DType::F64);
  CHECK_THROWS_AS(kernels::adaptive_avgpool1d_backward(wrong_rows, gx), Error);
}

}  // namespace dnagrad::testing
