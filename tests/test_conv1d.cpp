// Conv1d: one declarative list of cases run on every backend (our CPU and CUDA kernels, cuDNN
// when built; see backends.h) against version 0 of the op (kernels/reference/conv1d.h) in float64,
// forward with and without bias (outputs poisoned) and the three backward kernels (gradient
// buffers started from random values, so overwriting instead of accumulating fails); the
// finite-difference check of the autograd op over the list's small cases; hand-computed cases,
// bitwise repeatability, and error messages.
#include <algorithm>
#include <memory>
#include <vector>

#include "backends.h"
#include "core/threads.h"
#include "kernels/conv1d.h"
#include "kernels/reference/conv1d.h"
#include "test_util.h"
#ifdef DNAGRAD_WITH_CUDNN
#include "kernels/cudnn/conv1d.h"
#endif

namespace dnagrad::testing {
namespace {

using kernels::Conv1dParams;

struct ConvCase {
  int64_t n_batch, c_in, c_out, len_in, kernel;
  Conv1dParams p;  // stride, padding, dilation
};

// Every case runs on every backend, in each of its dtypes, with and without bias.
const std::vector<ConvCase> conv_cases = {
    // the promoter model's layers: Conv1d(4->256, k15, p7) on one-hot DNA of length 2000, then
    // (after MaxPool4) Conv1d(256->128, k5, p2) on 500, then Conv1d(128->64, k3, p1) on 125
    {2, 4, 256, 2000, 15, {1, 7, 1}},
    {2, 256, 128, 500, 5, {1, 2, 1}},
    {2, 128, 64, 125, 3, {1, 1, 1}},
    {8, 4, 256, 2000, 15, {1, 7, 1}},  // the same at batch 8
    {8, 256, 128, 500, 5, {1, 2, 1}},
    {8, 128, 64, 125, 3, {1, 1, 1}},
    // awkward shapes
    {2, 3, 4, 9, 3, {1, 1, 1}},        // "same" padding
    {1, 2, 3, 7, 3, {1, 0, 1}},        // batch 1, no padding
    {3, 2, 2, 11, 3, {2, 1, 1}},       // stride 2, odd length
    {2, 2, 3, 10, 3, {1, 2, 2}},       // dilation 2
    {2, 3, 2, 8, 2, {1, 0, 1}},        // even kernel
    {1, 2, 2, 5, 3, {1, 3, 1}},        // padding larger than the kernel's half
    {2, 1, 3, 3, 5, {1, 2, 1}},        // kernel longer than the input
    {2, 3, 2, 13, 4, {3, 2, 2}},       // stride 3 with dilation 2 and padding
    {2, 4, 3, 6, 1, {1, 0, 1}},        // pointwise (K = 1): no im2col
    {2, 3, 2, 7, 1, {2, 1, 1}},        // K = 1 with stride and padding
    {2, 3, 2, 5, 1, {1, 1, 1}},        // K = 1 with padding: still needs im2col
    {1, 3, 5, 7, 1, {1, 0, 1}},        // batch 1, odd length, K = 1
    {2, 3, 5, 7, 1, {1, 0, 1}},        // K = 1, batch 2
    {1, 5, 3, 4, 9, {1, 4, 1}},        // K larger than L, with padding
    {2, 5, 3, 4, 9, {1, 4, 1}},        // the same at batch 2
    {3, 6, 7, 37, 5, {1, 4, 2}},       // dilation 2 with padding
    {4, 16, 24, 300, 3, {1, 2, 2}},    // dilation 2, more channels
    {2, 5, 9, 33, 4, {2, 1, 1}},       // stride 2, even K
    {4, 16, 32, 301, 5, {2, 2, 1}},    // stride 2, odd K
    {2, 3, 40, 301, 7, {3, 3, 2}},     // stride 3 and dilation 2, partial channel tiles
    {2, 8, 40, 257, 7, {3, 3, 2}},     // the same with more input channels
    {1, 2, 3, 900, 2, {400, 0, 1}},    // huge stride: the CUDA forward falls back to direct
    {1, 2, 3, 6100, 2, {1, 0, 6000}},  // huge dilation: every CUDA kernel falls back to direct
    {1, 40, 33, 129, 3, {1, 1, 1}},    // just over one CUDA tile in L and channels
};

std::string describe(const ConvCase& c) {
  return cat("x [", c.n_batch, ", ", c.c_in, ", ", c.len_in, "], weight [", c.c_out, ", ", c.c_in,
             ", ", c.kernel, "], stride ", c.p.stride, ", padding ", c.p.padding, ", dilation ",
             c.p.dilation);
}

// Conv1d on one backend: our kernels through the kernels/conv1d.h dispatch (the arrays' device
// picks CPU or CUDA), or cuDNN's reference class, built for the case's shapes.
class ConvOn {
 public:
  ConvOn(Backend backend, const ConvCase& c, DType dtype) : p_(c.p) {
#ifdef DNAGRAD_WITH_CUDNN
    if (backend == Backend::Cudnn)
      cudnn_ = std::make_unique<kernels::cudnn::Conv1d>(Shape{c.n_batch, c.c_in, c.len_in},
                                                        Shape{c.c_out, c.c_in, c.kernel}, dtype,
                                                        Device::cuda(), c.p);
#else
    (void)backend, (void)c, (void)dtype;
#endif
  }
  void forward(const Array& x, const Array& w, const Array& b, Array& y) {
#ifdef DNAGRAD_WITH_CUDNN
    if (cudnn_) return cudnn_->forward(x, w, b, y);
#endif
    kernels::conv1d_forward(x, w, b, y, p_);
  }
  void backward_input(const Array& grad_y, const Array& w, Array& grad_x) {
#ifdef DNAGRAD_WITH_CUDNN
    if (cudnn_) return cudnn_->backward_input(grad_y, w, grad_x);
#endif
    kernels::conv1d_backward_input(grad_y, w, grad_x, p_);
  }
  void backward_weight(const Array& grad_y, const Array& x, Array& grad_w) {
#ifdef DNAGRAD_WITH_CUDNN
    if (cudnn_) return cudnn_->backward_weight(grad_y, x, grad_w);
#endif
    kernels::conv1d_backward_weight(grad_y, x, grad_w, p_);
  }
  // cuDNN's reference class has no bias gradient.
  bool has_backward_bias() const {
#ifdef DNAGRAD_WITH_CUDNN
    if (cudnn_) return false;
#endif
    return true;
  }
  void backward_bias(const Array& grad_y, Array& grad_b) {
    kernels::conv1d_backward_bias(grad_y, grad_b);
  }

