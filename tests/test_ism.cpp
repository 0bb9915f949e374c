// genomics/interpret/ism.h: in-silico mutagenesis. Every method (Naive, Batched, Incremental) is
// checked against a brute-force loop written here from strings: each mutant is spelled out as a DNA
// string, one-hot encoded and run through the model, in float64 (models converted with
// Module::to(DType::F64)), so the methods must agree to rounding. The models are small random
// chains covering the windowed layers' geometry (padding, stride, dilation, pool sizes,
// count_include_pad), BatchNorm with non-trivial running statistics, every kind of mixing layer,
// multi-output models, windows, N positions and the reverse-complement average.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "genomics/interpret/ism.h"
#include "genomics/interpret/ism_predictors.h"
#include "genomics/models/kmer.h"
#include "genomics/models/promoter.h"
#include "genomics/sequence.h"
#include "ism_test_models.h"
#include "nn/checkpoint.h"
#include "nn/layers.h"
#include "test_util.h"

using namespace dnagrad;
using genomics::IsmMethod;
using genomics::IsmOptions;
using namespace dnagrad::testing::ism_models;

namespace {

// Output `output_index` of the model for each sequence (averaged with the reverse complement's
// when rc_average), in the model's dtype and returned as doubles.
std::vector<double> predictions(nn::Module& model, const std::vector<std::string>& seqs,
                                int64_t output_index, bool rc_average, DType dtype) {
  auto run = [&](const std::vector<std::string>& batch) {
    const Array y = model(Tensor(genomics::one_hot(batch).to(dtype))).data();
    const int64_t outputs = y.numel() / y.size(0);
    std::vector<double> values(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) values[i] = y.to_vector()[i * outputs + output_index];
    return values;
  };
  std::vector<double> values = run(seqs);
  if (rc_average) {
    std::vector<std::string> rc;
    for (const std::string& s : seqs) rc.push_back(genomics::reverse_complement(s));
    const std::vector<double> rc_values = run(rc);
    for (size_t i = 0; i < values.size(); ++i) values[i] = 0.5 * (values[i] + rc_values[i]);
  }
  return values;
}

// The brute-force ISM [N, 4, end - start] (float64): every substituted string through the model.
Array brute_force_ism(nn::Module& model, const std::vector<std::string>& seqs, int64_t start,
                      int64_t end, int64_t output_index = 0, bool rc_average = false) {
  NoGrad no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const DType dtype = model.parameters().front().dtype();
  const int64_t width = end - start;
  std::vector<double> ism(seqs.size() * 4 * width, 0.0);
  for (size_t n = 0; n < seqs.size(); ++n) {
    std::vector<std::string> mutants;
    std::vector<int64_t> where;  // index into ism
    for (int64_t p = start; p < end; ++p)
      for (int64_t b = 0; b < 4; ++b) {
        if (seqs[n][p] == "ACGT"[b]) continue;  // the reference base: 0
        mutants.push_back(seqs[n]);
        mutants.back()[p] = "ACGT"[b];
        where.push_back((n * 4 + b) * width + p - start);
      }
    const double reference = predictions(model, {seqs[n]}, output_index, rc_average, dtype)[0];
    const std::vector<double> mutated =
        predictions(model, mutants, output_index, rc_average, dtype);
    for (size_t i = 0; i < mutants.size(); ++i) ism[where[i]] = mutated[i] - reference;
  }
  model.train(was_training);
  return Array::from_vector({static_cast<int64_t>(seqs.size()), 4, width}, ism, DType::F64);
}

Array ism_of(nn::Module& model, const std::vector<std::string>& seqs, IsmOptions options) {
  return genomics::in_silico_mutagenesis(model, genomics::one_hot(seqs), options);
}

// Every method against the brute force, in float64.
void check_all_methods(nn::Module& model, const std::vector<std::string>& seqs,
                       IsmOptions options) {
  const int64_t end = options.end == -1 ? static_cast<int64_t>(seqs[0].size()) : options.end;
  const Array expected =
      brute_force_ism(model, seqs, options.start, end, options.output_index, options.rc_average);
  for (IsmMethod method : {IsmMethod::Naive, IsmMethod::Batched, IsmMethod::Incremental}) {
    INFO("method ", static_cast<int>(method));
    options.method = method;
    const Array ism = ism_of(model, seqs, options);
    CHECK(ism.dtype() == DType::F64);
    testing::require_close(ism, expected, 1e-9, 1e-12);
    // The reference base is exactly 0 (not a difference that happens to be small).
    for (size_t n = 0; n < seqs.size(); ++n)
      for (int64_t p = options.start; p < end; ++p)
        for (int64_t b = 0; b < 4; ++b)
          if (seqs[n][p] == "ACGT"[b]) {
            CHECK(ism.at({static_cast<int64_t>(n), b, p - options.start}) == 0.0);
          }
  }
}

}  // namespace

