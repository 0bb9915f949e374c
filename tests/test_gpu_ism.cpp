// The GPU path of in-silico mutagenesis (genomics/interpret/ism.h on a CUDA model) and its kernel,
// ism_first_layer_mutants (kernels/ism.h).
//   On the CPU (these run everywhere): the CPU kernel against a direct convolution of each
//   mutant, and the first-layer predictor (genomics/ism_first_layer.cpp) run on a CPU model
//   against one whole-model forward per mutant.
//   On the GPU (suite "gpu"; without one they print DNAGRAD-GPU-SKIP): the CUDA kernel against
//   the CPU one in float64 (outputs poisoned with NaN first), and ISM of CUDA models (Batched and
//   Incremental, which take the first-layer path for chains) against the CPU Naive method in
//   float64, relative error < 1e-5, on random chains with and without BatchNorm, with dilation,
//   stride, max pools of 2, 3 and 4, average pools and AdaptiveAvgPool1d, the promoter model, a
//   model that is not a chain, windows, N positions, rc_average and output_index.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "genomics/interpret/ism.h"
#include "genomics/interpret/ism_predictors.h"
#include "genomics/sequence.h"
#include "gpu_test_util.h"
#include "ism_test_models.h"
#include "kernels/conv1d.h"
#include "kernels/ism.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;
using namespace dnagrad::testing::ism_models;
using genomics::IsmMethod;
using genomics::IsmOptions;

