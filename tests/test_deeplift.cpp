// DeepLIFT mode of the engine (autograd/deeplift.h) and DeepSHAP (genomics/interpret/
// deeplift_shap.h): a ReLU network and max pools worked out by hand, the errors of ops without a
// rule, the fused BatchNorm → ReLU → MaxPool against the unfused chain, and completeness (the
// contributions sum to f(x) − mean f(r)) on the promoter model and the cnn-classifier with fresh
// random weights and running statistics, in float64.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "autograd/deeplift.h"
#include "autograd/ops.h"
#include "genomics/interpret/deeplift_shap.h"
#include "genomics/interpret/dinucleotide_shuffle.h"
#include "genomics/models/model_zoo.h"
#include "genomics/sequence.h"
#include "nn/layers.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

Tensor constant(const Shape& shape, const std::vector<double>& values) {
  return Tensor(Array::from_vector(shape, values, DType::F64));
}

// Random uppercase DNA of `len` bases.
std::string random_dna(int64_t len, Generator& gen) {
  std::string seq(static_cast<size_t>(len), 'A');
  for (char& base : seq) base = "ACGT"[gen.next_u64() % 4];
  return seq;
}

// Every BatchNorm1d of `model` gets random running statistics (mean in [-0.5, 0.5], variance in
// [0.5, 2]) and affine parameters, so that eval-mode normalisation is not the identity.
void randomize_batch_norms(nn::Module& model, Generator& gen) {
  for (auto& [name, m] : model.modules())
    if (auto* bn = dynamic_cast<nn::BatchNorm1d*>(m)) {
      gen.fill_uniform(bn->running_mean, -0.5, 0.5);
      gen.fill_uniform(bn->running_var, 0.5, 2.0);
      gen.fill_uniform(bn->weight.data(), 0.5, 1.5);
      gen.fill_uniform(bn->bias.data(), -0.2, 0.2);
    }
}

}  // namespace

// x = (1, 1), r = (−1, 0) through relu(W x + b) then v·h, W = [[1, 2], [−1, 1]], b = (0, 0.5),
// v = (1, 1). Unit 1: pre 3 vs −1, post 3 vs 0, multiplier 3/4; unit 2: pre 0.5 vs 1.5, both
// positive, multiplier 1. Input multipliers W^T (v ⊙ (3/4, 1)) = (−1/4, 5/2); with Δx = (2, 1)
// the contributions are (−1/2, 5/2), summing to f(x) − f(r) = 3.5 − 1.5 = 2. (The gradient
// W^T v = (0, 3) would give 3.)
TEST_CASE("deeplift: a ReLU network by hand") {
  Tensor stacked = constant({2, 2}, {1, 1, -1, 0});  // [x; r]
  stacked.requires_grad_();
  const Tensor w = constant({2, 2}, {1, 2, -1, 1}), b = constant({2}, {0, 0.5});
  const Tensor v = constant({1, 2}, {1, 1});
  const Tensor out = linear(relu(linear(stacked, w, b)), v, Tensor());  // [2, 1]
  deeplift_backward(out, Array::full({2, 1}, 1.0, DType::F64));
  // Both halves carry the pair's multipliers (no |Δx| < eps fallback here).
  require_close(stacked.grad(), Array::from_vector({2, 2}, {-0.25, 2.5, -0.25, 2.5}, DType::F64),
                1e-15, 1e-15);
}

// Pool windows of 2. Window 1: x (1, 3), r (2, 0): the input's maximum is larger, so its argmax
// (position 1) gets Δy = 1 and the multipliers are (0, 1/3). Window 2: x (1, 0), r (2, 3): the
// reference's maximum is larger, so the reference's argmax (position 3) gets y − max = −2 and the
// multipliers are (0, 2/3). Contributions (0, 1, 0, −2) sum to Δy = 1 − 2.
TEST_CASE("deeplift: max pooling follows captum's rule, worked by hand") {
  Tensor stacked = constant({2, 1, 4}, {1, 3, 1, 0, 2, 0, 2, 3});
  stacked.requires_grad_();
  const Tensor out = sum(max_pool1d(stacked, 2), 2);  // [2, 1]
  deeplift_backward(out, Array::full({2, 1}, 1.0, DType::F64));
  const std::vector<double> m{0, 1.0 / 3, 0, 2.0 / 3};
  std::vector<double> both = m;
  both.insert(both.end(), m.begin(), m.end());
  require_close(stacked.grad(), Array::from_vector({2, 1, 4}, both, DType::F64), 1e-15, 1e-15);
}

TEST_CASE("deeplift: |dx| below 1e-10 takes each half's own gradient") {
  // sigmoid at x = r = 0.3 (Δx = 0): each half gets σ'(0.3); elsewhere the rescale ratio.
  Tensor stacked = constant({2, 2}, {0.3, 2.0, 0.3, -1.0});
  stacked.requires_grad_();
  deeplift_backward(sigmoid(stacked), Array::full({2, 2}, 1.0, DType::F64));
  const double s = 1 / (1 + std::exp(-0.3)), d = s * (1 - s);
  const double ratio = (1 / (1 + std::exp(-2.0)) - 1 / (1 + std::exp(1.0))) / 3.0;
  require_close(stacked.grad(), Array::from_vector({2, 2}, {d, ratio, d, ratio}, DType::F64), 1e-14,
                1e-15);
}

