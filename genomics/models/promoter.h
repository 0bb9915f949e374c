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
//
// masked_pooling (trained with --pad-with-mask, where a batch is N-padded at the end to its
// longest sequence): the global average is taken only over the pooled positions whose 16-base
// window holds at least one base (A, C, G or T), so a short sequence's mean is not diluted by
// its padding. The windows come from the input itself (a padded column is all zero), so the mask
// needs no second input; a window of 16 N's inside a sequence is left out too. Same weights,
// same state_dict: only conv_layers.11 is replaced by the masked mean.
class PromoterExpressionModel : public nn::Module {
 public:
  explicit PromoterExpressionModel(Generator& gen, bool masked_pooling = false);
  Tensor forward(const Tensor& x) override;
  // conv_layers then fc; the final squeeze(-1) is a reshape ([N, 1] -> [N]).
  bool forward_is_chain_of_children() const override { return !masked_pooling_; }

  std::shared_ptr<nn::Sequential> conv_layers, fc;

 private:
  bool masked_pooling_;
  std::shared_ptr<nn::Sequential> features_;  // conv_layers 0..10
};

}  // namespace dnagrad::genomics
