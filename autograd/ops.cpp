// Forward passes of the differentiable ops: check the arguments, run the kernel into a fresh
// output, and record a Node when a gradient will be needed. The matching backward rules are in
// backward_rules.cpp; the arithmetic is in kernels/.
#include "autograd/ops.h"

#include <algorithm>

#include "autograd/node.h"
#include "kernels/batchnorm.h"
#include "kernels/bn_relu_maxpool.h"
#include "kernels/conv1d.h"
#include "kernels/dropout.h"
#include "kernels/elementwise.h"
#include "kernels/matmul.h"
#include "kernels/permute.h"
#include "kernels/pooling.h"
#include "kernels/reduce.h"
#include "kernels/softmax.h"

namespace dnagrad {

namespace {

Array empty_like(const Array& a, const Shape& shape) {
  return Array::empty(shape, a.dtype(), a.device());
}

// Wraps `out` in a Tensor and, if any defined input requires a gradient (and gradients are
// enabled), links it to a new Node for `op`.
Tensor record(Array out, Op op, std::initializer_list<Tensor> inputs, std::vector<Array> saved = {},
              Attrs attrs = {}) {
  bool needs_grad = false;
  if (grad_enabled())
    for (const Tensor& t : inputs) needs_grad = needs_grad || (t.defined() && t.requires_grad());
  Tensor result(std::move(out), false);
  if (!needs_grad) return result;
  auto node = std::make_shared<Node>();
  node->op = op;
  for (const Tensor& t : inputs) node->inputs.push_back(t.defined() ? t.impl_ptr() : nullptr);
  node->saved = std::move(saved);
  node->attrs = std::move(attrs);
  node->out_shape = result.shape();
  node->out_dtype = result.dtype();
  result.impl()->grad_fn = std::move(node);
  result.impl()->requires_grad = true;
  return result;
}

void require_float(const Tensor& t, const char* op) {
  DNAGRAD_CHECK(t.defined(), op, ": got an undefined tensor");
  DNAGRAD_CHECK(t.dtype() != DType::I64, op, ": expected a float tensor, got ", t.data().desc());
}

void require_dims(const Tensor& t, int64_t ndim, const char* op, const char* legend) {
  DNAGRAD_CHECK(t.dim() == ndim, op, ": expected a ", ndim, "-D input ", legend, ", got ",
                t.data().desc());
}

void require_match(const Tensor& a, const Tensor& b, const char* op) {
  if (!b.defined()) return;
  kernels::require_same_device_dtype(op, a.data(), {&b.data()});
}

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

// Stride 0 means the kernel size (PyTorch's default).
kernels::Pool1dParams pool_params(int64_t kernel, int64_t stride, int64_t padding, int64_t dilation,
                                  bool count_include_pad = true) {
  kernels::Pool1dParams p;
  p.kernel = kernel;
  p.stride = stride == 0 ? kernel : stride;
  p.padding = padding;
  p.dilation = dilation;
  p.count_include_pad = count_include_pad;
  return p;
}

// Shared argument checks of max and avg pooling; returns the output length.
int64_t check_pool(const Tensor& x, const kernels::Pool1dParams& a, const char* op) {
  require_float(x, op);
  require_dims(x, 3, op, "[N, C, L]");
  DNAGRAD_CHECK(a.kernel >= 1 && a.stride >= 1 && a.dilation >= 1 && a.padding >= 0, op,
                ": kernel, stride and dilation must be >= 1 and padding >= 0 (kernel ", a.kernel,
                ", stride ", a.stride, ", padding ", a.padding, ", dilation ", a.dilation, ")");
  DNAGRAD_CHECK(2 * a.padding <= a.kernel, op, ": padding ", a.padding,
                " must be at most half the kernel size ", a.kernel, " (as in PyTorch)");
  const int64_t span = x.size(2) + 2 * a.padding - a.dilation * (a.kernel - 1) - 1;
  const int64_t len_out = a.out_length(x.size(2));
  DNAGRAD_CHECK(span >= 0 && len_out >= 1, op, ": input length ", x.size(2),
                " is too short for kernel ", a.kernel, " with dilation ", a.dilation,
                " and padding ", a.padding);
  return len_out;
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

// ---- convolution, normalisation, pooling ----
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride,
              int64_t padding, int64_t dilation) {
  require_float(x, "conv1d");
  require_dims(x, 3, "conv1d", "[N, C_in, L]");
  require_match(x, weight, "conv1d");
  require_match(x, bias, "conv1d");
  DNAGRAD_CHECK(weight.dim() == 3 && weight.size(1) == x.size(1),
                "conv1d: expected weight [C_out, ", x.size(1), ", K] for input ", x.data().desc(),
                ", got ", weight.data().desc());
  if (bias.defined())
    DNAGRAD_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), "conv1d: expected bias [",
                  weight.size(0), "], got ", bias.data().desc());
  DNAGRAD_CHECK(stride >= 1 && dilation >= 1 && padding >= 0,
                "conv1d: stride and dilation must be >= 1 ", "and padding >= 0 (stride ", stride,
                ", padding ", padding, ", dilation ", dilation, ")");
  const kernels::Conv1dParams p{stride, padding, dilation};
  // The padded input must hold the dilated kernel at least once (PyTorch's check; the length
  // formula alone would round a negative span up to one output).
  const int64_t span = x.size(2) + 2 * padding - dilation * (weight.size(2) - 1) - 1;
  const int64_t len_out = p.out_length(x.size(2), weight.size(2));
  DNAGRAD_CHECK(span >= 0 && len_out >= 1, "conv1d: input length ", x.size(2), " with padding ",
                padding, " is shorter than the dilated kernel (K = ", weight.size(2), ", dilation ",
                dilation, ")");
  Array y = empty_like(x.data(), {x.size(0), weight.size(0), len_out});
  kernels::conv1d_forward(x.data(), weight.data(), bias.defined() ? bias.data() : Array(), y, p);
  return record(std::move(y), Op::Conv1d, {x, weight, bias}, {}, ConvAttrs{p});
}