TEST_CASE("deeplift: an op without a DeepLIFT rule is an error naming it") {
  auto run = [](const std::function<Tensor(const Tensor&)>& f) {
    Tensor stacked = constant({2, 3}, {1, 2, 3, 0, 0, 1});
    stacked.requires_grad_();
    const Tensor out = f(stacked);
    deeplift_backward(out, Array::full(out.shape(), 1.0, DType::F64));
  };
  CHECK_THROWS_WITH(run([](const Tensor& x) { return softmax(x, 1); }),
                    doctest::Contains("'softmax' has no DeepLIFT rule"));
  CHECK_THROWS_WITH(run([](const Tensor& x) { return log_softmax(x, 1); }),
                    doctest::Contains("'log_softmax' has no DeepLIFT rule"));
  CHECK_THROWS_WITH(run([](const Tensor& x) { return mul(x, x); }),
                    doctest::Contains("'mul' multiplies two tensors"));
  CHECK_THROWS_WITH(run([](const Tensor& x) {
                      return div(constant({3}, {1, 1, 1}), x);
                    }),
                    doctest::Contains("'div': its input 1 varies"));
  CHECK_THROWS_WITH(
      run([](const Tensor& x) {
        return reshape(mse_loss(x, constant({2, 3}, {0, 0, 0, 0, 0, 0}), Reduction::None), {2, 3});
      }),
      doctest::Contains("'mse_loss' has no DeepLIFT rule"));
  Tensor weight(Array::full({2, 3}, 0.5, DType::F64), /*requires_grad=*/true);
  CHECK_THROWS_WITH(run([&](const Tensor& x) { return linear(x, weight, Tensor()); }),
                    doctest::Contains("'linear': its input 1 varies"));
  Array mean = Array::zeros({3}, DType::F64), var = Array::full({3}, 1.0, DType::F64);
  CHECK_THROWS_WITH(run([&](const Tensor& x) {
                      return batch_norm1d(x, Tensor(), Tensor(), mean, var, /*training=*/true);
                    }),
                    doctest::Contains("'batch_norm1d' in training mode"));
  // Linear ops and constant factors pass: 2 x + x / 4 has multiplier 2.25 everywhere.
  Tensor stacked = constant({2, 3}, {1, 2, 3, 0, 0, 1});
  stacked.requires_grad_();
  const Tensor out = mul_scalar(stacked, 2) + div(stacked, constant({3}, {4, 4, 4}));
  deeplift_backward(out, Array::full({2, 3}, 1.0, DType::F64));
  require_close(stacked.grad(), Array::full({2, 3}, 2.25, DType::F64), 1e-15, 1e-15);
}

// nn::Sequential runs BatchNorm1d → ReLU → MaxPool1d as the fused op on the CPU; calling the
// layers one by one runs the three ops. Their DeepLIFT multipliers must agree.
TEST_CASE("deeplift: the fused batch norm, relu, max pool equals the unfused chain") {
  Generator gen(fresh_seed());
  for (const int64_t kernel : {2, 3}) {
    CAPTURE(kernel);
    nn::Sequential block(
        {std::make_shared<nn::Conv1d>(4, 6, 5, gen, nn::Conv1dOptions{.padding = 2}),
         std::make_shared<nn::BatchNorm1d>(6), std::make_shared<nn::ReLU>(),
         std::make_shared<nn::MaxPool1d>(kernel, 2)});
    randomize_batch_norms(block, gen);
    block.to(DType::F64);
    block.eval();
    for (Tensor& p : block.parameters()) p.requires_grad_(false);
    const Array stacked = random_array({6, 4, 23}, gen, DType::F64);
    Tensor fused_in(stacked.clone(), true), unfused_in(stacked.clone(), true);
    const Tensor fused = block.forward(fused_in);
    Tensor h = unfused_in;
    for (size_t i = 0; i < block.size(); ++i) h = block[i].forward(h);
    REQUIRE(fused.shape() == h.shape());
    const Array seed = random_array(fused.shape(), gen, DType::F64);
    deeplift_backward(fused, seed);
    deeplift_backward(h, seed);
    require_close(fused_in.grad(), unfused_in.grad(), 1e-10, 1e-12);
  }
}

