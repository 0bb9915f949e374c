// DeepLIFT (rescale rule) and DeepSHAP contributions of each base to a model's prediction,
// through the engine's DeepLIFT mode (autograd/deeplift.h; docs/interpretation.md).
//
// For a sequence x [4, L] and references r_1..r_K [4, L], one DeepLIFT sweep per pair (x, r_k)
// gives multipliers m_k [4, L] with Σ m_k · (x − r_k) ≈ f(x) − f(r_k). DeepSHAP averages over the
// references:
//   raw           raw[b, p]  = mean_k (x[b, p] − r_k[b, p]) · m_k[b, p]
//                 (what captum's DeepLiftShap returns for the same baselines)
//   hypothetical  hyp[b, p]  = mean_k (m_k[b, p] − Σ_c r_k[c, p] · m_k[c, p])
//                 the contribution base b would make at p: (e_b − r_k) · m_k summed over channels
//   projected     proj[b, p] = x[b, p] · hyp[b, p]: the observed base's contribution, 0 elsewhere
//                 (at a one-hot column proj sums to raw's column sum; an N column gets 0)
//   delta         Σ_{b,p} raw − (f(x) − mean_k f(r_k)): the convergence delta, 0 up to rounding
//                 and the |Δx| < 1e-10 fallbacks of the rules
// The prediction f is output `output_index` of the model ([B] or [B, T] outputs; a classifier's
// logit, before any sigmoid/softmax). The model runs in eval mode on the CPU, in its dtype; its
// training flag, parameters' requires_grad and .grad are left as they were.
#pragma once
#include <cstdint>
#include <vector>

#include "core/array.h"
#include "nn/module.h"

namespace dnagrad::genomics {

// A convergence delta above this (absolute, per sequence) is reported as a warning by the CLI.
inline constexpr double kConvergenceWarning = 1e-3;

struct DeepLiftShapOptions {
  int64_t output_index = 0;
  // Rows of one stacked batch [inputs; references]: each pass takes max(1, rows / (2K)) sequences
  // with their K references.
  int64_t batch_rows = 64;
};

struct DeepLiftShapResult {
  Array raw, hypothetical, projected;  // [N, 4, L] each, the model's dtype, on the CPU
  std::vector<double> delta;           // [N] convergence deltas
  std::vector<double> output;          // [N] f(x)
  std::vector<double> reference_mean;  // [N] mean_k f(r_k)
};

// onehot [N, 4, L]; references [K, 4, L] (the same K for every sequence) or [N, K, 4, L] (per
// sequence), K >= 1. Throws naming what is wrong (shapes, a model on a GPU, an op without a
// DeepLIFT rule, a BatchNorm without running statistics).
DeepLiftShapResult deeplift_shap(nn::Module& model, const Array& onehot, const Array& references,
                                 const DeepLiftShapOptions& options = {});

}  // namespace dnagrad::genomics