namespace {

// batch_norm1d's argument checks (also those of the fused op); `op` names the caller.
void check_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                      const Array& running_mean, const Array& running_var, bool training,
                      const char* op) {
  require_float(x, op);
  DNAGRAD_CHECK(x.dim() == 2 || x.dim() == 3, op, ": expected [N, C] or [N, C, L], got ",
                x.data().desc());
  const int64_t channels = x.size(1);
  for (const Tensor* t : {&weight, &bias}) {
    if (!t->defined()) continue;
    require_match(x, *t, op);
    DNAGRAD_CHECK(t->shape() == Shape{channels}, op, ": expected weight and bias [", channels,
                  "], got ", t->data().desc());
  }
  for (const Array* a : {&running_mean, &running_var})
    if (a->defined())
      DNAGRAD_CHECK(
          a->shape() == Shape{channels} && a->dtype() == x.dtype() && a->device() == x.device(), op,
          ": expected running statistics ", dtype_name(x.dtype()), "[", channels, "] on ",
          x.device().str(), ", got ", a->desc());
  const int64_t per_channel = x.size(0) * (x.dim() == 3 ? x.size(2) : 1);
  if (training)
    DNAGRAD_CHECK(per_channel > 1, op, ": training needs more than one value per channel, got ",
                  "input ", x.data().desc());
  else
    DNAGRAD_CHECK(running_mean.defined() && running_var.defined(), op,
                  ": evaluation mode needs running statistics");
}

}  // namespace

