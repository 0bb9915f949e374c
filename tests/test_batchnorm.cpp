// BatchNorm1d: one declarative list of cases run on every backend (our CPU and CUDA kernels,
// cuDNN when built; see backends.h) against version 0 of the op (kernels/reference/batchnorm.h)
// in float64: training forward with and without tracked running statistics, eval forward, and
// backward in both modes (outputs poisoned, gradient buffers started from random values); the
// finite-difference check of the autograd op in both modes over the list's small cases; a
// hand-computed batch, running statistics over several steps, eval mode through autograd,
// accuracy far from zero, bitwise repeatability, and errors.
#include <cmath>
#include <memory>
#include <vector>

#include "backends.h"
#include "kernels/batchnorm.h"
#include "kernels/reference/batchnorm.h"
#include "test_util.h"
#ifdef DNAGRAD_WITH_CUDNN
#include "kernels/cudnn/batchnorm.h"
#endif

namespace dnagrad::testing {
namespace {

Array vec(const Shape& shape, const std::vector<double>& v, DType dtype = DType::F64) {
  return Array::from_vector(shape, v, dtype);
}

struct BnCase {
  Shape x;
  bool weight, bias;  // cases with either also run with neither (affine = false)
};

// Every case runs on every backend, in each of its dtypes.
const std::vector<BnCase> bn_cases = {
    {{2, 256, 2000}, true, true},  // the promoter model's BatchNorms at batch 2
    {{2, 128, 500}, true, true},  {{2, 64, 125}, true, true},
    {{8, 256, 2000}, true, true},  // and at batch 8
    {{8, 128, 500}, true, true},  {{8, 64, 125}, true, true},
    {{3, 2, 5}, true, true},    // the plain case
    {{1, 3, 4}, true, true},    // batch 1 (statistics over L only)
    {{1, 3, 7}, true, true},    // batch 1, odd length
    {{4, 3}, true, true},       // [N, C]
    {{5, 7}, true, true},       // [N, C], more channels
    {{2, 4}, true, true},       // [N, C], two values per channel
    {{2, 2, 3}, false, false},  // affine = false
    {{2, 3, 7}, true, false},   // weight but no bias, odd length
    {{5, 1, 1}, false, true},   // L = 1 as a 3-D input, bias only
    {{3, 5, 1}, true, true},    // L = 1, five channels
};

std::string describe(const BnCase& c, bool weight, bool bias) {
  return cat("x ", shape_str(c.x), weight ? "" : ", no weight", bias ? "" : ", no bias");
}

// BatchNorm on one backend: our kernels through the kernels/batchnorm.h dispatch (the arrays'
// device picks CPU or CUDA), or cuDNN's reference class, built for the case's shape.
class BatchNormOn {
 public:
  BatchNormOn(Backend backend, const Shape& shape, DType dtype) {
#ifdef DNAGRAD_WITH_CUDNN
    if (backend == Backend::Cudnn)
      cudnn_ = std::make_unique<kernels::cudnn::BatchNorm>(shape, dtype, Device::cuda());
#else
    (void)backend, (void)shape, (void)dtype;
#endif
  }
  void forward_train(const Array& x, const Array& w, const Array& b, Array& running_mean,
                     Array& running_var, double momentum, double eps, Array& y, Array& mean,
                     Array& invstd) {
#ifdef DNAGRAD_WITH_CUDNN
    if (cudnn_)
      return cudnn_->forward_train(x, w, b, running_mean, running_var, momentum, eps, y, mean,
                                   invstd);
#endif
    kernels::batchnorm_forward_train(x, w, b, running_mean, running_var, momentum, eps, y, mean,
                                     invstd);
  }
  void forward_eval(const Array& x, const Array& w, const Array& b, const Array& running_mean,
                    const Array& running_var, double eps, Array& y) {
#ifdef DNAGRAD_WITH_CUDNN
    if (cudnn_) return cudnn_->forward_eval(x, w, b, running_mean, running_var, eps, y);
#endif
    kernels::batchnorm_forward_eval(x, w, b, running_mean, running_var, eps, y);
  }
  // cuDNN has no eval-mode backward.
  bool has_backward(bool training) const {
#ifdef DNAGRAD_WITH_CUDNN
    if (cudnn_) return training;
#else
    (void)training;
#endif
    return true;
  }
  void backward(const Array& grad_y, const Array& x, const Array& w, const Array& mean,
                const Array& invstd, bool training, double eps, Array* grad_x, Array* grad_w,
                Array* grad_b) {
#ifdef DNAGRAD_WITH_CUDNN
    if (cudnn_) return cudnn_->backward(grad_y, x, w, mean, invstd, eps, grad_x, grad_w, grad_b);
#endif
    (void)eps;
    kernels::batchnorm_backward(grad_y, x, w, mean, invstd, training, grad_x, grad_w, grad_b);
  }

