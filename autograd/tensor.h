// Tensor: an Array plus what reverse-mode differentiation needs — whether it requires a gradient,
// its accumulated .grad, and (for a tensor computed by an op) the graph Node that produced it.
//
// Tensors are handles: copies share the same data, grad and node, like PyTorch tensors.
#pragma once
#include <memory>

#include "core/array.h"

namespace dnagrad {

struct Node;

// What a Tensor handle points to. Kept public so the engine and the op recorder can reach it;
// user code goes through Tensor's methods.
struct TensorImpl {
  Array data;
  Array grad;                     // undefined until a backward pass reaches this leaf
  std::shared_ptr<Node> grad_fn;  // null for leaves (parameters, inputs)
  bool requires_grad = false;
};

class Tensor {
 public:
  Tensor() = default;  // undefined
  explicit Tensor(Array data, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Array& data() const;
  Array& data();
  const Array& grad() const;  // undefined Array if no gradient has been accumulated yet
  Array& grad();
  void zero_grad();  // drops the gradient (like PyTorch's set_to_none=True)

  bool requires_grad() const;
  Tensor& requires_grad_(bool value = true);  // leaves only
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;

  const Shape& shape() const { return data().shape(); }
  int64_t dim() const { return data().dim(); }
  int64_t size(int64_t d) const { return data().size(d); }
  int64_t numel() const { return data().numel(); }
  DType dtype() const { return data().dtype(); }
  Device device() const { return data().device(); }
  double item() const { return data().item(); }

  // Reverse-mode sweep from this tensor (engine.cpp; the DeepLIFT sweep is autograd/deeplift.h).
  // Without an argument the tensor must hold one element and the seed gradient is 1. Gradients are
  // added (+=) to every reachable leaf's .grad.
  void backward() const;
  void backward(const Array& grad_output) const;

  // Same data, cut from the graph, requires_grad false.
  Tensor detach() const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// While a NoGrad object lives, ops record no graph (like `with torch.no_grad():`).
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

bool grad_enabled();

}  // namespace dnagrad
