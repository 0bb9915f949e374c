// Architectures from a file against real PyTorch: tests/fixtures/arch_torch.json uses every layer
// type of the schema (named blocks, "same" padding, stride, dilation, a conv without bias, two
// BatchNorms with their own eps, relu/tanh/sigmoid, max/avg/adaptive pooling, flatten, dropout,
// linear and a two-output head). tests/fixtures/make_arch_torch_fixture.py built the nn.Sequential
// docs/models.md says it stands for and saved its state_dict with running statistics far from
// their defaults, its eval-mode outputs and, from a float64 copy, the gradients of sum(w * out)
// with respect to the input and every parameter. Here the same file is built by
// genomics::build_architecture, the state_dict loads strictly into it (every name and shape is
// PyTorch's), and outputs and gradients must be PyTorch's.
#include <fstream>
#include <sstream>

#include "genomics/models/arch_config.h"
#include "nn/checkpoint.h"
#include "test_util.h"

using namespace dnagrad;

namespace {

const std::string kFixtures = std::string(DNAGRAD_SOURCE_DIR) + "/tests/fixtures/";
constexpr int64_t kLength = 41, kOutputs = 2;

Array expected(const std::string& name) {
  static const nn::SafetensorsContents file =
      nn::read_safetensors(kFixtures + "arch_torch_expected.safetensors");
  for (const auto& [key, array] : file.tensors)
    if (key == name) return array;
  FAIL("no tensor ", name, " in arch_torch_expected.safetensors");
  return Array();
}

// The file's model, its weights from a fresh seed and then poisoned (NaN; -1 for the int64
// counters), so that any value the checkpoint does not assign shows in the outputs.
std::shared_ptr<nn::Sequential> poisoned_model() {
  std::ifstream in(kFixtures + "arch_torch.json");
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  auto model =
      genomics::build_architecture(genomics::parse_architecture(text.str(), "arch_torch.json"),
                                   kLength, kOutputs, gen)
          .module;
  for (auto& [name, array] : model->state_dict()) {
    Array dst = array;  // shares memory with the member
    dst.copy_from(array.dtype() == DType::I64 ? Array::scalar(-1, DType::I64)
                                              : testing::poisoned(array.shape(), array.dtype()));
  }
  return model;
}

double max_abs_diff(const Array& a, const Array& b) { return testing::closeness(a, b, 0, 1); }
double max_abs(const Array& a) { return max_abs_diff(a, Array::zeros(a.shape(), a.dtype())); }

}  // namespace

TEST_CASE("arch torch: PyTorch's state_dict of the file loads strictly and gives its outputs") {
  auto model = poisoned_model();
  CHECK(nn::load_checkpoint(kFixtures + "arch_torch.safetensors", *model).empty());
  CHECK(model->state_dict().size() == 19);  // 13 parameters, 3 buffers per BatchNorm

  // [3, 4, 41] one-hot -> [3, 2]; PyTorch's outputs span 0.19..0.53, far above the tolerance.
  model->eval();
  const Array x = expected("x");
  Array y;
  {
    NoGrad no_grad;
    y = model->forward(Tensor(x)).data();
  }
  REQUIRE(y.shape() == Shape{3, kOutputs});
  const double diff = max_abs_diff(y, expected("pred"));
  INFO("float32: max |ours - PyTorch's| = ", diff);
  CHECK(diff <= 1e-5);
}

TEST_CASE("arch torch: in float64 the outputs and every gradient are PyTorch's") {
  auto model = poisoned_model();
  REQUIRE(nn::load_checkpoint(kFixtures + "arch_torch.safetensors", *model).empty());
  model->eval();  // dropout off, BatchNorm on its running statistics, as in the fixture
  model->to(DType::F64);

  Tensor x(expected("x").to(DType::F64), /*requires_grad=*/true);
  const Tensor out = model->forward(x);
  const double diff = max_abs_diff(out.data(), expected("pred_f64"));
  INFO("float64 outputs: max |ours - PyTorch's| = ", diff);
  CHECK(diff <= 1e-12);

  // loss = sum(w * out) with PyTorch's fixed random w, so each output has its own weight.
  sum(mul(out, Tensor(expected("weights")))).backward();
  const Array grad_x = expected("grad.x");
  CHECK(max_abs_diff(x.grad(), grad_x) <= 1e-12 * (1 + max_abs(grad_x)));
  int checked = 0;
  for (const auto& [name, parameter] : model->named_parameters()) {
    INFO("gradient of ", name);
    REQUIRE(parameter.grad().defined());
    const Array reference = expected("grad." + name);
    const double scale = 1 + max_abs(reference);
    CHECK(max_abs_diff(parameter.grad(), reference) <= 1e-12 * scale);
    ++checked;
  }
  CHECK(checked == 13);  // convs 2 + 1 + 2, BatchNorms 2 + 2, linear 2, head 2
}
