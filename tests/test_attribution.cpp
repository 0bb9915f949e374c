// genomics/interpret/attribution.h: saliency and gradient x input. Saliency is checked against
// central finite differences of the model's prediction in float64 (every perturbed input spelled
// out and run forward, in eval mode), the reverse-complement average against finite differences on
// the reverse strand mapped back by hand and against the string reverse complement's attribution,
// and saliency against ISM on a model that is affine in its input, where they agree exactly.
// Also: grad x input = saliency * x, windows, batch-size independence, what is left of the
// model's state, errors, the logo scores and the attribution map SVG.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "genomics/interpret/attribution.h"
#include "genomics/interpret/ism.h"
#include "genomics/plot/plot_attribution.h"
#include "genomics/sequence.h"
#include "nn/layers.h"
#include "test_util.h"

using namespace dnagrad;
using genomics::AttributionMethod;
using genomics::AttributionOptions;

namespace {

// Random uppercase DNA; each base is N with probability n_rate.
std::string random_dna(int64_t len, Generator& gen, double n_rate) {
  std::string seq(static_cast<size_t>(len), 'N');
  for (char& base : seq)
    if (gen.uniform() >= n_rate) base = "ACGT"[static_cast<int>(gen.uniform() * 4)];
  return seq;
}

std::shared_ptr<nn::Sequential> chain(std::vector<std::shared_ptr<nn::Module>> layers) {
  return std::make_shared<nn::Sequential>(std::move(layers));
}

// L = 24, float64: conv -> BatchNorm (random running statistics) -> ReLU -> maxpool(2) 12 ->
// dilated conv -> ReLU -> Dropout -> AdaptiveAvgPool1d(3) -> Flatten -> Linear -> [B, 3].
// Starts in training mode, so Dropout and BatchNorm would change the numbers unless attribution
// switches to eval mode.
std::shared_ptr<nn::Sequential> small_model(Generator& gen) {
  auto bn = std::make_shared<nn::BatchNorm1d>(6);
  auto model = chain({
      std::make_shared<nn::Conv1d>(4, 6, 5, gen, nn::Conv1dOptions{.padding = 2}),
      bn,
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool1d>(2),
      std::make_shared<nn::Conv1d>(6, 5, 3, gen, nn::Conv1dOptions{.padding = 2, .dilation = 2}),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Dropout>(0.5, gen),
      std::make_shared<nn::AdaptiveAvgPool1d>(3),
      std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(15, 3, gen),
  });
  bn->running_mean.copy_from(testing::random_array({6}, gen, DType::F32, -0.5, 0.5));
  bn->running_var.copy_from(testing::random_array({6}, gen, DType::F32, 0.2, 2.0));
  model->to(DType::F64);
  model->train();
  return model;
}

// Output `output_index` of the model on each sequence of x [B, 4, L], in eval mode.
std::vector<double> predict(nn::Module& model, const Array& x, int64_t output_index) {
  NoGrad no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const Array y = model(Tensor(x)).data();
  model.train(was_training);
  const int64_t outputs = y.numel() / y.size(0);
  std::vector<double> values;
  for (int64_t i = 0; i < y.size(0); ++i)
    values.push_back(y.to_vector()[i * outputs + output_index]);
  return values;
}

// Central differences d prediction / d x[n, b, p] for every element of x [N, 4, L] (float64),
// all perturbed copies of one sequence in one batch: [N, 4, L].
Array finite_difference_gradient(nn::Module& model, const Array& x, int64_t output_index,
                                 double h = 1e-6) {
  const int64_t n = x.size(0), len = x.size(2), cells = 4 * len;
  const std::vector<double> values = x.to_vector();
  std::vector<double> grad(values.size());
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> batch;  // [2 * cells, 4, L]: +h then -h for each cell
    for (int64_t c = 0; c < cells; ++c)
      for (double sign : {1.0, -1.0}) {
        batch.insert(batch.end(), values.begin() + i * cells, values.begin() + (i + 1) * cells);
        batch[batch.size() - static_cast<size_t>(cells - c)] += sign * h;
      }
    const std::vector<double> f =
        predict(model, Array::from_vector({2 * cells, 4, len}, batch, DType::F64), output_index);
    for (int64_t c = 0; c < cells; ++c)
      grad[static_cast<size_t>(i * cells + c)] = (f[2 * c] - f[2 * c + 1]) / (2 * h);
  }
  return Array::from_vector(x.shape(), grad, DType::F64);
}

