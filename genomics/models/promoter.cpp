#include "genomics/models/promoter.h"

#include "autograd/ops.h"

namespace dnagrad::genomics {

PromoterExpressionModel::PromoterExpressionModel(Generator& gen) {
  // Layers are built in PyTorch's order, so their initial values are drawn in that order too.
  conv_layers = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      // block 1: motif detection
      std::make_shared<nn::Conv1d>(4, 256, 15, gen, nn::Conv1dOptions{.padding = 7}),
      std::make_shared<nn::BatchNorm1d>(256),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool1d>(4, 4),
      // block 2: combinations of motifs
      std::make_shared<nn::Conv1d>(256, 128, 5, gen, nn::Conv1dOptions{.padding = 2}),
      std::make_shared<nn::BatchNorm1d>(128),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool1d>(4, 4),
      // block 3: context, then one value per channel
      std::make_shared<nn::Conv1d>(128, 64, 3, gen, nn::Conv1dOptions{.padding = 1}),
      std::make_shared<nn::BatchNorm1d>(64),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::AdaptiveAvgPool1d>(1),
  });
  fc = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(64, 32, gen),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Dropout>(0.3, gen),
      std::make_shared<nn::Linear>(32, 1, gen),
  });
  register_module("conv_layers", conv_layers);
  register_module("fc", fc);
}

Tensor PromoterExpressionModel::forward(const Tensor& x) {
  return squeeze(fc->forward(conv_layers->forward(x)), -1);
}

}  // namespace dnagrad::genomics
