#include "genomics/models/promoter.h"

#include "autograd/ops.h"

namespace dnagrad::genomics {

PromoterExpressionModel::PromoterExpressionModel(Generator& gen, bool masked_pooling)
    : masked_pooling_(masked_pooling) {
  // Layers are built in PyTorch's order, so their initial values are drawn in that order too.
  const std::vector<std::shared_ptr<nn::Module>> layers{
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
  };
  conv_layers = std::make_shared<nn::Sequential>(layers);
  // The same layer objects without the average pool, for the masked mean (not registered: the
  // parameters are conv_layers'; Sequential's forward keeps its fused CPU path for them).
  features_ = std::make_shared<nn::Sequential>(
      std::vector<std::shared_ptr<nn::Module>>(layers.begin(), layers.end() - 1));
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
  if (!masked_pooling_) return squeeze(fc->forward(conv_layers->forward(x)), -1);
  const Tensor h = features_->forward(x);
  // h [N, 64, L'] with L' = L / 16; seen [N, 1, L']: 1 where the window holds a base, else 0 (x is
  // one-hot: a column sums to 1 at a base, 0 at N or padding).
  const Tensor seen = max_pool1d(max_pool1d(sum(x, 1, true), 4), 4);
  // The mean over seen positions ([N, 64, 1], as the average pool gives); an all-N sequence
  // gives 0 rather than 0 / 0.
  const Tensor pooled = div(sum(mul(h, seen), 2, true), add_scalar(sum(seen, 2, true), 1e-6));
  return squeeze(fc->forward(pooled), -1);
}

}  // namespace dnagrad::genomics
