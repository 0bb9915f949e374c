// Max, average and adaptive average pooling: one declarative list of cases run on every backend
// (our CPU and CUDA kernels, cuDNN when built; see backends.h) against version 0 of the ops
// (kernels/reference/pooling.h) in float64 (outputs poisoned, gradient buffers started from
// random values; max pooling on distinct values and on many exact ties); the finite-difference
// check of the autograd ops over the list's small cases; hand-computed windows and bins,
// first-maximum-wins on ties, NaN, and errors.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "backends.h"
#include "kernels/pooling.h"
#include "kernels/reference/pooling.h"
#include "test_util.h"
#ifdef DNAGRAD_WITH_CUDNN
#include "kernels/cudnn/pooling.h"
#endif

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
  Shape x;
  Pool1dParams p;  // kernel, stride, padding, dilation (avg runs with and without counting pads)
};

// Every case runs on every backend (cuDNN: dilation 1 only), in each of its dtypes, as max pooling
// (distinct values, then exact ties) and as average pooling (padding counted, then not).
const std::vector<PoolCase> pool_cases = {
    {{2, 256, 2000}, pool(4, 4)},  // the promoter model's pools at batch 2
    {{2, 128, 500}, pool(4, 4)},
    {{2, 64, 125}, pool(4, 4)},    // length not divisible by the window
    {{8, 256, 2000}, pool(4, 4)},  // and at batch 8
    {{8, 128, 500}, pool(4, 4)},
    {{8, 64, 125}, pool(4, 4)},
    {{2, 3, 8}, pool(2, 2)},         // the plain case
    {{1, 2, 11}, pool(4, 4)},        // batch 1, length not divisible by the pool
    {{2, 2, 9}, pool(3, 2, 1)},      // overlapping windows with padding
    {{2, 1, 10}, pool(3, 1, 1, 2)},  // dilation 2
    {{1, 3, 7}, pool(5, 3, 2)},      // padding = kernel / 2, odd length
    {{2, 2, 5}, pool(1, 2)},         // kernel 1, stride 2
    {{1, 2, 6}, pool(4, 1, 2)},      // padding at both ends
    {{2, 2, 13}, pool(2, 3, 1, 3)},  // stride > kernel, dilation 3
    {{2, 2, 3}, pool(4, 2, 2)},      // kernel longer than the input (legal with padding 2)
    {{1, 3, 37}, pool(3, 1, 1)},     // overlapping windows, batch 1, odd length
    {{2, 5, 31}, pool(5, 2, 2)},     // overlapping, stride 2
    {{2, 4, 40}, pool(3, 2, 1, 2)},  // dilation 2 with stride and padding
    {{1, 2, 3}, pool(3, 3, 1)},      // one window reaching into the padding on both sides
    {{4, 16, 301}, pool(3, 2, 1)},   // overlapping, stride 2, padding
    {{2, 8, 97}, pool(5, 1, 2)},     // overlapping, stride 1, padding on both ends
};

// Adaptive average pooling: x's shape and the number of bins (not on cuDNN, which has none).
struct AdaptiveCase {
  Shape x;
  int64_t out;
};
const std::vector<AdaptiveCase> adaptive_cases = {
    {{2, 3, 10}, 3}, {{2, 3, 7}, 7},     {{2, 3, 5}, 8},    {{2, 3, 13}, 4},   {{2, 3, 125}, 1},
    {{2, 3, 1}, 1},  {{2, 3, 9}, 2},     {{2, 64, 125}, 1}, {{2, 64, 125}, 7}, {{2, 64, 125}, 125},
    {{1, 3, 5}, 12}, {{3, 2, 2000}, 31}, {{1, 1, 1}, 1},    {{2, 2, 9}, 1},    {{2, 2, 10}, 3},
};

std::string describe(const PoolCase& c) {
  return cat("x ", shape_str(c.x), ", kernel ", c.p.kernel, ", stride ", c.p.stride, ", padding ",
             c.p.padding, ", dilation ", c.p.dilation);
}

// x [N, C, L] whose values are distinct and at least 0.1 apart (a shuffled ladder), so max
// pooling has one maximum per window and its finite differences are well defined.
Array ladder(const Shape& shape, Generator& gen) {
  const int64_t n = shape_numel(shape);
  const std::vector<int64_t> order = gen.permutation(n);
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = 0.1 * static_cast<double>(order[i] - n / 2);
  return Array::from_vector(shape, values, DType::F64);
}

// Integers in [0, levels): many exact ties, to test that the first maximum wins.
Array tied(const Shape& shape, Generator& gen, int levels) {
  std::vector<double> values = random_array(shape, gen, DType::F64, 0, levels).to_vector();
  for (double& v : values) v = std::floor(v);
  return Array::from_vector(shape, values, DType::F64);
}

Array vec(const Shape& shape, const std::vector<double>& v, DType dtype = DType::F64) {
  return Array::from_vector(shape, v, dtype);
}

