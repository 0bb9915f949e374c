// Models from the documents (../shared/seeds), built from nn layers with PyTorch's module names,
// so their state_dicts load into and from the PyTorch originals.
#pragma once
#include <memory>

#include "genomics/models/padded_batch.h"
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
// Padded batches (--pad-with-mask, genomics/models/padded_batch.h): forward_padded runs each
// row as if it were alone. After each block, every activation at a position the sequence alone
// would not have is set to zero, so the next convolution reads zeros there exactly as its own
// zero padding would, and the final mean runs over the sequence's positions only:
//
//   valid length     len  ->  block 1 pool: floor(len / 4)  ->  block 2 pool: floor(len / 16)
//
// (a max-pool window that straddles the end of the sequence is dropped, as the sequence alone
// has no such window). An N inside a sequence, even a long run of them, is data and stays in
// the mean; the lengths, not the input's zero columns, say where the padding starts.
// In eval mode a padded row equals the row alone to float rounding. In training mode
// BatchNorm's batch statistics are taken over every position of the batch, padding included
// (as PyTorch's BatchNorm1d does on a padded batch), so a batch's padding still moves the
// statistics that normalise its sequences; the running statistics learn them too.
class PromoterExpressionModel : public PaddedBatchModel {
 public:
  explicit PromoterExpressionModel(Generator& gen);
  Tensor forward(const Tensor& x) override;
  // lengths[i] >= 16 (two max-pools of 4 must leave one position); throws otherwise.
  Tensor forward_padded(const Tensor& x, const std::vector<int64_t>& lengths) override;
  // conv_layers then fc; the final squeeze(-1) is a reshape ([N, 1] -> [N]).
  bool forward_is_chain_of_children() const override { return true; }

  std::shared_ptr<nn::Sequential> conv_layers, fc;

 private:
  // conv_layers' three blocks without the average pool (the same layer objects).
  std::vector<std::shared_ptr<nn::Sequential>> blocks_;
};

}  // namespace dnagrad::genomics