TEST_CASE("ism: chains with dilation, stride and max pools, multi-output, match brute force") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  ModulePtr model = strided_dilated_model(gen);
  randomize_batchnorms(*model, gen);
  model->to(DType::F64);
  const std::vector<std::string> seqs = {random_dna(60, gen, 0.1), random_dna(60, gen, 0.1)};
  check_all_methods(*model, seqs, {.output_index = 2, .batch_size = 7});
  check_all_methods(*model, seqs, {.start = 3, .end = 41, .output_index = 1, .batch_size = 64});
  check_all_methods(*model, seqs, {.start = 50, .rc_average = true, .batch_size = 10});
}

TEST_CASE("ism: avg pools, padding, Flatten and AdaptiveAvgPool1d(3) mixing match brute force") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  ModulePtr flat = pooled_flatten_model(gen);
  randomize_batchnorms(*flat, gen);
  flat->to(DType::F64);
  const std::vector<std::string> seqs50 = {random_dna(50, gen, 0.1), random_dna(50, gen, 0.1)};
  check_all_methods(*flat, seqs50, {.output_index = 1, .batch_size = 33});
  check_all_methods(*flat, seqs50, {.start = 0, .end = 9, .rc_average = true, .batch_size = 5});

  ModulePtr plain = no_batchnorm_model(gen);
  plain->to(DType::F64);
  const std::vector<std::string> seqs40 = {random_dna(40, gen, 0.1)};
  check_all_methods(*plain, seqs40, {.batch_size = 256});
  check_all_methods(*plain, seqs40, {.start = 30, .end = 40, .rc_average = true});
}

// The incremental method computes pools on its windows by hand (its file,
// genomics/interpret/ism_incremental.cpp, says why) and BatchNorm and ReLU through the kernels.
// Without convolutions (whose windows add a change instead of recomputing) every activation it
// patches in must be the kernels' bit for bit: with Flatten as the mixing layer each output is
// one activation, so incremental ISM equals the naive method (whole forwards through the kernels)
// exactly, in float32 and float64.
TEST_CASE("ism: windowed pools and BatchNorm and ReLU equal the kernels bit for bit") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  // L = 40 -> 20 -> 10 -> 8 -> 9 positions of 4 channels: every pooling option, padding on both
  // ends, overlapping windows and (after ReLU) many exact ties.
  ModulePtr model = chain({
      std::make_shared<nn::BatchNorm1d>(4),
      std::make_shared<nn::MaxPool1d>(3, 2, 1),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::AvgPool1d>(3, 2, 1, /*count_include_pad=*/false),
      std::make_shared<nn::BatchNorm1d>(4, nn::BatchNormOptions{.affine = false}),
      std::make_shared<nn::MaxPool1d>(2, 1, 0, /*dilation=*/2),
      std::make_shared<nn::AvgPool1d>(2, 1, 1, /*count_include_pad=*/true),
      std::make_shared<nn::Dropout>(0.5, gen),
      std::make_shared<nn::Flatten>(),
  });
  randomize_batchnorms(*model, gen);
  REQUIRE(genomics::ism_detail::incremental_plan(*model).windowed.size() == 8);
  const std::vector<std::string> seqs = {random_dna(40, gen, 0.1), random_dna(40, gen, 0.0)};
  for (DType dtype : {DType::F32, DType::F64}) {
    model->to(dtype);
    for (int64_t output : {0, 4, 13, 22, 35}) {  // channel output / 9, position output % 9
      INFO(dtype_name(dtype), ", output ", output);
      IsmOptions options{.output_index = output, .batch_size = 16};
      options.method = IsmMethod::Naive;
      const Array naive =
          genomics::in_silico_mutagenesis(*model, genomics::one_hot(seqs).to(dtype), options);
      options.method = IsmMethod::Incremental;
      const Array incremental =
          genomics::in_silico_mutagenesis(*model, genomics::one_hot(seqs).to(dtype), options);
      CHECK(incremental.to_vector() == naive.to_vector());
    }
  }
}

