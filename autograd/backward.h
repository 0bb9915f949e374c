// The backward-rule table's interface (used by the engine).
//
// A rule receives the Node, the gradient of the loss with respect to the node's output, and one
// pointer per input: the buffer where that input's gradient accumulates, or null when the input
// needs none. Rules only ever ADD (+=) into those buffers, so an input used twice simply
// receives two contributions.
#pragma once
#include "autograd/node.h"

namespace dnagrad {

using BackwardRule = void (*)(const Node& node, const Array& grad_out, Array* const* grad_in);

// The rule for `op`; throws an Error naming the op when it has none.
BackwardRule backward_rule(Op op);

}  // namespace dnagrad