namespace {

// One geometry of the first layer and a batch of mutants of one random sequence (float64).
struct FirstLayerCase {
  int64_t c_out, len, kernel;
  kernels::Conv1dParams params;
  Array weight, bias, onehot;  // [C_out, 4, K], [C_out], [1, 4, L] with N columns
  std::vector<int64_t> positions, bases;
};

FirstLayerCase make_case(Generator& gen, int64_t c_out, int64_t len, int64_t kernel,
                         kernels::Conv1dParams params) {
  FirstLayerCase c{c_out,
                   len,
                   kernel,
                   params,
                   random_array({c_out, 4, kernel}, gen),
                   random_array({c_out}, gen),
                   genomics::one_hot({random_dna(len, gen, 0.15)}).to(DType::F64),
                   {},
                   {}};
  // Both ends, their neighbours and a few random positions, each with every base.
  std::vector<int64_t> where = {0, 1, len - 2, len - 1};
  for (int i = 0; i < 3; ++i) where.push_back(static_cast<int64_t>(gen.uniform() * len));
  for (int64_t p : where)
    for (int64_t b = 0; b < 4; ++b) c.positions.push_back(p), c.bases.push_back(b);
  return c;
}

// The reference's first-layer output [C_out, L_out] (bias included) on the CPU.
Array reference_output(const FirstLayerCase& c) {
  const int64_t len_out = c.params.out_length(c.len, c.kernel);
  Array y = Array::empty({1, c.c_out, len_out}, DType::F64);
  kernels::cpu::conv1d_forward(c.onehot, c.weight, c.bias, y, c.params);
  return y.reshape({c.c_out, len_out});
}

std::string case_desc(const FirstLayerCase& c) {
  return "C_out " + std::to_string(c.c_out) + ", L " + std::to_string(c.len) + ", K " +
         std::to_string(c.kernel) + ", stride " + std::to_string(c.params.stride) + ", padding " +
         std::to_string(c.params.padding) + ", dilation " + std::to_string(c.params.dilation);
}

// K 1..15 x stride 1..3 x dilation 1..3, padding drawn from 0..K, L long enough for the
// dilated kernel (and at least 4: both ends and their neighbours are mutated).
template <class F>
void for_each_geometry(Generator& gen, F&& f) {
  for (int64_t kernel = 1; kernel <= 15; ++kernel)
    for (int64_t stride = 1; stride <= 3; ++stride)
      for (int64_t dilation = 1; dilation <= 3; ++dilation) {
        const auto padding = static_cast<int64_t>(gen.uniform() * (kernel + 1));
        const int64_t len = (kernel - 1) * dilation + 4 + static_cast<int64_t>(gen.uniform() * 20);
        f(make_case(gen, 3, len, kernel,
                    {.stride = stride, .padding = padding, .dilation = dilation}));
      }
}

// out [M, C_out, L_out] of the kernel on `device`, poisoned first.
Array first_layer_mutants(const FirstLayerCase& c, Device device) {
  const Array reference = reference_output(c);
  Array out =
      poisoned({static_cast<int64_t>(c.positions.size()), reference.size(0), reference.size(1)})
          .to(device);
  kernels::ism_first_layer_mutants(reference.to(device), c.weight.to(device),
                                   c.onehot.reshape({4, c.len}).to(device), c.positions, c.bases,
                                   c.params, out);
  return out.to(Device::cpu());
}

// The first-layer predictor against one whole-model forward per mutant (the Naive predictor),
// on whatever device the model is: every mutant of every position of one sequence.
void check_first_layer_predictor(nn::Module& model, const std::string& dna, int64_t output_index,
                                 int64_t batch_size, Device device) {
  NoGrad no_grad;
  model.eval();
  auto first_layer =
      genomics::ism_detail::make_first_layer_predictor(model, output_index, batch_size, device);
  REQUIRE(first_layer);
  auto naive = genomics::ism_detail::make_batched_predictor(model, output_index, 1, device);
  const Array x = genomics::one_hot({dna}).to(DType::F64);
  std::vector<genomics::ism_detail::Mutant> mutants;
  for (int64_t p = 0; p < static_cast<int64_t>(dna.size()); ++p)
    for (int64_t b = 0; b < 4; ++b) mutants.push_back({p, b});
  std::vector<double> got(mutants.size()), expected(mutants.size());
  CHECK(first_layer->set_reference(x) == doctest::Approx(naive->set_reference(x)).epsilon(1e-12));
  first_layer->predict(mutants, got.data());
  naive->predict(mutants, expected.data());
  const auto m = static_cast<int64_t>(mutants.size());
  require_close(Array::from_vector({m}, got, DType::F64),
                Array::from_vector({m}, expected, DType::F64), 1e-10, 1e-12);
}

// L = 64: conv (stride 2, dilation 2) 29 -> BatchNorm -> ReLU -> maxpool(4, stride 2) 13 ->
// conv 13 -> ReLU -> AdaptiveAvgPool1d(1) -> Flatten -> Linear -> [B, 2].
ModulePtr strided_first_layer_model(Generator& gen) {
  return chain({
      std::make_shared<nn::Conv1d>(4, 6, 4, gen,
                                   nn::Conv1dOptions{.stride = 2, .padding = 1, .dilation = 2}),
      std::make_shared<nn::BatchNorm1d>(6),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool1d>(4, 2),
      std::make_shared<nn::Conv1d>(6, 5, 3, gen, nn::Conv1dOptions{.padding = 1}),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::AdaptiveAvgPool1d>(1),
      std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(5, 2, gen),
  });
}

// ISM of the model on the CPU (Naive, float64), then on the GPU with Batched and Incremental.
void check_gpu_ism(nn::Module& model, const std::vector<std::string>& seqs, IsmOptions options) {
  model.to(Device::cpu());
  const Array x = genomics::one_hot(seqs);
  options.method = IsmMethod::Naive;
  const Array expected = genomics::in_silico_mutagenesis(model, x, options);
  model.to(Device::cuda());
  for (IsmMethod method : {IsmMethod::Batched, IsmMethod::Incremental}) {
    INFO("method ", static_cast<int>(method));
    options.method = method;
    const Array ism = genomics::in_silico_mutagenesis(model, x, options);
    CHECK(ism.dtype() == DType::F64);
    require_close(ism, expected, 1e-5, 1e-12);
    const int64_t width = ism.size(2);
    for (size_t n = 0; n < seqs.size(); ++n)
      for (int64_t j = 0; j < width; ++j)
        for (int64_t b = 0; b < 4; ++b)
          if (seqs[n][options.start + j] == "ACGT"[b]) {
            CHECK(ism.at({static_cast<int64_t>(n), b, j}) == 0.0);
          }
  }
  model.to(Device::cpu());
}

}  // namespace

TEST_CASE("ism: ism_first_layer_mutants on the CPU equals a direct convolution of each mutant") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for_each_geometry(gen, [&](const FirstLayerCase& c) {
    INFO(case_desc(c));
    const Array got = first_layer_mutants(c, Device::cpu());
    const int64_t len_out = got.size(2);
    Array expected = Array::empty(got.shape(), DType::F64);
    for (size_t m = 0; m < c.positions.size(); ++m) {
      Array mutant = c.onehot.clone();  // [1, 4, L]
      for (int64_t b = 0; b < 4; ++b)
        mutant.data<double>()[b * c.len + c.positions[m]] = b == c.bases[m] ? 1.0 : 0.0;
      Array y = Array::empty({1, c.c_out, len_out}, DType::F64);
      kernels::cpu::conv1d_forward(mutant, c.weight, c.bias, y, c.params);
      std::copy_n(y.data<double>(), y.numel(), expected.data<double>() + m * y.numel());
    }
    require_close(got, expected, 1e-10, 1e-12);
  });
  // Bad arguments name the mutant.
  const FirstLayerCase c = make_case(gen, 2, 10, 3, {.padding = 1});
  Array out = Array::empty({1, 2, 10}, DType::F64);
  const std::vector<int64_t> position = {10}, base = {0};
  CHECK_THROWS_WITH_AS(
      kernels::ism_first_layer_mutants(reference_output(c), c.weight, c.onehot.reshape({4, 10}),
                                       position, base, c.params, out),
      doctest::Contains("mutant 0 (position 10, base 0)"), Error);
}

