// The backward engine: a topological sort of the graph below the output, then one sweep in
// reverse calling each node's rule. Gradients of intermediate tensors live only during the sweep;
// leaves that require a gradient accumulate theirs into .grad (created as zeros on first use).
//
// After the sweep every visited node is released (its saved arrays and input links dropped), so
// activations are freed as soon as possible and a second backward through the same graph fails
// with a clear message, as in PyTorch.
#include <unordered_map>
#include <unordered_set>

#include "autograd/backward.h"
#include "autograd/deeplift.h"
#include "autograd/node.h"
#include "kernels/elementwise.h"

namespace dnagrad {

namespace {

// The tensors with a grad_fn reachable from root, each listed after every tensor it was computed
// from (inputs before outputs, root last). The engine walks this list backwards.
std::vector<std::shared_ptr<TensorImpl>> topological_order(
    const std::shared_ptr<TensorImpl>& root) {
  std::vector<std::shared_ptr<TensorImpl>> order;
  std::unordered_set<TensorImpl*> visited;
  // Iterative depth-first search: (tensor, index of the next input to visit).
  std::vector<std::pair<std::shared_ptr<TensorImpl>, size_t>> stack;
  stack.emplace_back(root, 0);
  visited.insert(root.get());
  while (!stack.empty()) {
    auto& [impl, next] = stack.back();
    const Node* node = impl->grad_fn.get();
    if (node && next < node->inputs.size()) {
      std::shared_ptr<TensorImpl> input = node->inputs[next++];
      if (input && input->grad_fn && input->requires_grad && visited.insert(input.get()).second)
        stack.emplace_back(std::move(input), 0);
    } else {
      order.push_back(impl);
      stack.pop_back();
    }
  }
  return order;
}

// The reverse sweep from root, seeded with grad_output: each node's rule from the table's backward
// column, or (deeplift) from its DeepLIFT column (autograd/deeplift.h).
void sweep(const Tensor& root, const Array& grad_output, bool deeplift) {
  const char* what = deeplift ? "deeplift_backward" : "backward";
  DNAGRAD_CHECK(root.requires_grad(), what,
                ": this tensor does not require a gradient (no input of the ",
                "computation requires one, or it was computed under NoGrad)");
  DNAGRAD_CHECK(grad_output.shape() == root.shape() && grad_output.dtype() == root.dtype(), what,
                ": gradient ", grad_output.desc(), " does not match the output ",
                root.data().desc());

  if (root.is_leaf()) {  // nothing to walk: the gradient lands in .grad directly
    Array& g = root.impl()->grad;
    if (!g.defined()) g = Array::zeros(root.shape(), root.dtype(), root.device());
    kernels::accumulate(g, grad_output);
    return;
  }

  std::vector<std::shared_ptr<TensorImpl>> order = topological_order(root.impl_ptr());
  std::unordered_map<TensorImpl*, Array> pending;  // gradients of non-leaf tensors
  pending[root.impl()] = grad_output;

  for (size_t i = order.size(); i-- > 0;) {
    std::shared_ptr<TensorImpl> impl = std::move(order[i]);
    Node& node = *impl->grad_fn;
    DNAGRAD_CHECK(!node.released, "backward: trying to go through the graph of ", op_name(node.op),
                  " a second time; its saved values were freed after the first backward");
    auto found = pending.find(impl.get());
    if (found == pending.end()) continue;  // no gradient flows into this tensor
    const Array grad_out = std::move(found->second);
    pending.erase(found);

    // One accumulation buffer per input that needs a gradient (references into `pending`
    // stay valid while other entries are added). A new buffer starts as zeros, except input 0's
    // for a rule that assigns it (autograd/backward.h): that one is handed over undefined.
    const bool assigns_first = !deeplift && rule_assigns_first_gradient(node.op);
    std::vector<Array*> grad_in(node.inputs.size(), nullptr);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      TensorImpl* input = node.inputs[k].get();
      if (!input || !input->requires_grad) continue;  // absent (e.g. no bias) or constant
      Array& buffer = input->grad_fn ? pending[input] : input->grad;
      if (!buffer.defined() && !(k == 0 && assigns_first))
        buffer = Array::zeros(input->data.shape(), input->data.dtype(), input->data.device());
      grad_in[k] = &buffer;
    }
    (deeplift ? deeplift_rule(node.op) : backward_rule(node.op))(node, grad_out, grad_in.data());

    node.saved.clear();
    node.inputs.clear();
    node.released = true;
  }
}

}  // namespace

void Tensor::backward() const {
  DNAGRAD_CHECK(numel() == 1, "backward: called without a gradient on a tensor of shape ",
                shape_str(shape()),
                "; only a one-element (scalar) output has an implied gradient of 1");
  backward(Array::full(shape(), 1.0, dtype()).to(device()));
}

void Tensor::backward(const Array& grad_output) const { sweep(*this, grad_output, false); }

void deeplift_backward(const Tensor& output, const Array& seed) {
  DNAGRAD_CHECK(output.dim() >= 1 && output.size(0) % 2 == 0,
                "deeplift_backward: expected the output of a stacked batch [inputs; references] "
                "(an even first dimension), got ",
                output.data().desc());
  sweep(output, seed, true);
}

}  // namespace dnagrad