// a[n, 3 - b, L - 1 - p] at [n, b, p]: the map between the two strands of a one-hot [N, 4, L].
Array strand_flipped(const Array& a) {
  const int64_t n = a.size(0), len = a.size(2);
  std::vector<double> out(static_cast<size_t>(a.numel()));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t b = 0; b < 4; ++b)
      for (int64_t p = 0; p < len; ++p)
        out[static_cast<size_t>((i * 4 + b) * len + p)] = a.at({i, 3 - b, len - 1 - p});
  return Array::from_vector(a.shape(), out, DType::F64);
}

Array one_hot64(const std::vector<std::string>& seqs) {
  return genomics::one_hot(seqs).to(DType::F64);
}

// One-hot sequences plus U[0, 0.05) noise. On exact one-hot input neighbouring windows can tie
// in a max pool (a run of one base, a run of N's), where the model is not differentiable and a
// finite difference is not the gradient; the noise breaks the ties.
Array noisy_one_hot(const std::vector<std::string>& seqs, Generator& gen) {
  const Array x = one_hot64(seqs);
  const Array noise = testing::random_array(x.shape(), gen, DType::F64, 0, 0.05);
  std::vector<double> values = x.to_vector();
  for (size_t i = 0; i < values.size(); ++i) values[i] += noise.to_vector()[i];
  return Array::from_vector(x.shape(), values, DType::F64);
}

}  // namespace

TEST_CASE("attribution: saliency is the finite-difference gradient of the prediction") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  auto model = small_model(gen);
  const Array x = noisy_one_hot(
      {random_dna(24, gen, 0.1), random_dna(24, gen, 0.1), random_dna(24, gen, 0.0)}, gen);
  for (int64_t k : {0, 2}) {
    INFO("output ", k);
    const Array saliency = genomics::attribution(*model, x, {.output_index = k, .batch_size = 2});
    CHECK(saliency.dtype() == DType::F64);
    CHECK(saliency.shape() == Shape{3, 4, 24});
    testing::require_close(saliency, finite_difference_gradient(*model, x, k), 1e-5, 1e-8);
  }
  // Any input: the gradient at a random point.
  const Array noise = testing::random_array({2, 4, 24}, gen, DType::F64, 0, 1);
  testing::require_close(genomics::attribution(*model, noise, {.output_index = 1}),
                         finite_difference_gradient(*model, noise, 1), 1e-5, 1e-8);
}

TEST_CASE("attribution: gradient x input, windows and batch sizes") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  auto model = small_model(gen);
  std::vector<std::string> seqs;
  for (int i = 0; i < 5; ++i) seqs.push_back(random_dna(24, gen, 0.1));
  const Array x = one_hot64(seqs);
  const Array saliency = genomics::attribution(*model, x, {.output_index = 1});
  const Array gxi = genomics::attribution(
      *model, x, {.method = AttributionMethod::GradientTimesInput, .output_index = 1});
  const std::vector<double> s = saliency.to_vector(), in = x.to_vector(), g = gxi.to_vector();
  for (size_t i = 0; i < g.size(); ++i) {
    REQUIRE(g[i] == s[i] * in[i]);
    if (g[i] == 0) REQUIRE_FALSE(std::signbit(g[i]));  // 0, never -0 (files would show "-0")
  }
  // Each sequence's attribution is its own: any batch size gives the same numbers.
  for (int64_t batch : {1, 2, 3, 64}) {
    INFO("batch ", batch);
    testing::require_close(
        genomics::attribution(*model, x, {.output_index = 1, .batch_size = batch}), saliency, 1e-12,
        1e-15);
  }
  // A window is the same columns of the whole sequence's attribution.
  const Array window =
      genomics::attribution(*model, x, {.output_index = 1, .start = 7, .end = 19, .batch_size = 4});
  testing::require_close(window, genomics::slice_positions(saliency, 7, 19), 1e-12, 1e-15);
  CHECK(genomics::attribution(*model, x, {.start = 24}).shape() == Shape{5, 4, 0});
}

