#include "test_util.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>

#include "core/cuda_runtime.h"

namespace dnagrad::testing {

bool skip_without_gpu() {
  if (cuda_emulated() && cuda_device_count() > 0) {
    std::cout << "DNAGRAD-GPU-EMULATED: this gpu test runs on CUDA emulated on the CPU "
                 "(-DDNAGRAD_CUDA=EMULATE): evidence of logic, not of the hardware\n";
    return false;
  }
  if (cuda_device_count() > 0) return false;
  std::cout << "DNAGRAD-GPU-SKIP: "
            << (cuda_built() ? "no CUDA device found" : "built without CUDA") << "\n";
  return true;
}

uint64_t fresh_seed() {
  if (const char* env = std::getenv("DNAGRAD_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) | device();
}

Array random_array(const Shape& shape, Generator& gen, DType dtype, double lo, double hi) {
  Array a = Array::empty(shape, dtype);
  gen.fill_uniform(a, lo, hi);
  return a;
}

Array poisoned(const Shape& shape, DType dtype) {
  return Array::full(shape, std::numeric_limits<double>::quiet_NaN(), dtype);
}

double closeness(const Array& a, const Array& b, double rtol, double atol) {
  REQUIRE_MESSAGE(a.shape() == b.shape(), "shapes differ: ", a.desc(), " vs ", b.desc());
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  double worst = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    const double err = std::abs(va[i] - vb[i]) / (atol + rtol * std::abs(vb[i]));
    if (!(err <= worst)) worst = std::isnan(err) ? std::numeric_limits<double>::infinity() : err;
  }
  return worst;
}

bool bitwise_equal(const Array& a, const Array& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         (a.bytes() == 0 || std::memcmp(a.raw(), b.raw(), a.bytes()) == 0);  // [2, 0] has no data
}

void require_close(const Array& actual, const Array& expected, double rtol, double atol) {
  const double c = closeness(actual, expected, rtol, atol);
  if (c > 1) {
    const std::vector<double> va = actual.to_vector(), vb = expected.to_vector();
    for (size_t i = 0; i < va.size(); ++i)
      if (!(std::abs(va[i] - vb[i]) <= atol + rtol * std::abs(vb[i]))) {
        FAIL("element ", i, " of ", actual.desc(), ": got ", va[i], ", expected ", vb[i], " (rtol ",
             rtol, ", atol ", atol, ")");
      }
  }
}

namespace {
double weighted_sum(const Array& y, const Array& w) {
  const std::vector<double> vy = y.to_vector(), vw = w.to_vector();
  double s = 0;
  for (size_t i = 0; i < vy.size(); ++i) s += vy[i] * vw[i];
  return s;
}
}  // namespace

void check_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                     const std::vector<Array>& inputs, uint64_t seed,
                     const GradCheckOptions& options) {
  Generator gen(seed);
  auto differentiable = [&](size_t i) {
    return options.differentiable.empty() || options.differentiable[i];
  };
  std::vector<Tensor> leaves;
  std::vector<Array> seeded;  // the random values each .grad starts from
  for (size_t i = 0; i < inputs.size(); ++i) {
    leaves.emplace_back(inputs[i].clone(), differentiable(i));
    if (differentiable(i)) {
      seeded.push_back(random_array(inputs[i].shape(), gen, inputs[i].dtype()));
      leaves.back().grad() = seeded.back().clone();
    } else {
      seeded.emplace_back();
    }
  }
  const Tensor y = f(leaves);
  const Array w = random_array(y.shape(), gen, y.dtype());
  y.backward(w);  // dL/dy = w for L = sum(y * w)

  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!differentiable(i)) continue;
    INFO("input ", i, " of shape ", shape_str(inputs[i].shape()));
    REQUIRE(leaves[i].grad().defined());
    std::vector<double> analytic = leaves[i].grad().to_vector();
    const std::vector<double> start = seeded[i].to_vector();
    std::vector<double> numeric(analytic.size());
    for (size_t e = 0; e < analytic.size(); ++e) {
      analytic[e] -= start[e];
      double* x = leaves[i].data().data<double>() + e;
      const double saved = *x;
      NoGrad no_grad;
      *x = saved + options.step;
      const double plus = weighted_sum(f(leaves).data(), w);
      *x = saved - options.step;
      const double minus = weighted_sum(f(leaves).data(), w);
      *x = saved;
      numeric[e] = (plus - minus) / (2 * options.step);
    }
    require_close(Array::from_vector(inputs[i].shape(), analytic, DType::F64),
                  Array::from_vector(inputs[i].shape(), numeric, DType::F64), options.rtol,
                  options.atol);
  }
}

}  // namespace dnagrad::testing