// Pooling on one backend: our kernels through the kernels/pooling.h dispatch (the arrays' device
// picks CPU or CUDA), or cuDNN's reference class (no argmax: its max backward takes x and y).
class PoolOn {
 public:
  PoolOn(Backend backend, const Shape& x_shape, DType dtype)
      : backend_(backend), x_shape_(x_shape), dtype_(dtype) {}
  bool has_argmax() const { return backend_ != Backend::Cudnn; }
  void max_forward(const Array& x, Array& y, Array& argmax, const Pool1dParams& p) {
#ifdef DNAGRAD_WITH_CUDNN
    if (backend_ == Backend::Cudnn) return cudnn(Kind::Max, p).forward(x, y);
#endif
    kernels::maxpool1d_forward(x, y, argmax, p);
  }
  void max_backward(const Array& x, const Array& y, const Array& grad_y, const Array& argmax,
                    Array& grad_x, const Pool1dParams& p) {
#ifdef DNAGRAD_WITH_CUDNN
    if (backend_ == Backend::Cudnn) return cudnn(Kind::Max, p).backward(x, y, grad_y, grad_x);
#endif
    (void)x, (void)y, (void)p;
    kernels::maxpool1d_backward(grad_y, argmax, grad_x);
  }
  void avg_forward(const Array& x, Array& y, const Pool1dParams& p) {
#ifdef DNAGRAD_WITH_CUDNN
    if (backend_ == Backend::Cudnn) return cudnn(Kind::Avg, p).forward(x, y);
#endif
    kernels::avgpool1d_forward(x, y, p);
  }
  void avg_backward(const Array& x, const Array& y, const Array& grad_y, Array& grad_x,
                    const Pool1dParams& p) {
#ifdef DNAGRAD_WITH_CUDNN
    if (backend_ == Backend::Cudnn) return cudnn(Kind::Avg, p).backward(x, y, grad_y, grad_x);
#endif
    (void)x, (void)y;
    kernels::avgpool1d_backward(grad_y, grad_x, p);
  }

 private:
  Backend backend_;
  Shape x_shape_;
  DType dtype_;
#ifdef DNAGRAD_WITH_CUDNN
  using Kind = kernels::cudnn::Pool1d::Kind;
  std::unique_ptr<kernels::cudnn::Pool1d> cudnn_;
  kernels::cudnn::Pool1d& cudnn(Kind kind, const Pool1dParams& p) {
    cudnn_ = std::make_unique<kernels::cudnn::Pool1d>(kind, x_shape_, dtype_, Device::cuda(), p);
    return *cudnn_;
  }
#endif
};

// Max pooling of one case: values, argmax (exact) and the routed gradient.
void check_max(Backend backend, const Array& x, const Pool1dParams& p, Generator& gen) {
  const DType dtype = x.dtype();
  const Shape y_shape{x.size(0), x.size(1), p.out_length(x.size(2))};
  PoolOn pool_on(backend, x.shape(), dtype);
  Array y_ref = Array::empty(y_shape, DType::F64), arg_ref = Array::empty(y_shape, DType::I64);
  kernels::reference::maxpool1d_forward(x, y_ref, arg_ref, p);
  const Array x_on = on_backend(x, backend);
  Array y = poisoned_on(backend, y_shape, dtype);
  Array argmax = on_backend(Array::full(y_shape, -7, DType::I64), backend);
  pool_on.max_forward(x_on, y, argmax, p);
  check_against_reference(y, y_ref, 0, "maxpool y (copied values: exact)");
  if (pool_on.has_argmax()) CHECK(argmax.to(Device::cpu()).to_vector() == arg_ref.to_vector());

  const Array grad_y = random_array(y_shape, gen, dtype), gx0 = random_array(x.shape(), gen, dtype);
  Array gx_ref = as_f64(gx0), gx = on_backend(gx0, backend);
  kernels::reference::maxpool1d_backward(grad_y, arg_ref, gx_ref);
  pool_on.max_backward(x_on, y, on_backend(grad_y, backend), argmax, gx, p);
  check_against_reference(gx, gx_ref, backend_tolerance(backend, dtype),
                          "maxpool grad_x (accumulated onto a random start)");
}

// Average pooling of one case, with and without the padding in the divisor.
void check_avg(Backend backend, const Array& x, Pool1dParams p, Generator& gen) {
  const DType dtype = x.dtype();
  const double tol = backend_tolerance(backend, dtype);
  const Shape y_shape{x.size(0), x.size(1), p.out_length(x.size(2))};
  const Array x_on = on_backend(x, backend);
  for (bool include_pad : {true, false}) {
    INFO("count_include_pad ", include_pad);
    p.count_include_pad = include_pad;
    PoolOn pool_on(backend, x.shape(), dtype);
    Array y_ref = Array::empty(y_shape, DType::F64);
    kernels::reference::avgpool1d_forward(x, y_ref, p);
    Array y = poisoned_on(backend, y_shape, dtype);
    pool_on.avg_forward(x_on, y, p);
    check_against_reference(y, y_ref, tol, "avgpool y");

    const Array grad_y = random_array(y_shape, gen, dtype),
                gx0 = random_array(x.shape(), gen, dtype);
    Array gx_ref = as_f64(gx0), gx = on_backend(gx0, backend);
    kernels::reference::avgpool1d_backward(grad_y, gx_ref, p);
    pool_on.avg_backward(x_on, y, on_backend(grad_y, backend), gx, p);
    check_against_reference(gx, gx_ref, tol, "avgpool grad_x (accumulated onto a random start)");
  }
}