TEST_CASE("attribution: rc_average averages the reverse complement's gradient, flipped back") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  auto model = small_model(gen);
  const std::vector<std::string> seqs = {random_dna(24, gen, 0.1), random_dna(24, gen, 0.1)};
  const Array x = noisy_one_hot(seqs, gen);
  const Array x_rc = strand_flipped(x);  // the reverse complement
  // d/dx (f(x) + f(rc(x))) / 2 = (grad f(x) + flip(grad f at rc(x))) / 2.
  const Array forward = finite_difference_gradient(*model, x, 2);
  const Array reverse = strand_flipped(finite_difference_gradient(*model, x_rc, 2));
  std::vector<double> expected(static_cast<size_t>(x.numel()));
  for (size_t i = 0; i < expected.size(); ++i)
    expected[i] = 0.5 * (forward.to_vector()[i] + reverse.to_vector()[i]);
  const Array averaged =
      genomics::attribution(*model, x, {.output_index = 2, .rc_average = true, .batch_size = 1});
  testing::require_close(averaged, Array::from_vector(x.shape(), expected, DType::F64), 1e-5, 1e-8);
  // Strand symmetric: the averaged attribution of the reverse-complement strings is this one
  // flipped, also for gradient x input and windows (window [3, 10) here is [14, 21) there).
  std::vector<std::string> rc;
  for (const std::string& seq : seqs) rc.push_back(genomics::reverse_complement(seq));
  const Array onehot = one_hot64(seqs), onehot_rc = one_hot64(rc);
  const AttributionOptions gxi{
      .method = AttributionMethod::GradientTimesInput, .output_index = 2, .rc_average = true};
  testing::require_close(genomics::attribution(*model, onehot_rc, gxi),
                         strand_flipped(genomics::attribution(*model, onehot, gxi)), 1e-12, 1e-15);
  AttributionOptions windowed = gxi;
  windowed.start = 3, windowed.end = 10;
  AttributionOptions mirrored = gxi;
  mirrored.start = 14, mirrored.end = 21;
  testing::require_close(genomics::attribution(*model, onehot_rc, mirrored),
                         strand_flipped(genomics::attribution(*model, onehot, windowed)), 1e-12,
                         1e-15);
}

namespace {

// [B, 1] -> [B]: single-output models return a vector, as the promoter model does.
class SqueezeOutput : public nn::Module {
 public:
  explicit SqueezeOutput(std::shared_ptr<nn::Module> inner) : inner_(std::move(inner)) {
    register_module("inner", inner_);
  }
  Tensor forward(const Tensor& x) override { return squeeze(inner_->forward(x), 1); }

 private:
  std::shared_ptr<nn::Module> inner_;
};

}  // namespace

TEST_CASE("attribution: on a model affine in its input ISM is the difference of gradients") {
  // f(x + d) - f(x) = grad . d exactly when f is affine: a substitution of base b for the
  // reference r at p has d = e_b - e_r, so ism[b, p] = saliency[b, p] - saliency[r, p], and at
  // an N (no reference) ism[b, p] = saliency[b, p].
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  SqueezeOutput model(chain({
      std::make_shared<nn::Conv1d>(4, 3, 5, gen, nn::Conv1dOptions{.padding = 2}),
      std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(3 * 30, 1, gen),
  }));
  model.to(DType::F64);
  const std::vector<std::string> seqs = {random_dna(30, gen, 0.15), random_dna(30, gen, 0.15)};
  const Array x = one_hot64(seqs);
  const Array saliency = genomics::attribution(model, x, {.start = 4, .end = 26});
  const Array ism = genomics::in_silico_mutagenesis(model, x, {.start = 4, .end = 26});
  std::vector<double> expected;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t b = 0; b < 4; ++b)
      for (int64_t j = 0; j < 22; ++j) {
        const char ref = seqs[static_cast<size_t>(n)][static_cast<size_t>(4 + j)];
        const int64_t r = genomics::base_index(ref);
        expected.push_back(saliency.at({n, b, j}) - (r >= 0 ? saliency.at({n, r, j}) : 0.0));
      }
  testing::require_close(ism, Array::from_vector({2, 4, 22}, expected, DType::F64), 1e-9, 1e-12);
}

