// Models from the documents (../shared/seeds), built from nn layers with PyTorch's module names,
// so their state_dicts load into and from the PyTorch originals.
#pragma once
#include <memory>

#include "nn/layers.h"

namespace dnagrad::genomics {

// Seed 002: predicts log-expression from a one-hot promoter, x [N, 4, L] -> y [N].
//
//   conv_layers  0 Conv1d(4, 256, k=15, p=7)   1 BatchNorm1d(256)   2 ReLU   3 MaxPool1d(4)
//                4 Conv1d(256, 128, k=5, p=2)  5 BatchNorm1d(128)   6 ReLU   7 MaxPool1d(4)
//                8 Conv1d(128, 64, k=3, p=1)   9 BatchNorm1d(64)   10 ReLU  11 AdaptiveAvgPool1d(1)
//   fc           0 Flatten   1 Linear(64, 32)   2 ReLU   3 Dropout(0.3)   4 Linear(32, 1)
//   forward      fc(conv_layers(x)).squeeze(-1)
//
// Shapes for L = 2000: [N, 256, 2000] -> pool [N, 256, 500] -> [N, 128, 500] -> pool
// [N, 128, 125] -> [N, 64, 125] -> [N, 64, 1] -> [N, 64] -> [N, 32] -> [N, 1] -> [N].
class PromoterExpressionModel : public nn::Module {
 public:
  explicit PromoterExpressionModel(Generator& gen);
  Tensor forward(const Tensor& x) override;
  // conv_layers then fc; the final squeeze(-1) is a reshape ([N, 1] -> [N]).
  bool forward_is_chain_of_children() const override { return true; }

  std::shared_ptr<nn::Sequential> conv_layers, fc;
};

}  // namespace dnagrad::genomics
