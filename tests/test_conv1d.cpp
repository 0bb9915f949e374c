// Conv1d: hand-computed cases, a naive float64 loop reference (forward and all three backward
// kernels, outputs poisoned / gradient buffers pre-filled), finite-difference gradients through
// the autograd op over awkward shapes, float32 at the promoter model's layer shapes, error
// messages, and bitwise repeatability.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/threads.h"
#include "kernels/conv1d.h"
#include "test_util.h"

namespace dnagrad::testing {
namespace {

using kernels::Conv1dParams;

struct ConvCase {
  int64_t n_batch, c_in, c_out, len_in, kernel;
  Conv1dParams p;
  bool bias;
};

// The awkward shapes every conv test sweeps.
const std::vector<ConvCase> conv_cases = {
    {2, 3, 4, 9, 3, {1, 1, 1}, true},    // "same" padding
    {1, 2, 3, 7, 3, {1, 0, 1}, true},    // batch 1, no padding
    {3, 2, 2, 11, 3, {2, 1, 1}, true},   // stride 2, odd length
    {2, 2, 3, 10, 3, {1, 2, 2}, true},   // dilation 2
    {2, 3, 2, 8, 2, {1, 0, 1}, false},   // even kernel, no bias
    {1, 2, 2, 5, 3, {1, 3, 1}, true},    // padding larger than the kernel's half
    {2, 1, 3, 3, 5, {1, 2, 1}, true},    // kernel longer than the input
    {2, 3, 2, 13, 4, {3, 2, 2}, false},  // stride 3 with dilation 2 and padding, no bias
    {2, 4, 3, 6, 1, {1, 0, 1}, true},    // pointwise (K = 1): no im2col
    {2, 3, 2, 7, 1, {2, 1, 1}, true},    // K = 1 with stride and padding
    {2, 3, 2, 5, 1, {1, 1, 1}, false},   // K = 1 with padding: still needs im2col
};

std::string describe(const ConvCase& c) {
  return cat("x [", c.n_batch, ", ", c.c_in, ", ", c.len_in, "], weight [", c.c_out, ", ", c.c_in,
             ", ", c.kernel, "], stride ", c.p.stride, ", padding ", c.p.padding, ", dilation ",
             c.p.dilation, c.bias ? "" : ", no bias");
}

// ---- the naive reference: the definition, looped in double ----

// Input index read by output t through tap k, or -1 in the padding.
int64_t tap_index(int64_t t, int64_t k, int64_t len_in, const Conv1dParams& p) {
  const int64_t i = t * p.stride + k * p.dilation - p.padding;
  return i >= 0 && i < len_in ? i : -1;
}

Array naive_forward(const Array& x, const Array& w, const Array& b, const Conv1dParams& p) {
  const int64_t n_batch = x.size(0), c_in = x.size(1), len_in = x.size(2);
  const int64_t c_out = w.size(0), kernel = w.size(2);
  const int64_t len_out = (len_in + 2 * p.padding - p.dilation * (kernel - 1) - 1) / p.stride + 1;
  const std::vector<double> xv = x.to_vector(), wv = w.to_vector();
  const std::vector<double> bv = b.defined() ? b.to_vector() : std::vector<double>(c_out, 0.0);
  std::vector<double> y(n_batch * c_out * len_out);
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t o = 0; o < c_out; ++o)
      for (int64_t t = 0; t < len_out; ++t) {
        double s = bv[o];
        for (int64_t c = 0; c < c_in; ++c)
          for (int64_t k = 0; k < kernel; ++k) {
            const int64_t i = tap_index(t, k, len_in, p);
            if (i >= 0) s += wv[(o * c_in + c) * kernel + k] * xv[(n * c_in + c) * len_in + i];
          }
        y[(n * c_out + o) * len_out + t] = s;
      }
  return Array::from_vector({n_batch, c_out, len_out}, y, DType::F64);
}

// d(sum(y * g))/dx, /dw, /db for the naive definition.
struct NaiveGrads {
  Array x, w, b;
};
NaiveGrads naive_backward(const Array& g, const Array& x, const Array& w, const Conv1dParams& p) {
  const int64_t n_batch = x.size(0), c_in = x.size(1), len_in = x.size(2);
  const int64_t c_out = w.size(0), kernel = w.size(2), len_out = g.size(2);
  const std::vector<double> xv = x.to_vector(), wv = w.to_vector(), gv = g.to_vector();
  std::vector<double> gx(xv.size(), 0.0), gw(wv.size(), 0.0), gb(c_out, 0.0);
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t o = 0; o < c_out; ++o)
      for (int64_t t = 0; t < len_out; ++t) {
        const double g_t = gv[(n * c_out + o) * len_out + t];
        gb[o] += g_t;
        for (int64_t c = 0; c < c_in; ++c)
          for (int64_t k = 0; k < kernel; ++k) {
            const int64_t i = tap_index(t, k, len_in, p);
            if (i < 0) continue;
            gx[(n * c_in + c) * len_in + i] += wv[(o * c_in + c) * kernel + k] * g_t;
            gw[(o * c_in + c) * kernel + k] += xv[(n * c_in + c) * len_in + i] * g_t;
          }
      }
  return {Array::from_vector(x.shape(), gx, DType::F64),
          Array::from_vector(w.shape(), gw, DType::F64),
          Array::from_vector({c_out}, gb, DType::F64)};
}