TEST_CASE("attribution: the model's mode, parameters and their gradients are left as they were") {
  Generator gen(3);
  auto model = small_model(gen);
  nn::Module& dropout = *model->named_children()[6].second;
  dropout.eval();
  std::vector<Tensor> params = model->parameters();
  params[0].requires_grad_(false);
  params[1].grad() = Array::full(params[1].shape(), 0.25, DType::F64);
  const Array x = one_hot64({random_dna(24, gen, 0.0)});
  // Dropout in training mode would make two runs differ; in eval mode they are identical.
  const Array first = genomics::attribution(*model, x);
  CHECK(first.to_vector() == genomics::attribution(*model, x).to_vector());
  CHECK(model->is_training());
  CHECK_FALSE(params[0].requires_grad());
  for (size_t i = 1; i < params.size(); ++i) CHECK(params[i].requires_grad());
  CHECK(params[1].grad().to_vector() == std::vector<double>(params[1].numel(), 0.25));
  for (size_t i = 2; i < params.size(); ++i) CHECK_FALSE(params[i].grad().defined());
}

TEST_CASE("attribution: bad inputs and options are errors naming the value") {
  Generator gen(4);
  auto model = small_model(gen);
  const Array x = one_hot64({random_dna(24, gen, 0.0)});
  auto attribute = [&](const AttributionOptions& options) {
    return genomics::attribution(*model, x, options);
  };
  CHECK_THROWS_WITH_AS(attribute({.start = 5, .end = 25}), doctest::Contains("[5, 25)"), Error);
  CHECK_THROWS_WITH_AS(attribute({.start = 9, .end = 8}), doctest::Contains("[9, 8)"), Error);
  CHECK_THROWS_WITH_AS(attribute({.batch_size = 0}), doctest::Contains("batch_size"), Error);
  CHECK_THROWS_WITH_AS(attribute({.output_index = 3}), doctest::Contains("output_index 3"), Error);
  CHECK_THROWS_WITH_AS(genomics::attribution(*model, Array::zeros({1, 5, 24})),
                       doctest::Contains("[N, 4, L]"), Error);
  {
    NoGrad no_grad;
    CHECK_THROWS_WITH_AS(attribute({}), doctest::Contains("NoGrad"), Error);
  }
  auto batch_statistics = chain({
      std::make_shared<nn::Conv1d>(4, 2, 3, gen),
      std::make_shared<nn::BatchNorm1d>(2, nn::BatchNormOptions{.track_running_stats = false}),
      std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(2 * 2, 1, gen),
  });
  CHECK_THROWS_WITH_AS(genomics::attribution(*batch_statistics, genomics::one_hot({"ACGT"})),
                       doctest::Contains("running statistics"), Error);
  CHECK_THROWS_WITH_AS(genomics::slice_positions(x, 3, 30), doctest::Contains("[3, 30)"), Error);
}