void check_adaptive(Backend backend, const AdaptiveCase& c, DType dtype, Generator& gen) {
  const Shape y_shape{c.x[0], c.x[1], c.out};
  const double tol = backend_tolerance(backend, dtype);
  const Array x = random_array(c.x, gen, dtype), grad_y = random_array(y_shape, gen, dtype),
              gx0 = random_array(c.x, gen, dtype);
  Array y_ref = Array::empty(y_shape, DType::F64), gx_ref = as_f64(gx0);
  kernels::reference::adaptive_avgpool1d_forward(x, y_ref);
  kernels::reference::adaptive_avgpool1d_backward(grad_y, gx_ref);
  Array y = poisoned_on(backend, y_shape, dtype), gx = on_backend(gx0, backend);
  kernels::adaptive_avgpool1d_forward(on_backend(x, backend), y);
  kernels::adaptive_avgpool1d_backward(on_backend(grad_y, backend), gx);
  check_against_reference(y, y_ref, tol, "adaptive y");
  check_against_reference(gx, gx_ref, tol, "adaptive grad_x (accumulated onto a random start)");
}

// Every case of the list on `backend`, in each of its dtypes.
void run_cases(Backend backend, Generator& gen) {
  for (const PoolCase& c : pool_cases) {
    if (backend == Backend::Cudnn && c.p.dilation != 1) continue;  // cuDNN pools undilated only
    for (DType dtype : backend_dtypes(backend)) {
      INFO(dtype_name(dtype), " ", describe(c));
      check_max(backend, ladder(c.x, gen).to(dtype), c.p, gen);
      // cuDNN routes a tie's gradient its own way: only our kernels promise the first maximum.
      if (backend != Backend::Cudnn) {
        INFO("exact ties");
        check_max(backend, tied(c.x, gen, 3).to(dtype), c.p, gen);
      }
      check_avg(backend, random_array(c.x, gen, dtype), c.p, gen);
    }
  }
  if (backend == Backend::Cudnn) return;  // cuDNN has no adaptive pooling
  for (const AdaptiveCase& c : adaptive_cases)
    for (DType dtype : backend_dtypes(backend)) {
      INFO(dtype_name(dtype), " adaptive x ", shape_str(c.x), " -> ", c.out);
      check_adaptive(backend, c, dtype, gen);
    }
}

}  // namespace

DNAGRAD_BACKEND_TEST_CASES("pooling", run_cases)

TEST_SUITE("gpu") {
  TEST_CASE("gpu: maxpool backward rejects an argmax outside the input") {
    if (skip_without_gpu()) return;
    const Array grad_y = on_backend(Array::full({1, 1, 2}, 1.0, DType::F64), Backend::Cuda);
    const Array arg = on_backend(Array::from_vector({1, 1, 2}, {0, 5}, DType::I64), Backend::Cuda);
    Array gx = on_backend(Array::full({1, 1, 4}, 0.0, DType::F64), Backend::Cuda);
    kernels::maxpool1d_backward(grad_y, arg, gx);  // does not wait for the device
    CHECK_THROWS_WITH(gx.to(Device::cpu()), doctest::Contains("element 1, bound 4"));
  }
}

TEST_CASE(
    "pooling gradients match finite differences (float64 through autograd on the small cases)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const PoolCase& c : pool_cases) {
    if (shape_numel(c.x) > 200) continue;  // two forward passes per element
    INFO(describe(c));
    const Pool1dParams p = c.p;
    check_gradients(
        [p](const std::vector<Tensor>& t) {
          return max_pool1d(t[0], p.kernel, p.stride, p.padding, p.dilation);
        },
        {ladder(c.x, gen)}, gen.next_u64());
    if (p.dilation != 1) continue;  // the autograd op avg_pool1d has no dilation
    for (bool include_pad : {true, false})
      check_gradients(
          [p, include_pad](const std::vector<Tensor>& t) {
            return avg_pool1d(t[0], p.kernel, p.stride, p.padding, include_pad);
          },
          {random_array(c.x, gen)}, gen.next_u64());
  }
  for (const AdaptiveCase& c : adaptive_cases) {
    if (shape_numel(c.x) > 200) continue;
    INFO("adaptive x ", shape_str(c.x), " -> ", c.out);
    const int64_t out = c.out;
    check_gradients([out](const std::vector<Tensor>& t) { return adaptive_avg_pool1d(t[0], out); },
                    {random_array(c.x, gen)}, gen.next_u64());
  }
}

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
