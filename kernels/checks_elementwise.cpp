// The argument checks of kernels/checks.h for the elementwise ops (broadcast binary ops, unary
// ops, accumulation) and the losses. Each throws dnagrad::Error naming the op, the shapes and the
// device; a kernel's CPU and CUDA twins call the same one. The layer checks are in
// checks_layers.cpp, the rest in checks.cpp.
#include "kernels/checks.h"

namespace dnagrad::kernels {

namespace {

// out holds one loss per element (None) or one number (Mean, Sum): check that it does.
void check_loss_output(const char* op, const Array& out, const Shape& per_element, Reduction r,
                       const char* what) {
  DNAGRAD_CHECK(r == Reduction::None || r == Reduction::Mean || r == Reduction::Sum, op,
                ": unknown reduction ", static_cast<int>(r));
  const Shape expected = r == Reduction::None ? per_element : Shape{};
  DNAGRAD_CHECK(out.shape() == expected, op, ": expected ", what, " of shape ", shape_str(expected),
                ", got ", out.desc());
}

void check_loss_pair(const char* op, const Array& pred, const Array& target) {
  require_same_device_dtype(op, pred, {&target});
  DNAGRAD_CHECK(pred.shape() == target.shape(), op, ": prediction ", pred.desc(), " and target ",
                target.desc(), " must have the same shape");
}

void check_grad_buffer(const char* op, const Array* grad, const Array& like, const char* what) {
  DNAGRAD_CHECK(!grad || grad->shape() == like.shape(), op, ": gradient buffer ",
                grad ? grad->desc() : "", " does not match ", what, " ", like.desc());
}

}  // namespace

// ---- elementwise ----

const char* binary_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return "add";
    case BinaryOp::Sub:
      return "sub";
    case BinaryOp::Mul:
      return "mul";
    case BinaryOp::Div:
      return "div";
  }
  return "binary op";
}

const char* unary_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
      return "neg";
    case UnaryOp::AddScalar:
      return "add_scalar";
    case UnaryOp::MulScalar:
      return "mul_scalar";
    case UnaryOp::PowScalar:
      return "pow_scalar";
    case UnaryOp::Exp:
      return "exp";
    case UnaryOp::Log:
      return "log";
    case UnaryOp::ReLU:
      return "relu";
    case UnaryOp::Sigmoid:
      return "sigmoid";
    case UnaryOp::Tanh:
      return "tanh";
  }
  return "unary op";
}

Shape check_binary_forward(const char* name, const Array& a, const Array& b, const Array& out) {
  require_same_device_dtype(name, a, {&b, &out});
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  DNAGRAD_CHECK(out.shape() == shape, name, ": output has shape ", shape_str(out.shape()),
                " but inputs ", shape_str(a.shape()), " and ", shape_str(b.shape()),
                " broadcast to ", shape_str(shape));
  return shape;
}

Shape check_binary_backward(const char* name, const Array& a, const Array& b, const Array& grad_out,
                            const Array* grad_a, const Array* grad_b) {
  require_same_device_dtype(name, a, {&b, &grad_out, grad_a, grad_b});
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  DNAGRAD_CHECK(grad_out.shape() == shape, name, ": gradient has shape ",
                shape_str(grad_out.shape()), " but inputs ", shape_str(a.shape()), " and ",
                shape_str(b.shape()), " broadcast to ", shape_str(shape));
  DNAGRAD_CHECK(!grad_a || grad_a->shape() == a.shape(), name, ": gradient buffer ",
                grad_a ? grad_a->desc() : "", " does not match input a ", a.desc());
  DNAGRAD_CHECK(!grad_b || grad_b->shape() == b.shape(), name, ": gradient buffer ",
                grad_b ? grad_b->desc() : "", " does not match input b ", b.desc());
  return shape;
}

void check_unary_forward(const char* name, const Array& x, const Array& y) {
  require_same_device_dtype(name, x, {&y});
  DNAGRAD_CHECK(y.shape() == x.shape(), name, ": output ", y.desc(), " does not match input ",
                x.desc());
}