TEST_CASE("ism: models that are not chains (and KmerCNN) give the same numbers") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  SkipModel skip(gen);
  skip.to(DType::F64);
  CHECK(genomics::ism_detail::incremental_plan(skip).windowed.empty());  // falls back: Batched
  check_all_methods(skip, {random_dna(30, gen, 0.1)}, {.output_index = 1, .batch_size = 16});

  genomics::KmerCNN cnn(20, gen, 6, 3);
  cnn.to(DType::F64);
  const genomics::ism_detail::IncrementalPlan plan = genomics::ism_detail::incremental_plan(cnn);
  CHECK(plan.windowed == std::vector<std::string>{"conv_net.0", "conv_net.1"});
  CHECK(plan.mixing == "conv_net.2");
  CHECK_FALSE(plan.mean_update);
  check_all_methods(cnn, {random_dna(20, gen, 0.1), random_dna(20, gen, 0.0)},
                    {.rc_average = true, .batch_size = 9});
}

TEST_CASE("ism: the promoter model, float64 and float32, matches brute force") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  genomics::PromoterExpressionModel model(gen);
  randomize_batchnorms(model, gen);

  const genomics::ism_detail::IncrementalPlan plan = genomics::ism_detail::incremental_plan(model);
  CHECK(plan.windowed.size() == 11);
  CHECK(plan.windowed.front() == "conv_layers.0");
  CHECK(plan.mixing == "conv_layers.11");
  CHECK(plan.mean_update);

  const std::vector<std::string> seqs = {random_dna(200, gen, 0.02)};  // pools: 200 -> 50 -> 12
  // float32: every method against the float64 brute force of the same weights. ISM values are
  // up to about 1e-3 here and float32's rounding of the predictions leaves errors below 1e-7.
  std::vector<Array> float32_results;
  for (IsmMethod method : {IsmMethod::Naive, IsmMethod::Batched, IsmMethod::Incremental})
    float32_results.push_back(ism_of(model, seqs, {.start = 90, .end = 110, .method = method}));
  model.to(DType::F64);
  const Array expected = brute_force_ism(model, seqs, 90, 110);
  for (const Array& ism : float32_results) {
    CHECK(ism.dtype() == DType::F32);
    testing::require_close(ism, expected, 1e-4, 5e-7);
  }
  // float64 at the sequence's ends (through the reverse complement at both).
  check_all_methods(model, seqs, {.start = 0, .end = 10, .rc_average = true, .batch_size = 16});
}

TEST_CASE("ism: eval mode during, every module's own mode restored after") {
  Generator gen(5);
  ModulePtr model = strided_dilated_model(gen);
  model->train();
  nn::Module& block = *model->named_children()[4].second;  // the nested Sequential
  block.eval();
  const Array x = genomics::one_hot({random_dna(60, gen, 0.0)});
  // Dropout in training mode would make two runs differ; in eval mode they are identical.
  const Array first = genomics::in_silico_mutagenesis(*model, x, {.end = 10});
  const Array second = genomics::in_silico_mutagenesis(*model, x, {.end = 10});
  CHECK(first.to_vector() == second.to_vector());
  CHECK(model->is_training());
  CHECK_FALSE(block.is_training());
  CHECK(model->named_children()[0].second->is_training());
}