// a + b elementwise, in float64 (for "pre-filled buffer + gradient" expectations).
Array plus(const Array& a, const Array& b) {
  std::vector<double> va = a.to_vector();
  const std::vector<double> vb = b.to_vector();
  for (size_t i = 0; i < va.size(); ++i) va[i] += vb[i];
  return Array::from_vector(a.shape(), va, DType::F64);
}

// Normwise closeness for float32 results: every element within rel * max|expected|.
void require_close_scaled(const Array& actual, const Array& expected, double rel) {
  double scale = 0;
  for (double v : expected.to_vector()) scale = std::max(scale, std::abs(v));
  require_close(actual.to(DType::F64), expected, rel, rel * scale);
}

bool bitwise_equal(const Array& a, const Array& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

}  // namespace

TEST_CASE("conv1d forward and backward: hand-computed single-channel cases") {
  // x = [1 2 3 4 5], w = [1 0 -1], bias 0.5, padding 1:
  //   y[t] = x[t-1] - x[t+1] + 0.5 = [0-2, 1-3, 2-4, 3-5, 4-0] + 0.5
  const Array x = Array::from_vector({1, 1, 5}, {1, 2, 3, 4, 5}, DType::F64);
  const Array w = Array::from_vector({1, 1, 3}, {1, 0, -1}, DType::F64);
  const Array b = Array::from_vector({1}, {0.5}, DType::F64);
  const Conv1dParams p{1, 1, 1};
  Array y = poisoned({1, 1, 5});
  kernels::conv1d_forward(x, w, b, y, p);
  require_close(y, Array::from_vector({1, 1, 5}, {-1.5, -1.5, -1.5, -1.5, 4.5}, DType::F64));

  // grad_y = ones: grad_x[i] = sum of the taps that read x[i] = [w0+w1, w0+w1+w2 (x3), w1+w2]
  //               = [1, 0, 0, 0, -1]; grad_w[k] = sum of x over the positions tap k reads:
  //   k=0 reads x[-1..3] = 0+1+2+3+4 = 10, k=1 reads x[0..4] = 15, k=2 reads x[1..5] = 14;
  //   grad_b = 5. Buffers start at 1 to show the kernels add.
  const Array g = Array::full({1, 1, 5}, 1.0, DType::F64);
  Array gx = Array::full({1, 1, 5}, 1.0, DType::F64);
  Array gw = Array::full({1, 1, 3}, 1.0, DType::F64);
  Array gb = Array::full({1}, 1.0, DType::F64);
  kernels::conv1d_backward_input(g, w, gx, p);
  kernels::conv1d_backward_weight(g, x, gw, p);
  kernels::conv1d_backward_bias(g, gb);
  require_close(gx, Array::from_vector({1, 1, 5}, {2, 1, 1, 1, 0}, DType::F64));
  require_close(gw, Array::from_vector({1, 1, 3}, {11, 16, 15}, DType::F64));
  require_close(gb, Array::from_vector({1}, {6}, DType::F64));

  // Stride 2, dilation 2, no padding: x = [1..7], w = [1 2] -> y[t] = x[2t] + 2*x[2t+2]
  //   = [1+6, 3+10, 5+14] = [7, 13, 19] (L_out = (7 - 2 - 1)/2 + 1 = 3), no bias.
  const Array x2 = Array::from_vector({1, 1, 7}, {1, 2, 3, 4, 5, 6, 7}, DType::F64);
  const Array w2 = Array::from_vector({1, 1, 2}, {1, 2}, DType::F64);
  Array y2 = poisoned({1, 1, 3});
  kernels::conv1d_forward(x2, w2, Array(), y2, Conv1dParams{2, 0, 2});
  require_close(y2, Array::from_vector({1, 1, 3}, {7, 13, 19}, DType::F64));

  // Two input channels, two outputs, K = 1: y[o] = w[o,0]*x[0] + w[o,1]*x[1] + b[o].
  const Array x3 = Array::from_vector({1, 2, 2}, {1, 2, 10, 20}, DType::F32);
  const Array w3 = Array::from_vector({2, 2, 1}, {1, 1, 2, -1}, DType::F32);
  const Array b3 = Array::from_vector({2}, {0, 100}, DType::F32);
  Array y3 = poisoned({1, 2, 2}, DType::F32);
  kernels::conv1d_forward(x3, w3, b3, y3, Conv1dParams{});
  require_close(y3, Array::from_vector({1, 2, 2}, {11, 22, 92, 84}, DType::F32));
}

