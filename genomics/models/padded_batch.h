// Batches of sequences of different lengths (LengthPolicy::PadWithMask): each sequence N-padded
// at its end to the batch's longest, with the lengths alongside (Batch::lengths). A padded column
// is all zero, as an N inside a sequence is, so only the lengths tell padding from data; a model
// that takes such batches is told them.
//
//   x        [B, 4, L]   row i's bases in columns [0, lengths[i]), zero columns after
//   lengths  [B]         1 <= lengths[i] <= L
//
// forward_batch is the one call through which training, evaluation and prediction run a model
// on a Batch.
#pragma once
#include <cstdint>
#include <vector>

#include "genomics/data/dataset.h"
#include "nn/module.h"

namespace dnagrad::genomics {

// A module that also takes padded batches. forward(x) is the model on sequences of x's length.
class PaddedBatchModel : public nn::Module {
 public:
  // For each row i, what forward gives for that sequence alone (x[i, :, :lengths[i]] as a batch
  // of one) in eval mode, to float rounding: nothing computed over the padding reaches the
  // outputs. In training mode the model's header says what the padding still changes.
  virtual Tensor forward_padded(const Tensor& x, const std::vector<int64_t>& lengths) = 0;
};

// [N, 1, width], like's dtype and device: weight[i] at positions t < valid[i] and 0 after, to
// scale activations [N, C, width] per row and position (broadcast over the channels): with
// weight 1 it zeroes what a layer computed over the padding; with 1 / valid[i], a sum over the
// length is each row's mean over its own positions.
Tensor position_weights(const std::vector<int64_t>& valid, const std::vector<double>& weight,
                        int64_t width, const Tensor& like);

// The model on batch.x, moved to the model's device: forward_padded with batch.lengths for a
// padded batch (throws when the model is not a PaddedBatchModel), else forward.
Tensor forward_batch(nn::Module& model, const Batch& batch);

}  // namespace dnagrad::genomics
