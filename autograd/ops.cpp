// Forward passes of the differentiable ops: check the arguments, run the kernel into a fresh
// output, and record a Node when a gradient will be needed. This file holds the elementwise,
// linear-algebra, shape, reduction and loss ops; the layer ops (conv1d, batch norm, pooling) are
// in ops_layers.cpp, and the helpers both share in ops_common.h. The matching backward rules are
// in backward_rules.cpp; the arithmetic is in kernels/.
#include "autograd/ops.h"

#include <algorithm>

#include "autograd/ops_common.h"
#include "kernels/dropout.h"
#include "kernels/elementwise.h"
#include "kernels/losses.h"
#include "kernels/matmul.h"
#include "kernels/permute.h"
#include "kernels/reduce.h"
#include "kernels/softmax.h"

namespace dnagrad {

using namespace ops_detail;

namespace {

Tensor binary(kernels::BinaryOp kind, Op op, const Tensor& a, const Tensor& b, const char* name) {
  require_float(a, name);
  require_float(b, name);
  require_match(a, b, name);
  Array out = empty_like(a.data(), broadcast_shapes(a.shape(), b.shape(), name));
  kernels::binary_forward(kind, a.data(), b.data(), out);
  return record(std::move(out), op, {a, b});
}

// Unary ops save their output: sigmoid, tanh and exp differentiate most cheaply through it.
Tensor unary(kernels::UnaryOp kind, Op op, const Tensor& x, double scalar, const char* name) {
  require_float(x, name);
  Array y = empty_like(x.data(), x.shape());
  kernels::unary_forward(kind, x.data(), scalar, y);
  return record(y, op, {x}, {y}, ScalarAttrs{scalar});
}

Tensor reduce(const Tensor& x, int64_t dim, bool all_dims, bool keepdim, bool is_mean) {
  const char* name = is_mean ? "mean" : "sum";
  require_float(x, name);
  ReduceAttrs attrs;  // dim -1: every element
  Shape out_shape;
  int64_t count = x.numel();
  if (!all_dims) {
    const int d = normalize_dim(dim, x.dim(), name);
    attrs.dim = d;
    count = x.size(d);
    out_shape = x.shape();
    if (keepdim)
      out_shape[d] = 1;
    else
      out_shape.erase(out_shape.begin() + d);
  }
  const double scale = is_mean ? 1.0 / static_cast<double>(std::max<int64_t>(count, 1)) : 1.0;
  attrs.scale = scale;
  Array y = empty_like(x.data(), out_shape);
  kernels::reduce_sum(x.data(), static_cast<int>(attrs.dim), scale, y);
  return record(std::move(y), is_mean ? Op::Mean : Op::Sum, {x}, {}, attrs);
}

kernels::Reduction check_loss(const Tensor& pred, const Tensor& target, kernels::Reduction r,
                              const char* op) {
  require_float(pred, op);
  require_float(target, op);
  require_match(pred, target, op);
  DNAGRAD_CHECK(pred.shape() == target.shape(), op, ": prediction ", pred.data().desc(),
                " and target ", target.data().desc(), " must have the same shape");
  return r;
}

Shape loss_shape(const Shape& per_element, kernels::Reduction r) {
  return r == kernels::Reduction::None ? per_element : Shape{};
}

}  // namespace

// ---- elementwise ----
Tensor add(const Tensor& a, const Tensor& b) {
  return binary(kernels::BinaryOp::Add, Op::Add, a, b, "add");
}
Tensor sub(const Tensor& a, const Tensor& b) {
  return binary(kernels::BinaryOp::Sub, Op::Sub, a, b, "sub");
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary(kernels::BinaryOp::Mul, Op::Mul, a, b, "mul");
}
Tensor div(const Tensor& a, const Tensor& b) {
  return binary(kernels::BinaryOp::Div, Op::Div, a, b, "div");
}
Tensor neg(const Tensor& x) { return unary(kernels::UnaryOp::Neg, Op::Neg, x, 0, "neg"); }
Tensor add_scalar(const Tensor& x, double s) {
  return unary(kernels::UnaryOp::AddScalar, Op::AddScalar, x, s, "add_scalar");
}
Tensor mul_scalar(const Tensor& x, double s) {
  return unary(kernels::UnaryOp::MulScalar, Op::MulScalar, x, s, "mul_scalar");
}
Tensor pow_scalar(const Tensor& x, double e) {
  return unary(kernels::UnaryOp::PowScalar, Op::PowScalar, x, e, "pow_scalar");
}
Tensor exp(const Tensor& x) { return unary(kernels::UnaryOp::Exp, Op::Exp, x, 0, "exp"); }
Tensor log(const Tensor& x) { return unary(kernels::UnaryOp::Log, Op::Log, x, 0, "log"); }
Tensor relu(const Tensor& x) { return unary(kernels::UnaryOp::ReLU, Op::ReLU, x, 0, "relu"); }
Tensor sigmoid(const Tensor& x) {
  return unary(kernels::UnaryOp::Sigmoid, Op::Sigmoid, x, 0, "sigmoid");
}
Tensor tanh(const Tensor& x) { return unary(kernels::UnaryOp::Tanh, Op::Tanh, x, 0, "tanh"); }

Tensor softmax(const Tensor& x, int64_t dim) {
  require_float(x, "softmax");
  SoftmaxAttrs attrs;
  attrs.dim = normalize_dim(dim, x.dim(), "softmax");
  Array y = empty_like(x.data(), x.shape());
  kernels::softmax_forward(x.data(), static_cast<int>(attrs.dim), false, y);
  return record(y, Op::Softmax, {x}, {y}, attrs);
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  require_float(x, "log_softmax");
  SoftmaxAttrs attrs;
  attrs.dim = normalize_dim(dim, x.dim(), "log_softmax");
  Array y = empty_like(x.data(), x.shape());
  kernels::softmax_forward(x.data(), static_cast<int>(attrs.dim), true, y);
  return record(y, Op::LogSoftmax, {x}, {y}, attrs);
}

Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  require_float(x, "dropout");
  DNAGRAD_CHECK(p >= 0 && p < 1, "dropout: probability p must be in [0, 1), got ", p);
  if (!training || p == 0) return x;
  Array mask = empty_like(x.data(), x.shape());
  Array y = empty_like(x.data(), x.shape());
  kernels::dropout_forward(x.data(), p, gen, mask, y);
  return record(std::move(y), Op::Dropout, {x}, {mask});
}

