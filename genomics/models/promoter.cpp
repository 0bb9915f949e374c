#include "genomics/models/promoter.h"

#include <algorithm>

#include "autograd/ops.h"
#include "core/error.h"

namespace dnagrad::genomics {

namespace {

constexpr int64_t kPool = 4;  // MaxPool1d(4) after blocks 1 and 2: kernel = stride = 4

}  // namespace

PromoterExpressionModel::PromoterExpressionModel(Generator& gen) {
  // Layers are built in PyTorch's order, so their initial values are drawn in that order too.
  const std::vector<std::shared_ptr<nn::Module>> layers{
      // block 1: motif detection
      std::make_shared<nn::Conv1d>(4, 256, 15, gen, nn::Conv1dOptions{.padding = 7}),
      std::make_shared<nn::BatchNorm1d>(256),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool1d>(kPool, kPool),
      // block 2: combinations of motifs
      std::make_shared<nn::Conv1d>(256, 128, 5, gen, nn::Conv1dOptions{.padding = 2}),
      std::make_shared<nn::BatchNorm1d>(128),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool1d>(kPool, kPool),
      // block 3: context, then one value per channel
      std::make_shared<nn::Conv1d>(128, 64, 3, gen, nn::Conv1dOptions{.padding = 1}),
      std::make_shared<nn::BatchNorm1d>(64),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::AdaptiveAvgPool1d>(1),
  };
  conv_layers = std::make_shared<nn::Sequential>(layers);
  // The same layer objects, block by block without the average pool, for forward_padded (not
  // registered: the parameters are conv_layers'; Sequential keeps its fused CPU path for
  // BatchNorm → ReLU → MaxPool).
  for (const auto& [first, last] : {std::pair{0, 4}, std::pair{4, 8}, std::pair{8, 11}})
    blocks_.push_back(std::make_shared<nn::Sequential>(
        std::vector<std::shared_ptr<nn::Module>>(layers.begin() + first, layers.begin() + last)));
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

Tensor PromoterExpressionModel::forward_padded(const Tensor& x,
                                               const std::vector<int64_t>& lengths) {
  DNAGRAD_CHECK(x.dim() == 3 && x.size(0) == static_cast<int64_t>(lengths.size()),
                "promoter model: a padded batch ", x.data().desc(), " with ", lengths.size(),
                " lengths");
  const int64_t width = x.size(2);
  for (int64_t len : lengths)
    DNAGRAD_CHECK(len >= kPool * kPool && len <= width, "promoter model: a sequence of ", len,
                  " bases in a batch padded to ", width, "; the model needs at least ",
                  kPool * kPool, " (two max-pools of ", kPool, " must leave one position)");
  if (std::all_of(lengths.begin(), lengths.end(), [&](int64_t len) { return len == width; }))
    return forward(x);  // no padding
  // valid[i]: the positions row i has when alone. h [N, C, L_b] after block b; its positions
  // t >= valid[i] (computed over padding, or from a pool window straddling the end) become 0.
  std::vector<int64_t> valid = lengths;
  Tensor h = blocks_[0]->forward(x);
  for (size_t b = 1; b < blocks_.size(); ++b) {
    for (int64_t& v : valid) v /= kPool;  // PyTorch's floor((len - 4) / 4) + 1 windows
    h = blocks_[b]->forward(
        mul(h, position_weights(valid, std::vector<double>(valid.size(), 1.0), h.size(2), h)));
  }
  // h [N, 64, L / 16]: the mean over each row's valid positions, [N, 64, 1] as the average pool
  // gives (weights 1 / valid[i], so one sum does it).
  std::vector<double> inverse;
  for (int64_t v : valid) inverse.push_back(1.0 / static_cast<double>(v));
  const Tensor pooled = sum(mul(h, position_weights(valid, inverse, h.size(2), h)), 2, true);
  return squeeze(fc->forward(pooled), -1);
}

}  // namespace dnagrad::genomics