TEST_CASE("ism: bad inputs and options are errors naming the value") {
  Generator gen(6);
  ModulePtr model = strided_dilated_model(gen);
  Array x = genomics::one_hot({random_dna(60, gen, 0.0), random_dna(60, gen, 0.0)});
  auto ism = [&](const IsmOptions& options) {
    return genomics::in_silico_mutagenesis(*model, x, options);
  };
  CHECK_THROWS_WITH_AS(ism({.start = 10, .end = 61}), doctest::Contains("[10, 61)"), Error);
  CHECK_THROWS_WITH_AS(ism({.start = -1}), doctest::Contains("[-1, -1)"), Error);
  CHECK_THROWS_WITH_AS(ism({.batch_size = 0}), doctest::Contains("batch_size"), Error);
  CHECK_THROWS_WITH_AS(ism({.output_index = 3}), doctest::Contains("output_index 3"), Error);
  CHECK_THROWS_WITH_AS(genomics::in_silico_mutagenesis(*model, Array::zeros({2, 5, 60})),
                       doctest::Contains("[N, 4, L]"), Error);
  x.data<float>()[(1 * 4 + 2) * 60 + 17] = 0.5f;  // sequence 1, position 17: not one-hot
  CHECK_THROWS_WITH_AS(ism({}), doctest::Contains("sequence 1 (0-based), position 17"), Error);
  CHECK_NOTHROW(ism({.end = 17}));  // outside the window the model may see anything

  auto no_stats = chain(
      {std::make_shared<nn::Conv1d>(4, 2, 3, gen),
       std::make_shared<nn::BatchNorm1d>(2, nn::BatchNormOptions{.track_running_stats = false}),
       std::make_shared<nn::Flatten>()});
  CHECK_THROWS_WITH_AS(genomics::in_silico_mutagenesis(*no_stats, Array::zeros({1, 4, 5})),
                       doctest::Contains("running statistics"), Error);
}

TEST_CASE("ism: the promoter model matches PyTorch's ISM (tests/fixtures/promoter_torch_*)") {
  const std::string fixtures = std::string(DNAGRAD_SOURCE_DIR) + "/tests/fixtures/";
  const std::string model_file = fixtures + "promoter_torch.safetensors";
  const std::string expected_file = fixtures + "promoter_torch_expected.safetensors";
  // Missing fixtures fail the test: a comparison that did not run must not pass.
  REQUIRE_MESSAGE(std::filesystem::exists(model_file),
                  "the PyTorch fixture is missing: ", model_file,
                  "; make it with tests/fixtures/make_promoter_torch_fixture.py");
  REQUIRE_MESSAGE(std::filesystem::exists(expected_file),
                  "the PyTorch fixture is missing: ", expected_file,
                  "; make it with tests/fixtures/make_promoter_torch_fixture.py");
  Generator gen(0);
  genomics::PromoterExpressionModel model(gen);
  nn::load_checkpoint(model_file, model);
  const nn::SafetensorsContents expected = nn::read_safetensors(expected_file);
  auto tensor = [&](const std::string& name) {
    for (const auto& [key, value] : expected.tensors)
      if (key == name) return value;
    FAIL(expected_file, " has no tensor '", name, "'");
    return Array();
  };
  const Array x = tensor("x"), torch_ism = tensor("ism");
  const int64_t start = std::stoll(expected.metadata.at("ism_start"));
  const int64_t end = std::stoll(expected.metadata.at("ism_end"));
  const int64_t n_seqs = torch_ism.size(0), len = x.size(2);
  REQUIRE(torch_ism.shape() == Shape{n_seqs, 4, end - start});
  Array first = Array::empty({n_seqs, 4, len});
  std::copy_n(x.data<float>(), first.numel(), first.data<float>());

  // PyTorch computed in float64 and stored float32 (ISM values up to about 6e-3): our float64
  // model must agree to that storage (seen: 2e-10), the float32 model to float32's rounding of
  // the predictions (seen: 3e-8).
  const Array ours32 = genomics::in_silico_mutagenesis(model, first, {.start = start, .end = end});
  testing::require_close(ours32, torch_ism, 1e-3, 3e-7);
  model.to(DType::F64);
  const Array ours64 = genomics::in_silico_mutagenesis(model, first, {.start = start, .end = end});
  testing::require_close(ours64, torch_ism, 1e-6, 3e-9);
}