// ---- linear algebra ----
Tensor matmul(const Tensor& a, const Tensor& b) {
  require_float(a, "matmul");
  require_float(b, "matmul");
  require_match(a, b, "matmul");
  DNAGRAD_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(0),
                "matmul: expected [M, K] x [K, P], got ", a.data().desc(), " x ", b.data().desc());
  Array c = empty_like(a.data(), {a.size(0), b.size(1)});
  kernels::matmul(a.data(), b.data(), c);
  return record(std::move(c), Op::MatMul, {a, b});
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  require_float(x, "linear");
  require_match(x, weight, "linear");
  require_match(x, bias, "linear");
  DNAGRAD_CHECK(x.dim() == 2 && weight.dim() == 2 && x.size(1) == weight.size(1),
                "linear: expected input [N, I] and weight [O, I], got ", x.data().desc(), " and ",
                weight.data().desc());
  if (bias.defined())
    DNAGRAD_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: expected bias [",
                  weight.size(0), "], got ", bias.data().desc());
  Array y = empty_like(x.data(), {x.size(0), weight.size(0)});
  kernels::linear_forward(x.data(), weight.data(), bias.defined() ? bias.data() : Array(), y);
  return record(std::move(y), Op::Linear, {x, weight, bias});
}

// ---- shapes ----
Tensor reshape(const Tensor& x, const Shape& shape) {
  DNAGRAD_CHECK(x.defined(), "reshape: got an undefined tensor");
  return record(x.data().reshape(shape), Op::Reshape, {x});
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  const int start = normalize_dim(start_dim, x.dim(), "flatten");
  const int end = normalize_dim(end_dim, x.dim(), "flatten");
  DNAGRAD_CHECK(start <= end, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
  Shape shape(x.shape().begin(), x.shape().begin() + start);
  int64_t merged = 1;
  for (int d = start; d <= end; ++d) merged *= x.size(d);
  shape.push_back(merged);
  shape.insert(shape.end(), x.shape().begin() + end + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  const int d = normalize_dim(dim, x.dim(), "squeeze");
  if (x.size(d) != 1) return x;  // PyTorch leaves a non-1 dimension alone
  Shape shape = x.shape();
  shape.erase(shape.begin() + d);
  return reshape(x, shape);
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  const int d = normalize_dim(dim, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + d, 1);
  return reshape(x, shape);
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  require_float(x, "permute");
  DNAGRAD_CHECK(static_cast<int64_t>(dims.size()) == x.dim(), "permute: ", dims.size(),
                " dimensions given for a ", x.dim(), "-D tensor");
  PermuteAttrs attrs;
  std::vector<bool> seen(dims.size(), false);
  Shape shape;
  for (int64_t d : dims) {
    const int n = normalize_dim(d, x.dim(), "permute");
    DNAGRAD_CHECK(!seen[n], "permute: dimension ", d, " repeated");
    seen[n] = true;
    attrs.perm.push_back(n);
    shape.push_back(x.size(n));
  }
  Array y = empty_like(x.data(), shape);
  kernels::permute(x.data(), attrs.perm, y);
  return record(std::move(y), Op::Permute, {x}, {}, attrs);
}

// ---- reductions ----
Tensor sum(const Tensor& x) { return reduce(x, -1, true, false, false); }
Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce(x, dim, false, keepdim, false);
}
Tensor mean(const Tensor& x) { return reduce(x, -1, true, false, true); }
Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
  return reduce(x, dim, false, keepdim, true);
}