bool check_unary_backward(const char* name, UnaryOp op, const Array& x, const Array& y,
                          const Array& grad_y, const Array& grad_x) {
  require_same_device_dtype(name, x, {&grad_y, &grad_x});
  DNAGRAD_CHECK(grad_y.shape() == x.shape() && grad_x.shape() == x.shape(), name, ": gradients ",
                grad_y.desc(), " and ", grad_x.desc(), " must both match the input ", x.desc());
  const bool needs_output = op == UnaryOp::Exp || op == UnaryOp::Sigmoid || op == UnaryOp::Tanh;
  if (needs_output) {
    DNAGRAD_CHECK(y.defined() && y.shape() == x.shape(), name,
                  ": needs the forward output shaped like ", x.desc(), ", got ", y.desc());
    require_same_device_dtype(name, x, {&y});
  }
  return needs_output;
}

void check_accumulate(const Array& dst, const Array& src) {
  const bool widening = dst.dtype() == DType::F64 && src.dtype() == DType::F32;
  if (widening)
    DNAGRAD_CHECK(dst.device() == src.device(),
                  "accumulate: tensors on different devices: ", dst.desc(), " and ", src.desc());
  else
    require_same_device_dtype("accumulate", dst, {&src});
  DNAGRAD_CHECK(dst.numel() == src.numel(), "accumulate: cannot add ", src.desc(), " into ",
                dst.desc(), " (different numbers of elements)");
}

void check_accumulate_product(const Array& dst, const Array& a, const Array& b) {
  require_same_device_dtype("accumulate_product", dst, {&a, &b});
  DNAGRAD_CHECK(dst.numel() == a.numel() && dst.numel() == b.numel(),
                "accumulate_product: cannot add ", a.desc(), " * ", b.desc(), " into ", dst.desc(),
                " (different numbers of elements)");
}

// ---- losses ----

void check_loss_forward(const char* op, const Array& pred, const Array& target, Reduction r,
                        const Array& out) {
  check_loss_pair(op, pred, target);
  require_same_device_dtype(op, pred, {&out});
  check_loss_output(op, out, pred.shape(), r, "output");
}

void check_loss_backward(const char* op, const Array& pred, const Array& target,
                         const Array& grad_out, Reduction r, const Array* grad_pred,
                         const char* pred_name, const Array* grad_target) {
  check_loss_pair(op, pred, target);
  require_same_device_dtype(op, pred, {&grad_out, grad_pred, grad_target});
  check_loss_output(op, grad_out, pred.shape(), r, "grad_out");
  check_grad_buffer(op, grad_pred, pred, pred_name);
  check_grad_buffer(op, grad_target, target, "target");
}

void check_class_target(const char* op, const Array& logits, const Array& target) {
  DNAGRAD_CHECK(logits.dim() == 2, op, ": expected logits [N, C], got ", logits.desc());
  DNAGRAD_CHECK(target.dtype() == DType::I64 && target.shape() == Shape{logits.size(0)}, op,
                ": expected int64 class indices [", logits.size(0), "] for logits ", logits.desc(),
                ", got ", target.desc());
  DNAGRAD_CHECK(target.device() == logits.device(), op, ": logits on ", logits.device().str(),
                " but targets on ", target.device().str());
}

void check_cross_entropy_forward(const char* op, const Array& logits, Reduction r,
                                 const Array& out) {
  require_same_device_dtype(op, logits, {&out});
  check_loss_output(op, out, {logits.size(0)}, r, "output");
}

void check_cross_entropy_backward(const char* op, const Array& logits, const Array& grad_out,
                                  Reduction r, const Array& grad_logits) {
  require_same_device_dtype(op, logits, {&grad_out, &grad_logits});
  check_loss_output(op, grad_out, {logits.size(0)}, r, "grad_out");
  check_grad_buffer(op, &grad_logits, logits, "logits");
}

}  // namespace dnagrad::kernels
