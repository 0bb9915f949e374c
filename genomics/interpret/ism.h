// In-silico mutagenesis (ISM): what every single-base substitution does to a model's prediction.
//
//   ism[n, b, j] = prediction(x[n] with base b at position p) - prediction(x[n]),  p = start + j
//
// for each sequence n of onehot [N, 4, L], each position p of the window [start, end) and each
// base b in A, C, G, T (rows 0..3): ism is [N, 4, end - start]. "Base b at p" means column p of
// the one-hot matrix replaced by e_b. The reference base gets exactly 0 (it is not computed). At
// an N (an all-zero column) all 4 bases are substituted and compared with the N reference.
//
// The prediction is output `output_index` of the model (models return [B] — one output — or
// [B, T]), or with rc_average the mean of that output on x and on its reverse complement (the
// flip of both axes of a one-hot [4, L]): the strand-symmetric prediction
//   pred(x) = (model(x) + model(rc(x))) / 2.
// The model runs in eval mode (BatchNorm with its running statistics, Dropout off) and without a
// graph; each module's training flag is restored afterwards. The result has the model's dtype
// (float32, or float64 for a model converted with Module::to(DType::F64)).
//
// Three methods compute the same numbers (up to rounding):
//   Naive        one mutant per forward: the reference the others are tested against.
//   Batched      the mutants of one sequence through the model, batch_size at a time.
//   Incremental  like fastISM (Nair et al. 2022): the reference's activations are kept layer by
//                layer and, per mutant, only the window of each layer's output that position p
//                can reach is recomputed (through Conv1d, BatchNorm1d, ReLU, Dropout, MaxPool1d,
//                AvgPool1d), batched over mutants as GEMMs, up to the first layer that mixes all
//                positions; see interpret/ism_incremental.cpp. Models that are not a chain of
//                layers (nn::Module::forward_is_chain_of_children), or not on the CPU, use Batched.
// On a CUDA model (its parameters on a GPU) Batched and Incremental both take the GPU path when
// the model is a chain whose first layer is a Conv1d over the 4 bases: the reference's
// first-layer output is computed once per sequence and each mutant's is built from it on the GPU
// as reference + weight difference in the K outputs that see the mutated column
// (kernels/ism.h, no convolution); the rest of the chain then runs on the GPU in batches of
// batch_size mutants, and only the predictions come back. Any other CUDA model runs Batched on the
// GPU (mutant sequences built on the CPU and copied over). Naive is one whole-model forward per
// mutant on every device: the reference the others are tested against.
// Every method batches the mutants of one sequence at a time (never across sequences).
#pragma once
#include <cstdint>

#include "core/array.h"
#include "nn/module.h"

namespace dnagrad::genomics {

enum class IsmMethod { Naive, Batched, Incremental };

struct IsmOptions {
  int64_t start = 0, end = -1;  // the window [start, end) of positions; end -1 means L
  int64_t output_index = 0;     // which output of a [B, T] model
  bool rc_average = false;      // average the model over both strands
  int64_t batch_size = 256;     // mutants per forward (Batched, GPU) or per GEMM (Incremental)
  IsmMethod method = IsmMethod::Incremental;
};

// onehot [N, 4, L] float32 (or float64): every column of the window one-hot or all zero.
// Returns ism [N, 4, end - start]. Throws naming the option or the sequence and position at fault.
Array in_silico_mutagenesis(nn::Module& model, const Array& onehot, const IsmOptions& options = {});

}  // namespace dnagrad::genomics