// ---- losses ----
Tensor mse_loss(const Tensor& pred, const Tensor& target, Reduction r) {
  check_loss(pred, target, r, "mse_loss");
  Array out = empty_like(pred.data(), loss_shape(pred.shape(), r));
  kernels::mse_forward(pred.data(), target.data(), r, out);
  return record(std::move(out), Op::MSELoss, {pred, target}, {}, LossAttrs{r});
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction r) {
  check_loss(logits, target, r, "binary_cross_entropy_with_logits");
  Array out = empty_like(logits.data(), loss_shape(logits.shape(), r));
  kernels::bce_logits_forward(logits.data(), target.data(), r, out);
  return record(std::move(out), Op::BCEWithLogits, {logits, target}, {}, LossAttrs{r});
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction r) {
  require_float(logits, "cross_entropy");
  DNAGRAD_CHECK(logits.dim() == 2, "cross_entropy: expected logits [N, C], got ",
                logits.data().desc());
  DNAGRAD_CHECK(
      target.defined() && target.dtype() == DType::I64 && target.shape() == Shape{logits.size(0)},
      "cross_entropy: expected int64 class indices [", logits.size(0), "], got ",
      target.defined() ? target.data().desc() : "an undefined tensor");
  DNAGRAD_CHECK(target.device() == logits.device(), "cross_entropy: logits on ",
                logits.device().str(), " but targets on ", target.device().str());
  Array out = empty_like(logits.data(), loss_shape({logits.size(0)}, r));
  kernels::cross_entropy_forward(logits.data(), target.data(), r, out);
  return record(std::move(out), Op::CrossEntropy, {logits, target}, {}, LossAttrs{r});
}

}  // namespace dnagrad