TEST_CASE("conv1d kernels match a naive float64 loop (assign forward, accumulate backward)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (DType dtype : {DType::F64, DType::F32}) {
    const double tol = dtype == DType::F64 ? 1e-12 : 1e-5;
    for (const ConvCase& c : conv_cases) {
      INFO(dtype_name(dtype), " ", describe(c));
      const Array x = random_array({c.n_batch, c.c_in, c.len_in}, gen, dtype);
      const Array w = random_array({c.c_out, c.c_in, c.kernel}, gen, dtype);
      const Array b = c.bias ? random_array({c.c_out}, gen, dtype) : Array();
      const int64_t len_out = c.p.out_length(c.len_in, c.kernel);
      const Array g = random_array({c.n_batch, c.c_out, len_out}, gen, dtype);
      const Array y_ref = naive_forward(x, w, b, c.p);
      const NaiveGrads ref = naive_backward(g, x, w, c.p);

      Array y = poisoned(y_ref.shape(), dtype);
      kernels::conv1d_forward(x, w, b, y, c.p);
      require_close_scaled(y, y_ref, tol);

      const Array gx0 = random_array(x.shape(), gen, dtype);
      const Array gw0 = random_array(w.shape(), gen, dtype);
      const Array gb0 = random_array({c.c_out}, gen, dtype);
      Array gx = gx0.clone(), gw = gw0.clone(), gb = gb0.clone();
      kernels::conv1d_backward_input(g, w, gx, c.p);
      kernels::conv1d_backward_weight(g, x, gw, c.p);
      kernels::conv1d_backward_bias(g, gb);
      require_close_scaled(gx, plus(gx0, ref.x), tol);
      require_close_scaled(gw, plus(gw0, ref.w), tol);
      require_close_scaled(gb, plus(gb0, ref.b), tol);
    }
  }
}

TEST_CASE("conv1d gradients match finite differences (float64, through autograd)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const ConvCase& c : conv_cases) {
    INFO(describe(c));
    std::vector<Array> inputs = {random_array({c.n_batch, c.c_in, c.len_in}, gen),
                                 random_array({c.c_out, c.c_in, c.kernel}, gen)};
    if (c.bias) inputs.push_back(random_array({c.c_out}, gen));
    const Conv1dParams p = c.p;
    check_gradients(
        [p](const std::vector<Tensor>& t) {
          return conv1d(t[0], t[1], t.size() > 2 ? t[2] : Tensor(), p.stride, p.padding,
                        p.dilation);
        },
        inputs, gen.next_u64());
  }
}

TEST_CASE("conv1d float32 at the promoter model's layer shapes matches the float64 reference") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  // Conv1d(4->256, k15, p7) on one-hot-like input of length 2000, then (after MaxPool4)
  // Conv1d(256->128, k5, p2) on 500, then Conv1d(128->64, k3, p1) on 125. Batch 2.
  const std::vector<ConvCase> layers = {{2, 4, 256, 2000, 15, {1, 7, 1}, true},
                                        {2, 256, 128, 500, 5, {1, 2, 1}, true},
                                        {2, 128, 64, 125, 3, {1, 1, 1}, true}};
  for (const ConvCase& c : layers) {
    INFO(describe(c));
    const Array x = random_array({c.n_batch, c.c_in, c.len_in}, gen, DType::F32);
    const double bound = 1.0 / std::sqrt(static_cast<double>(c.c_in * c.kernel));  // init scale
    const Array w = random_array({c.c_out, c.c_in, c.kernel}, gen, DType::F32, -bound, bound);
    const Array b = random_array({c.c_out}, gen, DType::F32, -bound, bound);
    const Array g = random_array({c.n_batch, c.c_out, c.len_in}, gen, DType::F32);
    const Array y_ref = naive_forward(x, w, b, c.p);
    const NaiveGrads ref = naive_backward(g, x, w, c.p);

    Array y = poisoned(y_ref.shape(), DType::F32);
    kernels::conv1d_forward(x, w, b, y, c.p);
    Array gx = Array::zeros(x.shape(), DType::F32), gw = Array::zeros(w.shape(), DType::F32);
    Array gb = Array::zeros({c.c_out}, DType::F32);
    kernels::conv1d_backward_input(g, w, gx, c.p);
    kernels::conv1d_backward_weight(g, x, gw, c.p);
    kernels::conv1d_backward_bias(g, gb);
    // Float32 sums of up to C_in*K = 1280 (forward, grad_x) or N*L = 4000 (grad_w) terms.
    require_close_scaled(y, y_ref, 2e-5);
    require_close_scaled(gx, ref.x, 2e-5);
    require_close_scaled(gw, ref.w, 2e-5);
    require_close_scaled(gb, ref.b, 2e-5);
  }
}

