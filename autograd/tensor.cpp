#include "autograd/tensor.h"

#include "autograd/node.h"

namespace dnagrad {

namespace {
thread_local bool g_grad_enabled = true;

const TensorImpl& need(const std::shared_ptr<TensorImpl>& impl) {
  DNAGRAD_CHECK(impl != nullptr, "Tensor: use of an undefined tensor");
  return *impl;
}
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
NoGrad::NoGrad() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGrad::~NoGrad() { g_grad_enabled = previous_; }

Tensor::Tensor(Array data, bool requires_grad) : impl_(std::make_shared<TensorImpl>()) {
  DNAGRAD_CHECK(data.defined(), "Tensor: cannot wrap an undefined array");
  if (requires_grad)
    DNAGRAD_CHECK(data.dtype() != DType::I64, "Tensor: an int64 tensor cannot require a gradient");
  impl_->data = std::move(data);
  impl_->requires_grad = requires_grad;
}

const Array& Tensor::data() const { return need(impl_).data; }
Array& Tensor::data() { return const_cast<TensorImpl&>(need(impl_)).data; }
const Array& Tensor::grad() const { return need(impl_).grad; }
Array& Tensor::grad() { return const_cast<TensorImpl&>(need(impl_)).grad; }
void Tensor::zero_grad() { grad() = Array(); }
bool Tensor::requires_grad() const { return need(impl_).requires_grad; }
bool Tensor::is_leaf() const { return need(impl_).grad_fn == nullptr; }
const std::shared_ptr<Node>& Tensor::grad_fn() const { return need(impl_).grad_fn; }

Tensor& Tensor::requires_grad_(bool value) {
  if (!is_leaf())  // not DNAGRAD_CHECK(): its message reads grad_fn, which a leaf does not have
    fail("requires_grad_: only leaf tensors can change requires_grad (this one was computed by ",
         op_name(grad_fn()->op), "); use detach() first");
  DNAGRAD_CHECK(!value || dtype() != DType::I64,
                "requires_grad_: an int64 tensor cannot require a gradient");
  impl_->requires_grad = value;
  return *this;
}

Tensor Tensor::detach() const { return Tensor(data(), false); }

}  // namespace dnagrad