TEST_CASE("ism: the first-layer predictor on CPU models matches one forward per mutant") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  ModulePtr strided = strided_first_layer_model(gen);
  randomize_batchnorms(*strided, gen);
  strided->to(DType::F64);
  check_first_layer_predictor(*strided, random_dna(64, gen, 0.1), 1, 37, Device::cpu());
  ModulePtr flat = pooled_flatten_model(gen);
  randomize_batchnorms(*flat, gen);
  flat->to(DType::F64);
  check_first_layer_predictor(*flat, random_dna(50, gen, 0.1), 0, 256, Device::cpu());
  // Not a chain: no first-layer predictor (ISM falls back to Batched).
  SkipModel skip(gen);
  CHECK_FALSE(genomics::ism_detail::make_first_layer_predictor(skip, 0, 16, Device::cpu()));
}

TEST_SUITE("gpu") {
  TEST_CASE("gpu: ism_first_layer_mutants matches the CPU kernel in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    auto check = [&](const FirstLayerCase& c) {
      INFO(case_desc(c));
      require_close(first_layer_mutants(c, Device::cuda()), first_layer_mutants(c, Device::cpu()),
                    1e-10, 1e-12);
    };
    for_each_geometry(gen, check);
    check(make_case(gen, 256, 2000, 15, {.padding = 7}));  // the promoter model's first layer
  }

  TEST_CASE("gpu: ISM of CUDA chains matches the CPU Naive method in float64") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    ModulePtr dilated = strided_dilated_model(gen);  // BatchNorm, dilation, stride, max pools 2, 3
    randomize_batchnorms(*dilated, gen);
    dilated->to(DType::F64);
    const std::vector<std::string> seqs60 = {random_dna(60, gen, 0.1), random_dna(60, gen, 0.1)};
    check_gpu_ism(*dilated, seqs60, {.output_index = 2, .batch_size = 7});
    check_gpu_ism(*dilated, seqs60, {.start = 3, .end = 41, .rc_average = true});

    ModulePtr flat = pooled_flatten_model(gen);  // max pool 4, avg pool, Flatten
    randomize_batchnorms(*flat, gen);
    flat->to(DType::F64);
    const std::vector<std::string> seqs50 = {random_dna(50, gen, 0.1)};
    check_gpu_ism(*flat, seqs50, {.output_index = 1, .batch_size = 33});
    check_gpu_ism(*flat, seqs50, {.start = 0, .end = 9, .rc_average = true, .batch_size = 5});

    ModulePtr plain = no_batchnorm_model(gen);  // no BatchNorm, avg pool, AdaptiveAvgPool1d(3)
    plain->to(DType::F64);
    check_gpu_ism(*plain, {random_dna(40, gen, 0.1)}, {.batch_size = 256});
    check_gpu_ism(*plain, {random_dna(40, gen, 0.1)}, {.start = 30, .rc_average = true});

    ModulePtr strided = strided_first_layer_model(gen);  // first conv strided and dilated
    randomize_batchnorms(*strided, gen);
    strided->to(DType::F64);
    check_gpu_ism(*strided, {random_dna(64, gen, 0.1)}, {.output_index = 1, .batch_size = 19});
    check_gpu_ism(*strided, {random_dna(64, gen, 0.1)},
                  {.start = 50, .output_index = 1, .rc_average = true});
  }

  TEST_CASE("gpu: ISM of the promoter model and of a non-chain model on CUDA match the CPU") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    genomics::PromoterExpressionModel promoter(gen);
    randomize_batchnorms(promoter, gen);
    promoter.to(DType::F64);
    const std::vector<std::string> seqs = {random_dna(300, gen, 0.02)};
    check_gpu_ism(promoter, seqs, {.start = 130, .end = 170, .batch_size = 64});
    check_gpu_ism(promoter, seqs, {.start = 0, .end = 12, .rc_average = true});

    SkipModel skip(gen);  // not a chain: Batched on the GPU
    skip.to(DType::F64);
    check_gpu_ism(skip, {random_dna(30, gen, 0.1)}, {.output_index = 1, .batch_size = 16});
  }
}
