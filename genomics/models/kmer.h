// The documents' task models, with the module names of their PyTorch originals so state_dicts
// carry over. (The promoter model of seed 002 lives in genomics/models/promoter.h.)
#pragma once
#include <memory>

#include "nn/layers.h"

namespace dnagrad::genomics {

// Seed 001's DNA_Linear: x [N, 4, L] -> flatten -> lin: Linear(4L -> 1) -> [N, 1].
class KmerLinear : public nn::Module {
 public:
  KmerLinear(int64_t seq_len, Generator& gen);
  Tensor forward(const Tensor& x) override;
  std::shared_ptr<nn::Linear> lin;
};

// Seed 001's DNA_CNN: conv_net = Conv1d(4 -> filters, k) -> ReLU -> Flatten
//                                -> Linear(filters * (L - k + 1) -> 1); [N, 4, L] -> [N, 1].
class KmerCNN : public nn::Module {
 public:
  KmerCNN(int64_t seq_len, Generator& gen, int64_t filters = 32, int64_t kernel_size = 3);
  Tensor forward(const Tensor& x) override;
  bool forward_is_chain_of_children() const override { return true; }  // conv_net alone
  std::shared_ptr<nn::Sequential> conv_net;
  std::shared_ptr<nn::Conv1d> conv;  // conv_net's first layer, for motif extraction
};

}  // namespace dnagrad::genomics
