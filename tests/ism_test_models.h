// Random DNA and small random models for the ISM tests (tests/test_ism.cpp on the CPU,
// tests/test_gpu_ism.cpp on the GPU): chains covering the windowed layers' geometry (padding,
// stride, dilation, pool sizes, count_include_pad), BatchNorm with non-trivial running statistics
// and every kind of mixing layer.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "genomics/models/promoter.h"
#include "nn/layers.h"
#include "test_util.h"

namespace dnagrad::testing::ism_models {

using ModulePtr = std::shared_ptr<nn::Module>;

// Random uppercase DNA; each base is N with probability n_rate.
inline std::string random_dna(int64_t len, Generator& gen, double n_rate) {
  std::string seq(len, 'N');
  for (char& base : seq)
    if (gen.uniform() >= n_rate) base = "ACGT"[static_cast<int>(gen.uniform() * 4)];
  return seq;
}

// Gives every BatchNorm1d of the model random running statistics (and affine parameters), as
// after training, so eval mode differs visibly from the initial identity map.
inline void randomize_batchnorms(nn::Module& module, Generator& gen) {
  if (auto* bn = dynamic_cast<nn::BatchNorm1d*>(&module)) {
    const int64_t c = bn->num_features;
    bn->running_mean.copy_from(random_array({c}, gen, DType::F32, -0.5, 0.5));
    bn->running_var.copy_from(random_array({c}, gen, DType::F32, 0.2, 2.0));
    if (bn->options.affine) {
      bn->weight.data().copy_from(random_array({c}, gen, DType::F32, 0.5, 1.5));
      bn->bias.data().copy_from(random_array({c}, gen, DType::F32, -0.3, 0.3));
    }
  }
  for (auto& [name, child] : module.named_children()) randomize_batchnorms(*child, gen);
}

inline std::shared_ptr<nn::Sequential> chain(std::vector<ModulePtr> layers) {
  return std::make_shared<nn::Sequential>(std::move(layers));
}

// L = 60: conv 60 -> maxpool(2) 30 -> dilated conv 30 -> maxpool(3) 10 -> strided conv 5
// -> AdaptiveAvgPool1d(1) -> Linear -> [B, 3]. Mixing by the incremental mean.
inline ModulePtr strided_dilated_model(Generator& gen) {
  return chain({
      std::make_shared<nn::Conv1d>(4, 8, 5, gen, nn::Conv1dOptions{.padding = 2}),
      std::make_shared<nn::BatchNorm1d>(8),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool1d>(2),
      chain({
          std::make_shared<nn::Conv1d>(8, 6, 3, gen,
                                       nn::Conv1dOptions{.padding = 2, .dilation = 2}),
          std::make_shared<nn::BatchNorm1d>(6),
          std::make_shared<nn::ReLU>(),
          std::make_shared<nn::MaxPool1d>(3),
      }),
      std::make_shared<nn::Conv1d>(6, 5, 3, gen, nn::Conv1dOptions{.stride = 2, .padding = 1}),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Dropout>(0.2, gen),
      std::make_shared<nn::AdaptiveAvgPool1d>(1),
      std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(5, 3, gen),
  });
}

// L = 50: conv (no bias) 50 -> BatchNorm (not affine) -> maxpool(4, stride 3, padding 2) 17
// -> avgpool(3, stride 2, padding 1, count_include_pad false) 9 -> conv k2 8 -> Flatten ->
// Linear -> [B, 2]. Mixing by patching the whole activation into Flatten.
inline ModulePtr pooled_flatten_model(Generator& gen) {
  return chain({
      std::make_shared<nn::Conv1d>(4, 6, 7, gen, nn::Conv1dOptions{.padding = 3, .bias = false}),
      std::make_shared<nn::BatchNorm1d>(6, nn::BatchNormOptions{.affine = false}),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool1d>(4, 3, 2),
      std::make_shared<nn::AvgPool1d>(3, 2, 1, /*count_include_pad=*/false),
      std::make_shared<nn::Conv1d>(6, 4, 2, gen),
      std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(4 * 8, 2, gen),
  });
}

// L = 40, no BatchNorm: conv 40 -> avgpool(3, stride 2, padding 1; the padding counts) 20
// -> dilated conv 20 -> maxpool(3, stride 1, padding 1, dilation 2) 18 -> AdaptiveAvgPool1d(3)
// (mixing by patching) -> Linear -> [B, 1].
inline ModulePtr no_batchnorm_model(Generator& gen) {
  return chain({
      std::make_shared<nn::Conv1d>(4, 5, 3, gen, nn::Conv1dOptions{.padding = 1}),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::AvgPool1d>(3, 2, 1),
      std::make_shared<nn::Conv1d>(5, 5, 5, gen, nn::Conv1dOptions{.padding = 4, .dilation = 2}),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool1d>(3, 1, 1, 2),
      std::make_shared<nn::AdaptiveAvgPool1d>(3),
      std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(15, 1, gen),
  });
}

// Not a chain: its forward adds a skip connection, so ISM must treat it as a whole.
class SkipModel : public nn::Module {
 public:
  explicit SkipModel(Generator& gen)
      : conv(std::make_shared<nn::Conv1d>(4, 4, 3, gen, nn::Conv1dOptions{.padding = 1})),
        head(std::make_shared<nn::Linear>(4 * 30, 2, gen)) {
    register_module("conv", conv);
    register_module("head", head);
  }
  Tensor forward(const Tensor& x) override {
    return head->forward(flatten(relu(conv->forward(x)) + x, 1));
  }
  std::shared_ptr<nn::Conv1d> conv;
  std::shared_ptr<nn::Linear> head;
};

}  // namespace dnagrad::testing::ism_models