 private:
#ifdef DNAGRAD_WITH_CUDNN
  std::unique_ptr<kernels::cudnn::BatchNorm> cudnn_;
#endif
};

constexpr double kMomentum = 0.1, kEps = 1e-5;

// The forward kernels on one case: training with tracked and untracked running statistics,
// then eval.
void check_forward(Backend backend, BatchNormOn& bn, const Array& x, const Array& w, const Array& b,
                   const Array& rm0, const Array& rv0, double tol) {
  const Shape c_shape{x.size(1)};
  const DType dtype = x.dtype();
  const Array x_on = on_backend(x, backend), w_on = on_backend(w, backend),
              b_on = on_backend(b, backend);
  for (bool tracked : {true, false}) {
    INFO("running statistics tracked ", tracked);
    Array rm_ref = tracked ? as_f64(rm0) : Array(), rv_ref = tracked ? as_f64(rv0) : Array();
    Array y_ref = Array::empty(x.shape(), DType::F64), mean_ref = Array::empty(c_shape, DType::F64),
          invstd_ref = Array::empty(c_shape, DType::F64);
    kernels::reference::batchnorm_forward_train(x, w, b, rm_ref, rv_ref, kMomentum, kEps, y_ref,
                                                mean_ref, invstd_ref);
    Array rm = tracked ? on_backend(rm0, backend) : Array(),
          rv = tracked ? on_backend(rv0, backend) : Array();
    Array y = poisoned_on(backend, x.shape(), dtype), mean = poisoned_on(backend, c_shape, dtype),
          invstd = poisoned_on(backend, c_shape, dtype);
    bn.forward_train(x_on, w_on, b_on, rm, rv, kMomentum, kEps, y, mean, invstd);
    check_against_reference(y, y_ref, tol, "train y");
    check_against_reference(mean, mean_ref, tol, "save_mean");
    check_against_reference(invstd, invstd_ref, tol, "save_invstd");
    if (tracked) {
      check_against_reference(rm, rm_ref, tol, "running_mean");
      check_against_reference(rv, rv_ref, tol, "running_var");
    }
  }
  Array y_ref = Array::empty(x.shape(), DType::F64);
  kernels::reference::batchnorm_forward_eval(x, w, b, rm0, rv0, kEps, y_ref);
  Array y = poisoned_on(backend, x.shape(), dtype);
  bn.forward_eval(x_on, w_on, b_on, on_backend(rm0, backend), on_backend(rv0, backend), kEps, y);
  check_against_reference(y, y_ref, tol, "eval y");
}

// The backward kernel in both modes, all gradients and grad_x alone, from the statistics
// (`mean`, `invstd` for training; running_mean and 1/sqrt(running_var + eps) for eval) given in
// the case's dtype to both sides.
void check_backward(Backend backend, BatchNormOn& bn, const Array& x, const Array& w,
                    const Array& rm0, const Array& rv0, Generator& gen, double tol) {
  const Shape c_shape{x.size(1)};
  const DType dtype = x.dtype();
  const Array grad_y = random_array(x.shape(), gen, dtype);
  Array rm_none, rv_none, y = Array::empty(x.shape(), DType::F64);
  Array batch_mean = Array::empty(c_shape, DType::F64), batch_invstd = batch_mean.clone();
  kernels::reference::batchnorm_forward_train(x, w, Array(), rm_none, rv_none, kMomentum, kEps, y,
                                              batch_mean, batch_invstd);
  std::vector<double> eval_invstd = rv0.to_vector();
  for (double& v : eval_invstd) v = 1 / std::sqrt(v + kEps);
  for (bool training : {true, false}) {
    if (!bn.has_backward(training)) continue;
    const Array mean = training ? batch_mean.to(dtype) : rm0;
    const Array invstd = training ? batch_invstd.to(dtype) : vec(c_shape, eval_invstd).to(dtype);
    for (bool all_grads : {true, false}) {
      INFO((training ? "training" : "eval"), " backward", all_grads ? "" : ", grad_x only");
      const Array gx0 = random_array(x.shape(), gen, dtype),
                  gw0 = random_array(c_shape, gen, dtype), gb0 = random_array(c_shape, gen, dtype);
      Array gx_ref = as_f64(gx0), gw_ref = as_f64(gw0), gb_ref = as_f64(gb0);
      kernels::reference::batchnorm_backward(grad_y, x, w, mean, invstd, training, &gx_ref, &gw_ref,
                                             &gb_ref);
      Array gx = on_backend(gx0, backend), gw = on_backend(gw0, backend),
            gb = on_backend(gb0, backend);
      bn.backward(on_backend(grad_y, backend), on_backend(x, backend), on_backend(w, backend),
                  on_backend(mean, backend), on_backend(invstd, backend), training, kEps, &gx,
                  all_grads ? &gw : nullptr, all_grads ? &gb : nullptr);
      check_against_reference(gx, gx_ref, tol, "grad_x (accumulated onto a random start)");
      if (!all_grads) continue;
      check_against_reference(gw, gw_ref, tol, "grad_weight (accumulated onto a random start)");
      check_against_reference(gb, gb_ref, tol, "grad_bias (accumulated onto a random start)");
    }
  }
}

// Every case of the list on `backend`, in each of its dtypes.
void run_cases(Backend backend, Generator& gen) {
  for (const BnCase& c : bn_cases)
    for (DType dtype : backend_dtypes(backend))
      for (bool affine : {true, false}) {
        if (!affine && !c.weight && !c.bias) continue;  // already run as the case itself
        const bool has_w = affine && c.weight, has_b = affine && c.bias;
        INFO(dtype_name(dtype), " ", describe(c, has_w, has_b));
        const int64_t channels = c.x[1];
        const Array x = random_array(c.x, gen, dtype, -1, 3);  // a mean away from zero
        const Array w = has_w ? random_array({channels}, gen, dtype) : Array();
        const Array b = has_b ? random_array({channels}, gen, dtype) : Array();
        const Array rm0 = random_array({channels}, gen, dtype);
        const Array rv0 = random_array({channels}, gen, dtype, 0.5, 2);
        BatchNormOn bn(backend, c.x, dtype);
        const double tol = backend_tolerance(backend, dtype);
        check_forward(backend, bn, x, w, b, rm0, rv0, tol);
        check_backward(backend, bn, x, w, rm0, rv0, gen, tol);
      }
}

// The reference's training forward on x (float64 copies of the running statistics, updated in
// place): returns y.
Array reference_train(const Array& x, const Array& w, const Array& b, Array& running_mean,
                      Array& running_var, double eps) {
  const Shape c_shape{x.size(1)};
  Array y = Array::empty(x.shape(), DType::F64), mean = Array::empty(c_shape, DType::F64),
        invstd = Array::empty(c_shape, DType::F64);
  kernels::reference::batchnorm_forward_train(x, w, b, running_mean, running_var, kMomentum, eps, y,
                                              mean, invstd);
  return y;
}

}  // namespace

DNAGRAD_BACKEND_TEST_CASES("batchnorm", run_cases)

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

TEST_CASE(
    "batch_norm1d running statistics after three training steps (unbiased and momentum 0.1)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (DType dtype : {DType::F64, DType::F32}) {
    INFO(dtype_name(dtype));
    const int64_t channels = 3;
    Array running_mean = Array::zeros({channels}, dtype);
    Array running_var = Array::full({channels}, 1.0, dtype);
    Array expect_mean = Array::zeros({channels}, DType::F64);
    Array expect_var = Array::full({channels}, 1.0, DType::F64);
    const Tensor weight(random_array({channels}, gen, dtype), true);
    const Tensor bias(random_array({channels}, gen, dtype), true);
    for (int step = 0; step < 3; ++step) {
      const Array x = random_array({4, channels, 6}, gen, dtype, -2, 3);
      batch_norm1d(Tensor(x), weight, bias, running_mean, running_var, true, kMomentum, kEps);
      reference_train(x, weight.data(), bias.data(), expect_mean, expect_var, kEps);
    }
    const double tol = dtype == DType::F64 ? 1e-12 : 1e-5;
    require_close(running_mean, expect_mean, tol, tol);
    require_close(running_var, expect_var, tol, tol);
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
    Array expected = Array::empty(shape, DType::F64);
    kernels::reference::batchnorm_forward_eval(x, w, b, running_mean, running_var, kEps, expected);

    const Tensor out =
        batch_norm1d(Tensor(x), Tensor(w), Tensor(b), running_mean, running_var, false, 0.1, kEps);
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
  Array none, y_ref = Array::empty(x.shape(), DType::F64);
  Array mean_ref = Array::empty({2}, DType::F64), invstd_ref = Array::empty({2}, DType::F64);
  kernels::reference::batchnorm_forward_train(x, Array(), Array(), none, none, 0.1, 0.0, y_ref,
                                              mean_ref, invstd_ref);
  Array y = poisoned(x.shape()), save_mean = poisoned({2}), save_invstd = poisoned({2});
  kernels::batchnorm_forward_train(x, Array(), Array(), none, none, 0.1, 0.0, y, save_mean,
                                   save_invstd);
  require_close(save_invstd, invstd_ref, 1e-9, 0);
  require_close(y, y_ref, 1e-8, 1e-8);
}

// Float32 training forward of x [1, 1, 2] = {3, 3 + 3 ulp}, eps 0: the mean 3 + 1.5 ulp is no
// float (it rounds to 3 + 2 ulp), the deviations are -+1.5 ulp and y must be exactly {-1, +1}.
// With the mean rounded to float alone, y would be {-4/3, 2/3}.
namespace {
void check_mean_between_floats(Device device) {
  const float three = 3.0f, ulp = std::nextafter(three, 4.0f) - three;
  const Array x = vec({1, 1, 2}, {three, three + 3 * ulp}).to(DType::F32).to(device);
  Array none, y = poisoned({1, 1, 2}, DType::F32).to(device);
  Array mean = poisoned({1}, DType::F32).to(device), invstd = poisoned({1}, DType::F32).to(device);
  kernels::batchnorm_forward_train(x, Array(), Array(), none, none, 0.1, 0.0, y, mean, invstd);
  require_close(y.to(Device::cpu()), vec({1, 1, 2}, {-1, 1}), 0, 1e-6);
}
}  // namespace

TEST_CASE("batch_norm1d float32 training: a mean that falls between two floats keeps its digits") {
  check_mean_between_floats(Device::cpu());
}

TEST_SUITE("gpu") {
  TEST_CASE("gpu: batchnorm float32 training: a mean between two floats keeps its digits") {
    if (skip_without_gpu()) return;
    check_mean_between_floats(Device::cuda());
  }

  TEST_CASE("gpu: batchnorm training statistics are bitwise repeatable") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const Shape shape{4, 64, 1001};
    const Array x = on_backend(random_array(shape, gen, DType::F32), Backend::Cuda);
    const Array grad_y = on_backend(random_array(shape, gen, DType::F32), Backend::Cuda);
    std::vector<double> stats[2], grads[2];
    for (int run = 0; run < 2; ++run) {
      Array rm, rv, y = Array::empty(shape, DType::F32, Device::cuda());
      Array mean = Array::empty({64}, DType::F32, Device::cuda());
      Array invstd = Array::empty({64}, DType::F32, Device::cuda());
      kernels::batchnorm_forward_train(x, Array(), Array(), rm, rv, 0.1, 1e-5, y, mean, invstd);
      Array gx = Array::zeros(shape, DType::F32, Device::cuda());
      Array gw = Array::zeros({64}, DType::F32, Device::cuda());
      kernels::batchnorm_backward(grad_y, x, Array(), mean, invstd, true, &gx, &gw, nullptr);
      stats[run] = invstd.to(Device::cpu()).to_vector();
      grads[run] = gx.to(Device::cpu()).to_vector();
      const std::vector<double> gw_values = gw.to(Device::cpu()).to_vector();
      grads[run].insert(grads[run].end(), gw_values.begin(), gw_values.end());
    }
    CHECK(stats[0] == stats[1]);
    CHECK(grads[0] == grads[1]);
  }
}

TEST_CASE(
    "batch_norm1d gradients match finite differences (float64 through autograd on the small "
    "cases)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (bool training : {true, false}) {
    for (const BnCase& c : bn_cases) {
      if (shape_numel(c.x) > 200) continue;  // two forward passes per element
      INFO((training ? "training " : "eval "), describe(c, c.weight, c.bias));
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