TEST_CASE(
    "deeplift_shap: contributions sum to f(x) - mean f(r) on the promoter model and the "
    "cnn-classifier (float64, random weights)") {
  Generator gen(fresh_seed());
  for (const std::string name : {"promoter", "cnn-classifier"}) {
    CAPTURE(name);
    const int64_t len = 120;
    auto model = genomics::make_model({.name = name, .input_length = len, .outputs = 1}, gen);
    randomize_batch_norms(*model, gen);
    model->to(DType::F64);
    std::vector<std::string> seqs;
    for (int i = 0; i < 3; ++i) seqs.push_back(random_dna(len, gen));
    const Array x = genomics::one_hot(seqs).to(DType::F64);
    const Array refs = genomics::dinucleotide_shuffles(x, 5, gen);  // [3, 5, 4, L]
    const genomics::DeepLiftShapResult r =
        genomics::deeplift_shap(*model, x, refs, {.batch_rows = 12});
    for (int64_t i = 0; i < 3; ++i) {
      const double expected = r.output[i] - r.reference_mean[i];
      double raw_sum = 0, projected_sum = 0;
      for (int64_t e = 0; e < 4 * len; ++e) {
        raw_sum += r.raw.data<double>()[i * 4 * len + e];
        projected_sum += r.projected.data<double>()[i * 4 * len + e];
      }
      CAPTURE(expected);
      CHECK(std::abs(r.delta[i]) <= 1e-10 * std::max(1.0, std::abs(expected)));
      CHECK(std::abs(raw_sum - expected) <= 1e-10 * std::max(1.0, std::abs(expected)));
      CHECK(std::abs(projected_sum - raw_sum) <= 1e-12 * std::max(1.0, std::abs(raw_sum)));
      CHECK(std::abs(expected) > 1e-6);  // the check is not vacuous
    }
    // The model is left as it was: training mode, parameters requiring gradients, no .grad.
    CHECK(model->is_training());
    for (const Tensor& p : model->parameters()) {
      CHECK(p.requires_grad());
      CHECK_FALSE(p.grad().defined());
    }
  }
}

TEST_CASE("deeplift_shap: shared references, hypothetical and projected contributions") {
  Generator gen(fresh_seed());
  const int64_t len = 40;
  auto model = genomics::make_model({.name = "tfbind", .input_length = len, .outputs = 2}, gen);
  model->to(DType::F64);
  const Array x = genomics::one_hot({random_dna(len, gen), random_dna(len, gen)}).to(DType::F64);
  const Array refs =
      genomics::one_hot({random_dna(len, gen), random_dna(len, gen), random_dna(len, gen)})
          .to(DType::F64);  // [3, 4, L], shared
  const auto r = genomics::deeplift_shap(*model, x, refs, {.output_index = 1});
  for (int64_t i = 0; i < 2; ++i) CHECK(std::abs(r.delta[i]) < 1e-10);
  // projected = x · hypothetical; at a one-hot column it sums to raw's column sum.
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t p = 0; p < len; ++p) {
      double raw = 0, proj = 0, hyp_at_base = 0;
      for (int64_t b = 0; b < 4; ++b) {
        const int64_t e = (i * 4 + b) * len + p;
        raw += r.raw.data<double>()[e];
        proj += r.projected.data<double>()[e];
        if (x.data<double>()[e] == 1) hyp_at_base = r.hypothetical.data<double>()[e];
      }
      CHECK(proj == doctest::Approx(raw).epsilon(1e-12));
      CHECK(proj == hyp_at_base);
    }
}

// A random graph with what the zoo's models lack: dilation, a residual add, sigmoid, tanh, exp,
// average and overlapping max pooling. Per pair, Σ m · (x − r) over the input half must equal
// f(x) − f(r).
TEST_CASE("deeplift: summation to delta on a random graph with dilation, residual adds and pools") {
  Generator gen(fresh_seed());
  const int64_t pairs = 3, len = 30;
  const Array x = random_array({2 * pairs, 4, len}, gen, DType::F64);
  Tensor input(x.clone(), true);
  const Tensor w1(random_array({5, 4, 3}, gen, DType::F64)), b1(random_array({5}, gen, DType::F64));
  const Tensor w2(random_array({5, 5, 3}, gen, DType::F64));
  const Tensor h = tanh(conv1d(input, w1, b1, 1, 2, 2));          // [2M, 5, 30]
  const Tensor res = sigmoid(conv1d(h, w2, Tensor(), 1, 1) + h);  // [2M, 5, 30]
  const Tensor pooled = max_pool1d(avg_pool1d(res, 2), 3, 2);     // [2M, 5, 7]
  const Tensor e = exp(mul_scalar(pooled, 0.7));
  const Tensor w3(random_array({1, 35}, gen, DType::F64));
  const Tensor out = relu(linear(flatten(e), w3, Tensor())) + linear(flatten(pooled), w3, Tensor());
  deeplift_backward(out, Array::full(out.shape(), 1.0, DType::F64));
  const double* m = input.grad().data<double>();
  const double* v = x.data<double>();
  const double* f = out.data().data<double>();
  const int64_t column = 4 * len;
  for (int64_t j = 0; j < pairs; ++j) {
    double total = 0;
    for (int64_t e2 = 0; e2 < column; ++e2)
      total += m[j * column + e2] * (v[j * column + e2] - v[(pairs + j) * column + e2]);
    CHECK(total == doctest::Approx(f[j] - f[pairs + j]).epsilon(1e-10));
  }
}
