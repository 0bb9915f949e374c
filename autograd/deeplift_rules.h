// Private to autograd/: the DeepLIFT rules of the nonlinear ops, which the rule table
// (backward_rules.cpp) lists in its DeepLIFT column beside their backward rules. The linear ops'
// DeepLIFT rules are their backward rules and live in the table file.
#pragma once
#include "autograd/backward.h"

namespace dnagrad::deeplift_detail {

// relu, sigmoid, tanh, exp, log, pow_scalar: the rescale multiplier (saved[0] is y).
void rescale_rule(const Node& n, const Array& grad_out, Array* const* grad_in);
// max_pool1d: captum's max-pool rule (kernels/deeplift.h).
void maxpool_rule(const Node& n, const Array& grad_out, Array* const* grad_in);
// batch_norm_relu_max_pool1d (eval mode): the three rules of the unfused chain in turn.
void bn_relu_maxpool_rule(const Node& n, const Array& grad_out, Array* const* grad_in);

}  // namespace dnagrad::deeplift_detail
