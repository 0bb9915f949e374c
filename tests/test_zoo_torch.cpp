// The zoo's published models against their PyTorch definitions (../shared/models/
// reference_models.py): tests/fixtures/make_zoo_torch_fixture.py built DeepSTARR and Basset in
// PyTorch, filled every state_dict tensor by a formula (fill_state there, fill_state here), and
// recorded the state_dict's names and shapes, eval-mode outputs in float32 and float64, and the
// float64 gradients of sum(w * out) for the input, the first conv's weight and the head's bias.
// Here `make_model({"deepstarr", 249, 2})`, `make_model({"basset", 600, 164})` and
// `make_model({"dilated-residual", 150, 3})` must have the very names and shapes, and give the
// same outputs and gradients.
#include <cmath>
#include <nlohmann/json.hpp>

#include "genomics/models/model_zoo.h"
#include "nn/checkpoint.h"
#include "test_util.h"

using namespace dnagrad;

namespace {

const std::string kFixtures = std::string(DNAGRAD_SOURCE_DIR) + "/tests/fixtures/";

struct Published {
  std::string name;
  int64_t length, outputs;
};

const Array& find(const nn::SafetensorsContents& file, const std::string& name) {
  for (const auto& [key, array] : file.tensors)
    if (key == name) return array;
  FAIL("no tensor ", name, " in the fixture");
  static const Array none;
  return none;
}

double max_abs_diff(const Array& a, const Array& b) { return testing::closeness(a, b, 0, 1); }
double max_abs(const Array& a) { return max_abs_diff(a, Array::zeros(a.shape(), a.dtype())); }

// The fixture script's formula: tensor t (state_dict order), element i (flat),
// s = ((40503 i + 9973 t + 1) mod 65536) / 32768 - 1, a multiple of 2^-15 in [-1, 1) that every
// machine computes exactly (a sine would differ in its last bit between libraries, and so,
// rarely, would the float32 it rounds to); the values below in float64, rounded to float32.
// BatchNorm weight 1 + 0.2 s, bias 0.1 s, running_mean 0.2 s, running_var 1 + 0.5 s^2,
// num_batches_tracked 5; conv/linear weight s / sqrt(elements per output), bias 0.1 s.
void fill_state(nn::Module& model) {
  nn::StateDict state = model.state_dict();
  auto has = [&](const std::string& name) {
    for (const auto& entry : state)
      if (entry.first == name) return true;
    return false;
  };
  for (size_t t = 0; t < state.size(); ++t) {
    const auto& [name, array] = state[t];
    const std::string prefix = name.substr(0, name.rfind('.'));
    const std::string leaf = name.substr(name.rfind('.') + 1);
    Array dst = array;  // shares memory with the member
    if (leaf == "num_batches_tracked") {
      dst.copy_from(Array::scalar(5, DType::I64));
      continue;
    }
    const bool batchnorm = has(prefix + ".running_mean");
    std::vector<double> values(static_cast<size_t>(array.numel()));
    for (size_t i = 0; i < values.size(); ++i) {
      const double s = double((40503 * int64_t(i) + 9973 * int64_t(t) + 1) % 65536) / 32768 - 1;
      if (batchnorm)
        values[i] = leaf == "weight"         ? 1 + 0.2 * s
                    : leaf == "bias"         ? 0.1 * s
                    : leaf == "running_mean" ? 0.2 * s
                                             : 1 + 0.5 * s * s;
      else if (leaf == "weight")
        values[i] = s / std::sqrt(double(array.numel() / array.size(0)));
      else
        values[i] = 0.1 * s;
    }
    dst.copy_from(Array::from_vector(array.shape(), values, DType::F64).to(DType::F32));
  }
}

void check_against_torch(const Published& p) {
  INFO("model ", p.name);
  const nn::SafetensorsContents file =
      nn::read_safetensors(kFixtures + "zoo_torch_" + p.name + ".safetensors");
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  auto model =
      genomics::make_model({.name = p.name, .input_length = p.length, .outputs = p.outputs}, gen);

  // The state_dict: PyTorch's names and shapes, in PyTorch's order.
  const auto torch_state = nlohmann::json::parse(file.metadata.at("state_dict"));
  const nn::StateDict state = model->state_dict();
  REQUIRE(state.size() == torch_state.size());
  for (size_t i = 0; i < state.size(); ++i) {
    CHECK(state[i].first == torch_state[i][0].get<std::string>());
    CHECK(state[i].second.shape() == torch_state[i][1].get<Shape>());
  }

  fill_state(*model);
  model->eval();
  const Array x = find(file, "x");
  REQUIRE(x.shape() == Shape{3, 4, p.length});
  {
    NoGrad no_grad;
    const Array y = model->forward(Tensor(x)).data();
    REQUIRE(y.shape() == Shape{3, p.outputs});
    const double diff = max_abs_diff(y, find(file, "pred")), scale = max_abs(find(file, "pred"));
    INFO("float32: max |ours - PyTorch's| = ", diff, " of max ", scale);
    CHECK(diff <= 1e-5 * scale);
  }

  model->to(DType::F64);
  Tensor x64(x.to(DType::F64), /*requires_grad=*/true);
  const Tensor out = model->forward(x64);
  const double diff = max_abs_diff(out.data(), find(file, "pred_f64"));
  INFO("float64: max |ours - PyTorch's| = ", diff);
  CHECK(diff <= 1e-13);
  sum(mul(out, Tensor(find(file, "weights")))).backward();
  auto check_grad = [&](const Array& ours, const std::string& name) {
    const Array& reference = find(file, "grad." + name);
    INFO("gradient of ", name, ": max |ours - PyTorch's| = ", max_abs_diff(ours, reference),
         " of max ", max_abs(reference));
    CHECK(max_abs(reference) > 0);
    CHECK(max_abs_diff(ours, reference) <= 1e-13 * max_abs(reference));
  };
  check_grad(x64.grad(), "x");
  int parameters_checked = 0;  // the fixture's first layer weight and head bias
  for (const auto& [name, parameter] : model->named_parameters())
    for (const auto& [key, array] : file.tensors)
      if (key == "grad." + name) {
        check_grad(parameter.grad(), name);
        ++parameters_checked;
      }
  CHECK(parameters_checked == 2);
}

}  // namespace

TEST_CASE("zoo torch: deepstarr has PyTorch's state_dict, outputs and gradients") {
  check_against_torch({"deepstarr", 249, 2});
}

TEST_CASE("zoo torch: basset has PyTorch's state_dict, outputs and gradients") {
  check_against_torch({"basset", 600, 164});
}

TEST_CASE("zoo torch: dilated-residual has PyTorch's state_dict, outputs and gradients") {
  check_against_torch({"dilated-residual", 150, 3});
}
