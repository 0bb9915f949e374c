// Loss kernels (kernels/losses.h): MSE, BCE with logits and cross-entropy. Hand examples, stable
// evaluation at extreme logits, every reduction, gradients by finite differences, accumulation,
// and the error for a class index out of range.
#include <cmath>

#include "kernels/losses.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

const Reduction kReductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};

const char* name_of(Reduction r) {
  return r == Reduction::None ? "none" : r == Reduction::Mean ? "mean" : "sum";
}

Array classes(const std::vector<double>& values) {
  return Array::from_vector({static_cast<int64_t>(values.size())}, values, DType::I64);
}

}  // namespace

TEST_CASE("losses: mse of a hand example under every reduction") {
  for (DType dtype : {DType::F32, DType::F64}) {
    const Array pred = Array::from_vector({3}, {1, 2, 3}, dtype);
    const Array target = Array::from_vector({3}, {1, 0, 0}, dtype);
    Array none = poisoned({3}, dtype), mean = poisoned({}, dtype), total = poisoned({}, dtype);
    kernels::mse_forward(pred, target, Reduction::None, none);
    kernels::mse_forward(pred, target, Reduction::Mean, mean);
    kernels::mse_forward(pred, target, Reduction::Sum, total);
    require_close(none, Array::from_vector({3}, {0, 4, 9}, DType::F64));
    CHECK(mean.item() == doctest::Approx(13.0 / 3));
    CHECK(total.item() == 13);
  }
}

TEST_CASE("losses: bce with logits is ln 2 at logit 0 and stable far out") {
  for (DType dtype : {DType::F32, DType::F64}) {
    const Array logits = Array::from_vector({6}, {0, 0, 100, -100, 1000, -1000}, dtype);
    const Array target = Array::from_vector({6}, {0, 0.3, 1, 1, 0, 1}, dtype);
    Array out = poisoned({6}, dtype);
    kernels::bce_logits_forward(logits, target, Reduction::None, out);
    const double ln2 = std::log(2.0);
    require_close(out,
                  Array::from_vector({6}, {ln2, ln2, std::log1p(std::exp(-100.0)), 100, 1000, 1000},
                                     DType::F64),
                  1e-6, 1e-30);
    // Against the textbook form -t log s - (1 - t) log(1 - s) where that is finite.
    const double z = 1.7, t = 0.25, s = 1 / (1 + std::exp(-z));
    Array one = poisoned({}, dtype);
    kernels::bce_logits_forward(Array::from_vector({1}, {z}, dtype).reshape({}),
                                Array::from_vector({1}, {t}, dtype).reshape({}), Reduction::Mean,
                                one);
    CHECK(one.item() == doctest::Approx(-t * std::log(s) - (1 - t) * std::log(1 - s)));
  }
}

TEST_CASE("losses: cross-entropy of a hand example, and with huge logits") {
  for (DType dtype : {DType::F32, DType::F64}) {
    // Row 0: softmax [1/6, 2/6, 3/6], class 2 -> -ln(1/2) = ln 2. Row 1: four equal logits -> ln 4.
    const Array logits =
        Array::from_vector({2, 4}, {0, std::log(2.0), std::log(3.0), -INFINITY, 1, 1, 1, 1}, dtype);
    const Array target = classes({2, 0});
    Array none = poisoned({2}, dtype), mean = poisoned({}, dtype), total = poisoned({}, dtype);
    kernels::cross_entropy_forward(logits, target, Reduction::None, none);
    kernels::cross_entropy_forward(logits, target, Reduction::Mean, mean);
    kernels::cross_entropy_forward(logits, target, Reduction::Sum, total);
    require_close(none, Array::from_vector({2}, {std::log(2.0), std::log(4.0)}, DType::F64), 1e-6);
    CHECK(mean.item() == doctest::Approx(1.5 * std::log(2.0)));
    CHECK(total.item() == doctest::Approx(3 * std::log(2.0)));

    const Array huge = Array::from_vector({2, 2}, {1000, 0, -1000, 1000}, dtype);
    Array out = poisoned({2}, dtype);
    kernels::cross_entropy_forward(huge, classes({1, 1}), Reduction::None, out);
    require_close(out, Array::from_vector({2}, {1000, 0}, DType::F64), 1e-6, 1e-6);
  }
}

