// DeepLIFT as a mode of the backward engine (docs/interpretation.md derives the rules).
//
// Run the model once on a stacked batch [x; r] — M inputs in rows [0, M), their references in rows
// [M, 2M), pair j being rows j and j + M — so that every op sees the input's and the reference's
// values side by side. deeplift_backward then sweeps the graph like backward(), but each node
// calls its op's DeepLIFT rule (the second column of the rule table, backward_rules.cpp) instead
// of its backward rule:
//   linear ops (add, sub, scalar add/mul, conv1d, linear, batch norm in eval mode, avg pooling,
//     reshape, permute, sum/mean, and mul/div/matmul by a constant)  their gradient;
//   elementwise nonlinearities (relu, sigmoid, tanh, exp, log, pow)  the rescale multiplier
//     Δy/Δx of each pair, or their gradient where |Δx| < kDeepLiftEpsilon;
//   max pooling (also inside the fused batch norm → relu → max pool)  captum's rule
//     (kernels/deeplift.h);
//   every other op (softmax, losses, dropout and batch norm in training mode, a product of two
//     tensors that both depend on the input)  an error naming the op.
// What reaches a leaf's .grad are multipliers m with Σ m · (x − r) = f(x) − f(r) per pair (the
// summation-to-delta property), up to the |Δx| < eps fallbacks. Each half receives its own
// multipliers (they differ only where a fallback gradient was taken); attributions use the input
// half's. CPU tensors only (the nonlinear rules have no CUDA kernel).
#pragma once
#include "autograd/tensor.h"

namespace dnagrad {

// Below this |Δx| a nonlinearity's rescale multiplier Δy/Δx is replaced by its gradient (captum's
// eps, on the delta itself, not relative).
inline constexpr double kDeepLiftEpsilon = 1e-10;

// The DeepLIFT sweep from `output` (computed from a stacked batch, so its first dimension is 2M),
// seeded with `seed` (output's shape; usually 1 at the scored output of every row, both halves).
// Multipliers ACCUMULATE into the .grad of every leaf that requires a gradient. Throws naming the
// op when a node's op has no DeepLIFT rule.
void deeplift_backward(const Tensor& output, const Array& seed);

}  // namespace dnagrad
