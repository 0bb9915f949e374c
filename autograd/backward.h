// The backward-rule table's interface (used by the engine).
//
// A rule receives the Node, the gradient of the loss with respect to the node's output, and one
// pointer per input: the buffer where that input's gradient accumulates, or null when the input
// needs none. Rules ADD (+=) into those buffers, so an input used twice simply receives two
// contributions.
//
// One exception saves a pass over the largest activations: a rule whose table row says it
// assigns (rule_assigns_first_gradient) may receive input 0's buffer UNDEFINED, when its
// gradient is the first to reach that input; it then allocates the buffer and ASSIGNS it, instead
// of the engine zero-filling it for the rule to read back and add to.
#pragma once
#include "autograd/node.h"

namespace dnagrad {

using BackwardRule = void (*)(const Node& node, const Array& grad_out, Array* const* grad_in);

// The rule for `op`; throws an Error naming the op when it has none.
BackwardRule backward_rule(Op op);

// The op's DeepLIFT rule (autograd/deeplift.h): the same contract, run by deeplift_backward on a
// stacked batch [inputs; references]. Throws an Error naming the op when it has none.
BackwardRule deeplift_rule(Op op);

// Whether `op`'s rule accepts an undefined buffer for input 0 and then assigns it (see above).
bool rule_assigns_first_gradient(Op op);

}  // namespace dnagrad
