// Module: the base class of every layer and model, as torch.nn.Module.
//
// A module owns named parameters (Tensors that require a gradient: weights, biases), named
// buffers (Arrays the optimizer does not touch: BatchNorm's running statistics) and named child
// modules. Names compose with dots, so a model's state_dict uses exactly PyTorch's names:
//
//   conv_layers.0.weight         child "conv_layers" -> child "0" -> parameter "weight"
//   conv_layers.1.running_var    child "conv_layers" -> child "1" -> buffer "running_var"
//
// Order (the same as PyTorch, which matters for files and for optimizer state):
//   named_parameters(): preorder over the module tree, each module's own parameters in
//                       registration order, then its children in registration order.
//   state_dict():       preorder; each module's own parameters, then its own buffers, then its
//                       children.
//
// A subclass keeps each parameter or buffer in a member and registers the member's address, so
// the member is the one place the value lives: load_state_dict() copies into it and to() replaces
// it. Modules are therefore neither copyable nor movable; hold them by std::shared_ptr.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace dnagrad::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
// An ordered list of (name, array), like PyTorch's state_dict (an OrderedDict). The arrays share
// memory with the module's members.
using StateDict = std::vector<std::pair<std::string, Array>>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  // True when forward(x) only runs the children (named_children(), in order) one after the
  // other, up to a reshape of the final output (PromoterExpressionModel's .squeeze(-1)). Code that
  // walks a model layer by layer relies on it (genomics/interpret/ism.h's incremental ISM); false
  // unless a subclass says so.
  virtual bool forward_is_chain_of_children() const { return false; }

  // Each parameter once (a parameter registered under two names is listed under the first).
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  StateDict named_buffers() const;
  StateDict state_dict() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }
  int64_t parameter_count() const;  // total number of parameter elements

  // Every module of the tree with its dotted path: this one first (path ""), then each child's
  // tree in registration order (preorder, as PyTorch's named_modules()). The one walk of the
  // module tree: named_parameters(), state_dict() and train() go through it, and so does code
  // that looks for layers of a kind (for example the first Conv1d, or every Dropout).
  std::vector<std::pair<std::string, Module*>> modules();
  std::vector<std::pair<std::string, const Module*>> modules() const;

  // Strict, like PyTorch's load_state_dict(strict=True): `state` must hold exactly this
  // module's names with the same shapes and dtypes. Every problem (missing names, unexpected
  // names, shape or dtype mismatches) is listed in one Error, and nothing is copied unless all
  // tensors match. Values are copied into the existing members (any device).
  void load_state_dict(const StateDict& state);

  // Sets training mode on this module and every descendant (BatchNorm and Dropout behave
  // differently in the two modes). eval() is train(false).
  void train(bool training = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Drops every parameter's gradient (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();

  // Moves or converts every parameter and buffer (to(dtype) converts floating-point ones only;
  // int64 counters stay int64). Gradients are dropped. Parameters become new tensors, so build
  // the optimizer after moving the model, as in PyTorch.
  void to(Device device);
  void to(DType dtype);
  // Where the parameters live (the first one's device; the CPU for a module without any).
  Device device() const;

 protected:
  // Names must be non-empty, contain no '.', and be unique within this module.
  void register_parameter(const std::string& name, Tensor* param);
  void register_buffer(const std::string& name, Array* buffer);
  void register_module(const std::string& name, std::shared_ptr<Module> child);

 private:
  void check_new_name(const std::string& name) const;
  // This module's (prefixed) parameters and/or buffers, then its descendants', in modules() order.
  StateDict collect(bool params, bool buffers) const;

  friend class EvalMode;  // restores each module's own flag

  std::vector<std::pair<std::string, Tensor*>> params_;
  std::vector<std::pair<std::string, Array*>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// Puts a model in eval mode (BatchNorm with its running statistics, Dropout off) for a scope,
// and gives every module back its own training flag afterwards (a model may mix modes):
//   { nn::EvalMode eval(model); ... forward passes ... }  // the model's modes are restored here
class EvalMode {
 public:
  explicit EvalMode(Module& model);
  ~EvalMode();
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  std::vector<std::pair<Module*, bool>> saved_;  // each module and its training flag
};

}  // namespace dnagrad::nn