Tensor batch_norm1d(const Tensor& x, const Tensor& weight, const Tensor& bias, Array& running_mean,
                    Array& running_var, bool training, double momentum, double eps) {
  check_batch_norm(x, weight, bias, running_mean, running_var, training, "batch_norm1d");
  const int64_t channels = x.size(1);

  const Array x3 = x.dim() == 3 ? x.data() : x.data().reshape({x.size(0), channels, 1});
  Array y = empty_like(x.data(), x3.shape());
  Array mean, invstd;
  if (training) {
    mean = empty_like(x.data(), {channels});
    invstd = empty_like(x.data(), {channels});
    kernels::batchnorm_forward_train(x3, weight.defined() ? weight.data() : Array(),
                                     bias.defined() ? bias.data() : Array(), running_mean,
                                     running_var, momentum, eps, y, mean, invstd);
  } else {
    kernels::batchnorm_forward_eval(x3, weight.defined() ? weight.data() : Array(),
                                    bias.defined() ? bias.data() : Array(), running_mean,
                                    running_var, eps, y);
    // The backward of eval mode is the affine map y = (x - mean) * invstd * weight + bias.
    mean = running_mean.clone();  // a later training step may update the running stats
    Array shifted = empty_like(x.data(), {channels});
    kernels::unary_forward(kernels::UnaryOp::AddScalar, running_var, eps, shifted);
    invstd = empty_like(x.data(), {channels});
    kernels::unary_forward(kernels::UnaryOp::PowScalar, shifted, -0.5, invstd);
  }
  return record(y.reshape(x.shape()), Op::BatchNorm1d, {x, weight, bias}, {mean, invstd},
                BatchNormAttrs{training});
}

Tensor max_pool1d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding,
                  int64_t dilation) {
  const kernels::Pool1dParams p = pool_params(kernel, stride, padding, dilation);
  const int64_t len_out = check_pool(x, p, "max_pool1d");
  Array y = empty_like(x.data(), {x.size(0), x.size(1), len_out});
  Array argmax = Array::empty(y.shape(), DType::I64, x.device());
  kernels::maxpool1d_forward(x.data(), y, argmax, p);
  return record(std::move(y), Op::MaxPool1d, {x}, {argmax}, PoolAttrs{p});
}

Tensor batch_norm_relu_max_pool1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                  Array& running_mean, Array& running_var, bool training,
                                  double momentum, double eps, int64_t kernel, int64_t stride,
                                  int64_t padding, int64_t dilation) {
  const char* op = "batch_norm_relu_max_pool1d";
  check_batch_norm(x, weight, bias, running_mean, running_var, training, op);
  const kernels::Pool1dParams p = pool_params(kernel, stride, padding, dilation);
  const int64_t len_out = check_pool(x, p, op);
  const int64_t channels = x.size(1);
  Array y = empty_like(x.data(), {x.size(0), channels, len_out});
  Array mean = empty_like(x.data(), {channels}), invstd = empty_like(x.data(), {channels});
  // The window offsets are only needed by a backward pass.
  const bool recording =
      grad_enabled() && (x.requires_grad() || (weight.defined() && weight.requires_grad()) ||
                         (bias.defined() && bias.requires_grad()));
  Array window_argmax = recording ? Array::empty(y.shape(), DType::U8, x.device()) : Array();
  kernels::bn_relu_maxpool_forward(x.data(), weight.defined() ? weight.data() : Array(),
                                   bias.defined() ? bias.data() : Array(), running_mean,
                                   running_var, training, momentum, eps, p, y,
                                   recording ? &window_argmax : nullptr, mean, invstd);
  return record(y, Op::BatchNormReluMaxPool1d, {x, weight, bias}, {y, window_argmax, mean, invstd},
                BnReluPoolAttrs{training, p});
}

Tensor avg_pool1d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding,
                  bool count_include_pad) {
  const kernels::Pool1dParams p = pool_params(kernel, stride, padding, 1, count_include_pad);
  const int64_t len_out = check_pool(x, p, "avg_pool1d");
  Array y = empty_like(x.data(), {x.size(0), x.size(1), len_out});
  kernels::avgpool1d_forward(x.data(), y, p);
  return record(std::move(y), Op::AvgPool1d, {x}, {}, PoolAttrs{p});
}

Tensor adaptive_avg_pool1d(const Tensor& x, int64_t out_size) {
  require_float(x, "adaptive_avg_pool1d");
  require_dims(x, 3, "adaptive_avg_pool1d", "[N, C, L]");
  DNAGRAD_CHECK(out_size >= 1, "adaptive_avg_pool1d: output size must be >= 1, got ", out_size);
  Array y = empty_like(x.data(), {x.size(0), x.size(1), out_size});
  kernels::adaptive_avgpool1d_forward(x.data(), y);
  return record(std::move(y), Op::AdaptiveAvgPool1d, {x});
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