 private:
  Conv1dParams p_;
#ifdef DNAGRAD_WITH_CUDNN
  std::unique_ptr<kernels::cudnn::Conv1d> cudnn_;
#endif
};

// One case on one backend in one dtype: fresh inputs of that dtype, the float64 reference on
// exactly those values, the backend's results checked against it.
void run_case(Backend backend, const ConvCase& c, DType dtype, Generator& gen) {
  const Shape x_shape{c.n_batch, c.c_in, c.len_in}, w_shape{c.c_out, c.c_in, c.kernel},
      y_shape{c.n_batch, c.c_out, c.p.out_length(c.len_in, c.kernel)};
  const double tol = backend_tolerance(backend, dtype);
  const Array x = random_array(x_shape, gen, dtype), w = random_array(w_shape, gen, dtype),
              b = random_array({c.c_out}, gen, dtype), grad_y = random_array(y_shape, gen, dtype);
  const Array x_on = on_backend(x, backend), w_on = on_backend(w, backend),
              grad_y_on = on_backend(grad_y, backend);
  ConvOn conv(backend, c, dtype);

  for (bool with_bias : {true, false}) {
    const Array bias = with_bias ? b : Array();
    Array y_ref = Array::empty(y_shape, DType::F64);
    kernels::reference::conv1d_forward(x, w, bias, y_ref, c.p);
    Array y = poisoned_on(backend, y_shape, dtype);
    conv.forward(x_on, w_on, on_backend(bias, backend), y);
    check_against_reference(y, y_ref, tol,
                            with_bias ? "forward with bias" : "forward without bias");
  }

  const Array gx0 = random_array(x_shape, gen, dtype), gw0 = random_array(w_shape, gen, dtype),
              gb0 = random_array({c.c_out}, gen, dtype);
  Array gx_ref = as_f64(gx0), gw_ref = as_f64(gw0), gb_ref = as_f64(gb0);
  kernels::reference::conv1d_backward_input(grad_y, w, gx_ref, c.p);
  kernels::reference::conv1d_backward_weight(grad_y, x, gw_ref, c.p);
  kernels::reference::conv1d_backward_bias(grad_y, gb_ref);
  Array gx = on_backend(gx0, backend), gw = on_backend(gw0, backend);
  conv.backward_input(grad_y_on, w_on, gx);
  conv.backward_weight(grad_y_on, x_on, gw);
  check_against_reference(gx, gx_ref, tol, "grad_x (accumulated onto a random start)");
  check_against_reference(gw, gw_ref, tol, "grad_weight (accumulated onto a random start)");
  if (conv.has_backward_bias()) {
    Array gb = on_backend(gb0, backend);
    conv.backward_bias(grad_y_on, gb);
    check_against_reference(gb, gb_ref, tol, "grad_bias (accumulated onto a random start)");
    // Both parameter gradients in one call (the CPU sums the bias in the grad-weight pass).
    Array gw_both = on_backend(gw0, backend), gb_both = on_backend(gb0, backend);
    kernels::conv1d_backward_weight(grad_y_on, x_on, gw_both, c.p, &gb_both);
    check_against_reference(gw_both, gw_ref, tol, "grad_weight with grad_bias in one call");
    check_against_reference(gb_both, gb_ref, tol, "grad_bias with grad_weight in one call");
  }
}

// Every case of the list on `backend`, in each of its dtypes.
void run_cases(Backend backend, Generator& gen) {
  for (const ConvCase& c : conv_cases)
    for (DType dtype : backend_dtypes(backend)) {
      INFO(dtype_name(dtype), " ", describe(c));
      run_case(backend, c, dtype, gen);
    }
}

}  // namespace

DNAGRAD_BACKEND_TEST_CASES("conv1d", run_cases)

TEST_CASE(
    "conv1d gradients match finite differences (float64 through autograd on the small cases)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const ConvCase& c : conv_cases) {
    if (c.n_batch * c.c_in * c.len_in + c.c_out * c.c_in * c.kernel > 1000) continue;
    for (bool with_bias : {true, false}) {
      INFO(describe(c), with_bias ? "" : ", no bias");
      std::vector<Array> inputs = {random_array({c.n_batch, c.c_in, c.len_in}, gen),
                                   random_array({c.c_out, c.c_in, c.kernel}, gen)};
      if (with_bias) inputs.push_back(random_array({c.c_out}, gen));
      const Conv1dParams p = c.p;
      check_gradients(
          [p](const std::vector<Tensor>& t) {
            return conv1d(t[0], t[1], t.size() > 2 ? t[2] : Tensor(), p.stride, p.padding,
                          p.dilation);
          },
          inputs, gen.next_u64());
    }
  }
}

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
  check_against_reference(single, first.to(DType::F64), 1e-6, "one thread against all");
}

