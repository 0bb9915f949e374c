#include "nn/models.h"

#include "autograd/ops.h"

namespace dnagrad::nn {

PromoterExpressionModel::PromoterExpressionModel(Generator& gen) {
  // Layers are built in PyTorch's order, so their initial values are drawn in that order too.
  conv_layers = std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
      // block 1: motif detection
      std::make_shared<Conv1d>(4, 256, 15, gen, Conv1dOptions{.padding = 7}),
      std::make_shared<BatchNorm1d>(256),
      std::make_shared<ReLU>(),
      std::make_shared<MaxPool1d>(4, 4),
      // block 2: combinations of motifs
      std::make_shared<Conv1d>(256, 128, 5, gen, Conv1dOptions{.padding = 2}),
      std::make_shared<BatchNorm1d>(128),
      std::make_shared<ReLU>(),
      std::make_shared<MaxPool1d>(4, 4),
      // block 3: context, then one value per channel
      std::make_shared<Conv1d>(128, 64, 3, gen, Conv1dOptions{.padding = 1}),
      std::make_shared<BatchNorm1d>(64),
      std::make_shared<ReLU>(),
      std::make_shared<AdaptiveAvgPool1d>(1),
  });
  fc = std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
      std::make_shared<Flatten>(),
      std::make_shared<Linear>(64, 32, gen),
      std::make_shared<ReLU>(),
      std::make_shared<Dropout>(0.3, gen),
      std::make_shared<Linear>(32, 1, gen),
  });
  register_module("conv_layers", conv_layers);
  register_module("fc", fc);
}

Tensor PromoterExpressionModel::forward(const Tensor& x) {
  return squeeze(fc->forward(conv_layers->forward(x)), -1);
}

}  // namespace dnagrad::nn
