// nn/module.h's modules() and EvalMode, and nn/inference.h's predict_in_batches: the one walk of
// the module tree, the eval-mode guard, and the batched inference loop every prediction uses.
#include <numeric>
#include <string>
#include <vector>

#include "nn/inference.h"
#include "nn/layers.h"
#include "test_util.h"

using namespace dnagrad;

namespace {

// Sequential(Linear(3 -> 4), Sequential(ReLU, Dropout), Linear(4 -> 2)).
std::shared_ptr<nn::Sequential> small_model(Generator& gen) {
  auto inner = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::ReLU>(), std::make_shared<nn::Dropout>(0.5, gen)});
  return std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(3, 4, gen), inner, std::make_shared<nn::Linear>(4, 2, gen)});
}

}  // namespace

TEST_CASE("modules: every module once, in preorder, with its dotted path") {
  Generator gen(1);
  auto model = small_model(gen);
  std::vector<std::string> paths;
  for (const auto& [path, module] : model->modules()) paths.push_back(path);
  CHECK(paths == std::vector<std::string>{"", "0", "1", "1.0", "1.1", "2"});
  CHECK(model->modules().front().second == model.get());
}

TEST_CASE("EvalMode: eval inside the scope, each module's own flag back after") {
  Generator gen(2);
  auto model = small_model(gen);
  nn::Module& dropout = *model->modules()[4].second;
  dropout.train(false);  // a model with mixed modes
  {
    nn::EvalMode eval(*model);
    for (const auto& [path, module] : model->modules()) CHECK_FALSE(module->is_training());
  }
  for (const auto& [path, module] : model->modules())
    CHECK(module->is_training() == (module != &dropout));
}

TEST_CASE("predict_in_batches: the same outputs as one forward, for any batch size") {
  Generator gen(3);
  auto model = small_model(gen);
  const int64_t n = 7;
  std::vector<double> values(n * 3);
  std::iota(values.begin(), values.end(), -10.0);
  const Array x = Array::from_vector({n, 3}, values);
  Array whole;
  {
    nn::EvalMode eval(*model);
    NoGrad no_grad;
    whole = (*model)(Tensor(x)).data();
  }
  for (int64_t batch : {1, 2, 3, 7, 100}) {
    const Array y = nn::predict_in_batches(*model, n, batch, [&](int64_t first, int64_t count) {
      Array rows = Array::empty({count, 3});
      std::copy_n(x.data<float>() + first * 3, count * 3, rows.data<float>());
      return rows;
    });
    CAPTURE(batch);
    REQUIRE(y.shape() == Shape{n, 2});
    // Close, not bitwise: a BLAS library picks its kernel by the product's shape, so a row's
    // last bits can depend on how many rows share the product (PyTorch's too).
    CHECK(testing::closeness(y, whole, 1e-6, 1e-6) <= 1);
  }
  CHECK(model->is_training());  // the model's mode is back
  CHECK(nn::predict_in_batches(*model, 0, 4, [&](int64_t, int64_t) { return x; }).numel() == 0);
  CHECK_THROWS_WITH_AS(nn::predict_in_batches(*model, n, 4, [&](int64_t, int64_t) { return x; }),
                       doctest::Contains("for a batch of 4"), Error);
}