TEST_SUITE("gpu") {
  TEST_CASE("gpu: conv1d grad-weight and grad-bias are bitwise repeatable") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (const ConvCase& c : conv_cases) {
      INFO(describe(c));
      const int64_t len_out = c.p.out_length(c.len_in, c.kernel);
      for (DType dtype : {DType::F32, DType::F64}) {
        const Array x =
            on_backend(random_array({c.n_batch, c.c_in, c.len_in}, gen, dtype), Backend::Cuda);
        const Array grad_y =
            on_backend(random_array({c.n_batch, c.c_out, len_out}, gen, dtype), Backend::Cuda);
        std::vector<double> runs[2], bias_runs[2];
        for (int run = 0; run < 2; ++run) {
          Array gw = Array::zeros({c.c_out, c.c_in, c.kernel}, dtype, Device::cuda());
          Array gb = Array::zeros({c.c_out}, dtype, Device::cuda());
          kernels::conv1d_backward_weight(grad_y, x, gw, c.p);
          kernels::conv1d_backward_bias(grad_y, gb);
          runs[run] = gw.to(Device::cpu()).to_vector();
          bias_runs[run] = gb.to(Device::cpu()).to_vector();
        }
        CHECK(runs[0] == runs[1]);
        CHECK(bias_runs[0] == bias_runs[1]);
      }
    }
  }
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