TEST_CASE("conv1d backward_weight is bitwise repeatable and agrees across thread counts") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Conv1dParams p{1, 2, 1};
  const Array x = random_array({7, 16, 60}, gen, DType::F32);
  const Array g = random_array({7, 8, 60}, gen, DType::F32);
  const Array gw0 = random_array({8, 16, 5}, gen, DType::F32);
  auto run = [&] {
    Array gw = gw0.clone();
    kernels::conv1d_backward_weight(g, x, gw, p);
    return gw;
  };
  const Array first = run();
  CHECK(bitwise_equal(first, run()));

  const int saved_threads = num_threads();
  set_num_threads(1);
  const Array single = run();
  set_num_threads(saved_threads);
  require_close_scaled(single, first.to(DType::F64), 1e-6);
}

TEST_CASE("conv1d kernels reject mismatched shapes with the op's name") {
  const Array x = Array::zeros({2, 3, 10}, DType::F64);
  const Array w = Array::zeros({4, 3, 3}, DType::F64);
  const Conv1dParams p{1, 1, 1};
  Array y = Array::zeros({2, 4, 10}, DType::F64);

  Array wrong_len = Array::zeros({2, 4, 9}, DType::F64);
  CHECK_THROWS_WITH_AS(kernels::conv1d_forward(x, w, Array(), wrong_len, p),
                       doctest::Contains("conv1d_forward"), Error);
  const Array wrong_channels = Array::zeros({4, 2, 3}, DType::F64);
  CHECK_THROWS_WITH_AS(kernels::conv1d_forward(x, wrong_channels, Array(), y, p),
                       doctest::Contains("[4, 2, 3]"), Error);
  const Array wrong_bias = Array::zeros({3}, DType::F64);
  CHECK_THROWS_AS(kernels::conv1d_forward(x, w, wrong_bias, y, p), Error);
  const Array float_w = Array::zeros({4, 3, 3}, DType::F32);
  CHECK_THROWS_AS(kernels::conv1d_forward(x, float_w, Array(), y, p), Error);
  CHECK_THROWS_AS(kernels::conv1d_forward(x, w, Array(), y, Conv1dParams{0, 1, 1}), Error);
  Array gx = Array::zeros({2, 3, 11}, DType::F64);
  CHECK_THROWS_WITH_AS(kernels::conv1d_backward_input(y, w, gx, p),
                       doctest::Contains("conv1d_backward_input"), Error);
  Array gw = Array::zeros({4, 3, 2}, DType::F64);
  CHECK_THROWS_WITH_AS(kernels::conv1d_backward_weight(y, x, gw, p),
                       doctest::Contains("conv1d_backward_weight"), Error);
  Array gb = Array::zeros({5}, DType::F64);
  CHECK_THROWS_WITH_AS(kernels::conv1d_backward_bias(y, gb),
                       doctest::Contains("conv1d_backward_bias"), Error);

  // A dilated kernel (span 1 + 3*1 = 4) longer than the padded input (1 + 2 = 3): PyTorch refuses
  // it even though the truncating out_length formula gives 1.
  const Array short_x = Array::zeros({1, 1, 1}, DType::F64);
  const Array w2 = Array::zeros({1, 1, 2}, DType::F64);
  Array y1 = Array::zeros({1, 1, 1}, DType::F64);
  CHECK_THROWS_AS(kernels::conv1d_forward(short_x, w2, Array(), y1, Conv1dParams{4, 1, 3}), Error);
}

}  // namespace dnagrad::testing