TEST_CASE("losses: cross-entropy names the row and value of a bad class index") {
  const Array logits = Array::zeros({3, 5}, DType::F64);
  Array out = poisoned({});
  CHECK_THROWS_WITH_AS(
      kernels::cross_entropy_forward(logits, classes({0, 5, 1}), Reduction::Mean, out),
      doctest::Contains("target[1] = 5"), Error);
  CHECK_THROWS_WITH_AS(
      kernels::cross_entropy_forward(logits, classes({0, 1, -1}), Reduction::Mean, out),
      doctest::Contains("target[2] = -1"), Error);
  Array grad = Array::zeros({3, 5}, DType::F64);
  CHECK_THROWS_WITH_AS(
      kernels::cross_entropy_backward(logits, classes({7, 1, 1}), Array::full({}, 1, DType::F64),
                                      Reduction::Mean, grad),
      doctest::Contains("target[0] = 7"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(Tensor(logits), Tensor(Array::zeros({3}, DType::F64))),
                       doctest::Contains("int64"), Error);
}

TEST_CASE("losses: gradients match finite differences under every reduction") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (Reduction r : kReductions) {
    INFO("reduction ", std::string(name_of(r)));
    for (const Shape& shape : {Shape{}, Shape{4}, Shape{2, 3}}) {
      INFO("shape ", shape_str(shape));
      check_gradients([r](const std::vector<Tensor>& in) { return mse_loss(in[0], in[1], r); },
                      {random_array(shape, gen, DType::F64, -2, 2),
                       random_array(shape, gen, DType::F64, -2, 2)},
                      gen.next_u64());
      check_gradients(
          [r](const std::vector<Tensor>& in) {
            return binary_cross_entropy_with_logits(in[0], in[1], r);
          },
          {random_array(shape, gen, DType::F64, -4, 4), random_array(shape, gen, DType::F64, 0, 1)},
          gen.next_u64());
    }
    for (const auto& [n, c] : {std::pair{1, 3}, std::pair{4, 5}, std::pair{6, 2}}) {
      INFO("cross-entropy N ", n, " C ", c);
      std::vector<double> t(n);
      for (int64_t i = 0; i < n; ++i) t[i] = static_cast<double>(gen.next_u64() % c);
      GradCheckOptions options;
      options.differentiable = {true, false};
      check_gradients([r](const std::vector<Tensor>& in) { return cross_entropy(in[0], in[1], r); },
                      {random_array({n, c}, gen, DType::F64, -3, 3), classes(t)}, gen.next_u64(),
                      options);
    }
  }
}

TEST_CASE("losses: backward kernels accumulate into pre-filled buffers") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array pred = random_array({5}, gen), target = random_array({5}, gen, DType::F64, 0, 1);
  const Array start_p = random_array({5}, gen), start_t = random_array({5}, gen);
  const double g = 0.8;
  const Array grad_out = Array::full({}, g, DType::F64);

  Array gp = start_p.clone(), gt = start_t.clone();
  kernels::mse_backward(pred, target, grad_out, Reduction::Mean, &gp, &gt);
  std::vector<double> ep = start_p.to_vector(), et = start_t.to_vector();
  for (int i = 0; i < 5; ++i) {
    const double d = 2 * (pred.at({i}) - target.at({i})) * g / 5;
    ep[i] += d;
    et[i] -= d;
  }
  require_close(gp, Array::from_vector({5}, ep, DType::F64), 1e-12, 1e-14);
  require_close(gt, Array::from_vector({5}, et, DType::F64), 1e-12, 1e-14);

  gp = start_p.clone();
  gt = start_t.clone();
  kernels::bce_logits_backward(pred, target, grad_out, Reduction::Sum, &gp, &gt);
  ep = start_p.to_vector();
  et = start_t.to_vector();
  for (int i = 0; i < 5; ++i) {
    ep[i] += (1 / (1 + std::exp(-pred.at({i}))) - target.at({i})) * g;
    et[i] += -pred.at({i}) * g;
  }
  require_close(gp, Array::from_vector({5}, ep, DType::F64), 1e-12, 1e-14);
  require_close(gt, Array::from_vector({5}, et, DType::F64), 1e-12, 1e-14);

  // Cross-entropy, reduction None: grad_logits[n, c] += (softmax(z_n)[c] - [c == t_n]) g_n.
  const Array logits = random_array({2, 3}, gen), per_row = random_array({2}, gen);
  const Array start_z = random_array({2, 3}, gen);
  Array gz = start_z.clone();
  const Array target_rows = classes({2, 0});
  kernels::cross_entropy_backward(logits, target_rows, per_row, Reduction::None, gz);
  std::vector<double> ez = start_z.to_vector();
  for (int64_t n = 0; n < 2; ++n) {
    double total = 0;
    for (int64_t c = 0; c < 3; ++c) total += std::exp(logits.at({n, c}));
    for (int64_t c = 0; c < 3; ++c)
      ez[n * 3 + c] +=
          (std::exp(logits.at({n, c})) / total - (c == target_rows.at({n}))) * per_row.at({n});
  }
  require_close(gz, Array::from_vector({2, 3}, ez, DType::F64), 1e-12, 1e-14);
}
