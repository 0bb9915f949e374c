// A BPNet-style dilated residual tower (Avsec et al. 2021), as ../shared/models/
// reference_models.py's DilatedResidualNet defines it, with its module names:
//
//   x [N, 4, L] -> stem: Conv1d(4 -> F, k 21, padding 10) -> stem_act: ReLU      h [N, F, L]
//   for i = 1..D:  h = h + acts[i-1](dilated[i-1](h))
//                  dilated[i-1]: Conv1d(F -> F, k 3, dilation 2^i, padding 2^i)    [N, F, L]
//   mean over the length                                                          [N, F]
//   head: Linear(F -> T)                                                          [N, T]
//
// Every layer keeps the length, and the mean makes the head independent of it: the model takes
// inputs of any length, and padded batches (--pad-with-mask): forward_padded zeroes what each
// layer computed past a row's own length, which is what the next conv's zero padding would have
// held for that row alone, and averages over the row's own positions, so every row gets its
// forward alone exactly (BatchNorm-free, so in training mode too). The residual adds make it a
// graph, not a chain: ISM runs it as whole forwards of mutant batches (interpret/ism.h).
#pragma once
#include <memory>

#include "genomics/models/padded_batch.h"
#include "nn/layers.h"

namespace dnagrad::genomics {

class DilatedResidualNet : public PaddedBatchModel {
 public:
  DilatedResidualNet(int64_t outputs, Generator& gen, int64_t filters = 64, int64_t dilated = 6);
  Tensor forward(const Tensor& x) override;
  Tensor forward_padded(const Tensor& x, const std::vector<int64_t>& lengths) override;

  std::shared_ptr<nn::Conv1d> stem;
  // Containers only, named like PyTorch's nn.ModuleList (dilated.0.weight, ...); forward walks
  // them pairwise, never calls their own forward.
  std::shared_ptr<nn::Sequential> dilated, acts;
  std::shared_ptr<nn::Linear> head;
  std::shared_ptr<nn::ReLU> stem_act;
};

}  // namespace dnagrad::genomics
