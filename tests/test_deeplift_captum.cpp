// DeepSHAP against captum: tests/fixtures/make_deeplift_fixture.py built our cnn-classifier in
// PyTorch (float64, eval mode, random BatchNorm statistics) and recorded captum's DeepLiftShap
// attributions of 3 one-hot sequences against 4 shared one-hot baselines. Our raw contributions
// for the same weights and baselines must equal them. The fixture files are committed; a missing
// one fails the test (read_safetensors throws), it is never skipped.
#include <cmath>
#include <string>

#include "genomics/interpret/deeplift_shap.h"
#include "genomics/models/model_zoo.h"
#include "nn/checkpoint.h"
#include "test_util.h"

using namespace dnagrad;

namespace {

const std::string kFixtures = std::string(DNAGRAD_SOURCE_DIR) + "/tests/fixtures/";

Array expected(const nn::SafetensorsContents& file, const std::string& name) {
  for (const auto& [key, array] : file.tensors)
    if (key == name) return array;
  FAIL("no tensor ", name, " in deeplift_expected.safetensors");
  return Array();
}

}  // namespace

TEST_CASE("deeplift_shap: --raw equals captum's DeepLiftShap on a PyTorch-made cnn-classifier") {
  const nn::SafetensorsContents file =
      nn::read_safetensors(kFixtures + "deeplift_expected.safetensors");
  Generator gen(1);
  auto model =
      genomics::make_model({.name = "cnn-classifier", .input_length = 64, .outputs = 1}, gen);
  model->to(DType::F64);
  nn::load_checkpoint(kFixtures + "deeplift_state.safetensors", *model);
  const Array x = expected(file, "x"), baselines = expected(file, "baselines");
  const genomics::DeepLiftShapResult r = genomics::deeplift_shap(*model, x, baselines);
  const Array captum = expected(file, "attributions");
  const double diff = testing::closeness(r.raw, captum, 0, 1);  // max |ours - captum|
  MESSAGE("max |raw - captum| = ", diff);
  CHECK(diff < 1e-10);
  // The model's outputs are PyTorch's.
  for (int64_t i = 0; i < 3; ++i)
    CHECK(r.output[i] ==
          doctest::Approx(expected(file, "output").data<double>()[i]).epsilon(1e-12));
}