TEST_CASE("attribution: reference_base_scores keeps the reference base, ISM's as -mean effect") {
  // One sequence A N T over 3 positions; scores by hand (ISM is 0 at the reference base).
  const Array onehot = genomics::one_hot({"ANT"});
  const Array scores = Array::from_vector({1, 4, 3}, {0.0, 0.5, 0.1,    // A
                                                      0.3, -0.2, 0.4,   // C
                                                      -0.6, 0.7, -0.8,  // G
                                                      0.9, 0.3, 0.0});  // T
  const auto at = [](const Array& a, int64_t b, int64_t j) { return a.at({0, b, j}); };
  const Array attr =
      genomics::reference_base_scores(scores, onehot, genomics::ScoreKind::Attribution);
  const Array ism = genomics::reference_base_scores(scores, onehot, genomics::ScoreKind::Ism);
  for (int64_t b = 0; b < 4; ++b)
    for (int64_t j = 0; j < 3; ++j) {
      const bool reference = (b == 0 && j == 0) || (b == 3 && j == 2);
      if (!reference) {
        CHECK(at(attr, b, j) == 0.0);
        CHECK(at(ism, b, j) == 0.0);
      }
    }
  CHECK(at(ism, 0, 0) == doctest::Approx(-(0.3 - 0.6 + 0.9) / 3));  // A: -0.2
  CHECK(at(ism, 3, 2) == doctest::Approx(-(0.1 + 0.4 - 0.8) / 3));  // T: +0.1
  const Array shifted = Array::from_vector({1, 4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  const Array kept =
      genomics::reference_base_scores(shifted, onehot, genomics::ScoreKind::Attribution);
  CHECK(kept.to_vector() == std::vector<double>{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12});
  CHECK_THROWS_WITH_AS(genomics::reference_base_scores(scores, genomics::one_hot({"ACGT"}),
                                                       genomics::ScoreKind::Ism),
                       doctest::Contains("one shape"), Error);
}

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("attribution: maps stack panels with one letter per scored base and one cell per value") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const size_t width = 450;
  plots::Matrix logo{4, width, std::vector<double>(4 * width, 0.0)};
  plots::Matrix heat{4, width, std::vector<double>(4 * width, 0.0)};
  size_t letters = 0, hot_cells = 0;
  for (size_t j = 0; j < width; ++j) {
    if (j % 9 == 4) continue;  // an N: no letter
    // A reference letter of height 0.2..1 in either direction: always tall enough to draw.
    const double height = (0.2 + 0.8 * gen.uniform()) * (gen.uniform() < 0.5 ? -1 : 1);
    logo.values[static_cast<size_t>(gen.uniform() * 4) * width + j] = height;
    ++letters;
    for (size_t b = 0; b < 4; ++b) {
      // A few cells at the largest value: they get the end colour of the scale, nothing else.
      const bool hot = gen.uniform() < 0.05;
      heat.values[b * width + j] = hot ? 2.0 : gen.uniform() * 3.8 - 1.9;
      hot_cells += hot;
    }
  }
  const std::string svg = plots::attribution_map(
      logo, heat, {.title = "seq: map", .value_label = "Δ", .first_position = 11});
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  CHECK(count(svg, "<path") == letters);
  CHECK(count(svg, "fill=\"#B2182B\"") == hot_cells);
  // Panels of 200 positions, numbered from first_position.
  CHECK(count(svg, ">positions 11–210<") == 1);
  CHECK(count(svg, ">positions 211–410<") == 1);
  CHECK(count(svg, ">positions 411–460<") == 1);
  CHECK(count(svg, ">positions ") == 3);
  CHECK(count(svg, ">seq: map<") == 1);
  CHECK(count(svg, ">score<") == 3);  // the default logo label, once per panel

  const std::string narrow = plots::attribution_map(logo, heat, {.panel_positions = 1000});
  CHECK(count(narrow, ">positions 1–450<") == 1);
  const plots::Matrix zeros{4, 3, std::vector<double>(12, 0.0)};
  CHECK(count(plots::attribution_map(zeros, zeros, {}), "<path") == 0);

  plots::Matrix bad = heat;
  bad.values[2 * width + 7] = std::nan("");
  CHECK_THROWS_WITH_AS(plots::attribution_map(logo, bad, {}), doctest::Contains("base G, column 8"),
                       Error);
  CHECK_THROWS_WITH_AS(plots::attribution_map(logo, zeros, {}),
                       doctest::Contains("450 positions but the heatmap 3"), Error);
  CHECK_THROWS_WITH_AS(plots::attribution_map({3, 1, {1, 2, 3}}, zeros, {}),
                       doctest::Contains("[4 x width]"), Error);
  CHECK_THROWS_WITH_AS(plots::attribution_map(zeros, zeros, {.column_width = 1}),
                       doctest::Contains("column_width"), Error);
}
