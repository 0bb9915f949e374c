// Every backward rule in one table, with each op's DeepLIFT rule beside it (autograd/deeplift.h).
//
// Vocabulary: for an op y = f(x1, x2, ...) the rule receives g = dL/dy ("grad_out") and, for each
// input xi that needs a gradient, a buffer gi to which it ADDS dL/dxi = (dy/dxi)^T g. `in(n, i)` is
// input i's data; `n.saved` holds what the forward kept for us; attrs_of<...>(n) the op's
// settings (the structs of node.h).
// The arithmetic itself is in kernels/; each rule only says which kernel computes which term.
#include <algorithm>

#include "autograd/backward.h"
#include "autograd/deeplift_rules.h"
#include "kernels/batchnorm.h"
#include "kernels/bn_relu_maxpool.h"
#include "kernels/conv1d.h"
#include "kernels/elementwise.h"
#include "kernels/losses.h"
#include "kernels/matmul.h"
#include "kernels/permute.h"
#include "kernels/pooling.h"
#include "kernels/reduce.h"
#include "kernels/softmax.h"

namespace dnagrad {

namespace {

namespace k = kernels;
using Grads = Array* const*;

const Array& in(const Node& n, size_t i) { return n.inputs[i]->data; }
k::Reduction reduction(const Node& n) { return attrs_of<LossAttrs>(n).reduction; }

// y = a op b (broadcast): da = g (add, sub) | g*b (mul) | g/b (div), summed back to a's shape;
//                         db = g | -g | g*a | -g*a/b^2.
template <k::BinaryOp kind>
void binary_rule(const Node& n, const Array& g, Grads gi) {
  k::binary_backward(kind, in(n, 0), in(n, 1), g, gi[0], gi[1]);
}

// y = f(x): dx = f'(x) g, with f' from the kernel (saved[0] is y).
template <k::UnaryOp kind>
void unary_rule(const Node& n, const Array& g, Grads gi) {
  k::unary_backward(kind, in(n, 0), n.saved[0], attrs_of<ScalarAttrs>(n).operand, g, *gi[0]);
}

// y = softmax(x) along dim: dx = y * (g - sum(g * y)); log-softmax: dx = g - exp(y) * sum(g).
template <bool log>
void softmax_rule(const Node& n, const Array& g, Grads gi) {
  k::softmax_backward(n.saved[0], g, static_cast<int>(attrs_of<SoftmaxAttrs>(n).dim), log, *gi[0]);
}

// y = x * mask: dx = g * mask.
void dropout_rule(const Node& n, const Array& g, Grads gi) {
  k::accumulate_product(*gi[0], g, n.saved[0]);
}

// C = A B: dA = g B^T, dB = A^T g.
void matmul_rule(const Node& n, const Array& g, Grads gi) {
  if (gi[0]) k::matmul(g, in(n, 1), *gi[0], false, true, true);
  if (gi[1]) k::matmul(in(n, 0), g, *gi[1], true, false, true);
}

// y = x W^T + b: dx = g W, dW = g^T x, db = column sums of g.
void linear_rule(const Node& n, const Array& g, Grads gi) {
  k::linear_backward(g, in(n, 0), in(n, 1), gi[0], gi[1], gi[2]);
}

// y = conv(x, W) + b: dx = g correlated with the flipped W; dW = x correlated with g;
// db = sums of g over batch and length (docs/autograd.md derives these).
void conv1d_rule(const Node& n, const Array& g, Grads gi) {
  const k::Conv1dParams& p = attrs_of<ConvAttrs>(n).params;
  if (gi[0]) k::conv1d_backward_input(g, in(n, 1), *gi[0], p);
  if (gi[1])
    k::conv1d_backward_weight(g, in(n, 0), *gi[1], p, gi[2]);  // and the bias, in one pass
  else if (gi[2])
    k::conv1d_backward_bias(g, *gi[2]);
}

// Batch normalisation; saved = {mean, invstd} the forward used. [N, C] inputs are viewed as
// [N, C, 1] like in the forward.
void batchnorm_rule(const Node& n, const Array& g, Grads gi) {
  const Array& x = in(n, 0);
  const Shape shape3 = x.dim() == 3 ? x.shape() : Shape{x.size(0), x.size(1), 1};
  Array gx3;
  if (gi[0]) gx3 = gi[0]->reshape(shape3);
  const Array weight = n.inputs[1] ? in(n, 1) : Array();
  k::batchnorm_backward(g.reshape(shape3), x.reshape(shape3), weight, n.saved[0], n.saved[1],
                        attrs_of<BatchNormAttrs>(n).training, gi[0] ? &gx3 : nullptr, gi[1], gi[2]);
}

// Max pooling: the gradient goes to the (first) maximum of each window only.
void maxpool_rule(const Node& n, const Array& g, Grads gi) {
  k::maxpool1d_backward(g, n.saved[0], *gi[0]);
}

// BatchNorm -> ReLU -> max pooling fused; saved: y, window_argmax, mean, invstd. Its input is
// the largest activation of a conv block: when this gradient is the first to reach it, the
// buffer comes undefined and the kernel assigns it (no zero-fill, no read back).
void bn_relu_maxpool_rule(const Node& n, const Array& g, Grads gi) {
  const BnReluPoolAttrs& a = attrs_of<BnReluPoolAttrs>(n);
  const Array& x = in(n, 0);
  const Array weight = n.inputs[1] ? in(n, 1) : Array();
  const bool assign_x = gi[0] && !gi[0]->defined();
  if (assign_x) *gi[0] = Array::empty(x.shape(), x.dtype(), x.device());
  k::bn_relu_maxpool_backward(g, n.saved[0], n.saved[1], x, weight, n.saved[2], n.saved[3],
                              a.training, a.pool, gi[0], gi[1], gi[2], !assign_x);
}

// Average pooling: each window's gradient spread evenly over it.
void avgpool_rule(const Node& n, const Array& g, Grads gi) {
  k::avgpool1d_backward(g, *gi[0], attrs_of<PoolAttrs>(n).params);
}

void adaptive_avgpool_rule(const Node&, const Array& g, Grads gi) {
  k::adaptive_avgpool1d_backward(g, *gi[0]);
}

// Reshape moves no numbers: dx = g with x's shape.
void reshape_rule(const Node&, const Array& g, Grads gi) {
  k::accumulate(*gi[0], g.reshape(gi[0]->shape()));
}

// y = permute(x, p): dx = permute(g, inverse of p).
void permute_rule(const Node& n, const Array& g, Grads gi) {
  const std::vector<int64_t>& perm = attrs_of<PermuteAttrs>(n).perm;
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < inverse.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
  k::permute(g, inverse, *gi[0], true);
}

// y = scale * sum(x): dx = scale * g broadcast back over the reduced dimension (mean: 1/count).
void sum_rule(const Node& n, const Array& g, Grads gi) {
  const ReduceAttrs& a = attrs_of<ReduceAttrs>(n);
  k::reduce_sum_backward(g, static_cast<int>(a.dim), a.scale, *gi[0]);
}

void mse_rule(const Node& n, const Array& g, Grads gi) {
  k::mse_backward(in(n, 0), in(n, 1), g, reduction(n), gi[0], gi[1]);
}

void bce_rule(const Node& n, const Array& g, Grads gi) {
  k::bce_logits_backward(in(n, 0), in(n, 1), g, reduction(n), gi[0], gi[1]);
}

// Class indices are not differentiable; only the logits get a gradient.
void cross_entropy_rule(const Node& n, const Array& g, Grads gi) {
  if (gi[0]) k::cross_entropy_backward(in(n, 0), in(n, 1), g, reduction(n), *gi[0]);
}

// ---- the DeepLIFT column (autograd/deeplift.h) ----
// A linear op's DeepLIFT rule is its backward rule, as long as it is linear in what varies: the
// wrappers below check that only the named inputs receive multipliers (the others are constants:
// parameters, masks) and then run the backward rule. The nonlinear rules are in
// deeplift_rules.cpp. A null entry means no rule: deeplift_rule() throws naming the op.

// Throws unless input k of n is constant (receives no multiplier) in this sweep.
void require_constant(const Node& n, Grads gi, size_t k) {
  DNAGRAD_CHECK(k >= n.inputs.size() || gi[k] == nullptr, "deeplift: op '", op_name(n.op),
                "': its input ", k,
                " varies with the attributed input or requires a gradient; DeepLIFT has a rule "
                "for this op only when that input is constant (parameters must not require "
                "gradients)");
}

// Linear in input 0 (conv1d, linear, div by a constant): inputs 1, 2 must be constant.
template <BackwardRule rule>
void linear_in_first(const Node& n, const Array& g, Grads gi) {
  require_constant(n, gi, 1);
  require_constant(n, gi, 2);
  rule(n, g, gi);
}

// Linear in either input when the other is constant (mul, matmul); both varying is a product.
template <BackwardRule rule>
void linear_in_one(const Node& n, const Array& g, Grads gi) {
  DNAGRAD_CHECK(!(gi[0] && gi[1]), "deeplift: op '", op_name(n.op),
                "' multiplies two tensors that both vary with the attributed input; DeepLIFT has "
                "no rule for such a product");
  rule(n, g, gi);
}

// Batch norm with running statistics is a per-channel affine map; with batch statistics the
// inputs and references would normalise each other.
void batchnorm_deeplift(const Node& n, const Array& g, Grads gi) {
  DNAGRAD_CHECK(!attrs_of<BatchNormAttrs>(n).training, "deeplift: op '", op_name(n.op),
                "' in training mode normalises with batch statistics, which mix inputs and "
                "references; run the model in eval mode");
  linear_in_first<batchnorm_rule>(n, g, gi);
}

struct RuleEntry {
  Op op;
  const char* name;
  BackwardRule rule;
  BackwardRule deeplift;  // null: no DeepLIFT rule (softmax, losses, training-mode dropout)
  bool assigns_first_gradient = false;  // input 0's buffer may come undefined (backward.h)
};

namespace dl = deeplift_detail;

// The table: one row per op, in the order of the Op enum.
// Columns: op, name, backward rule, DeepLIFT rule, whether the backward rule assigns.
constexpr RuleEntry kRules[] = {
    {Op::Add, "add", binary_rule<k::BinaryOp::Add>, binary_rule<k::BinaryOp::Add>},
    {Op::Sub, "sub", binary_rule<k::BinaryOp::Sub>, binary_rule<k::BinaryOp::Sub>},
    {Op::Mul, "mul", binary_rule<k::BinaryOp::Mul>, linear_in_one<binary_rule<k::BinaryOp::Mul>>},
    {Op::Div, "div", binary_rule<k::BinaryOp::Div>, linear_in_first<binary_rule<k::BinaryOp::Div>>},
    {Op::Neg, "neg", unary_rule<k::UnaryOp::Neg>, unary_rule<k::UnaryOp::Neg>},
    {Op::AddScalar, "add_scalar", unary_rule<k::UnaryOp::AddScalar>,
     unary_rule<k::UnaryOp::AddScalar>},
    {Op::MulScalar, "mul_scalar", unary_rule<k::UnaryOp::MulScalar>,
     unary_rule<k::UnaryOp::MulScalar>},
    {Op::PowScalar, "pow_scalar", unary_rule<k::UnaryOp::PowScalar>, dl::rescale_rule},
    {Op::Exp, "exp", unary_rule<k::UnaryOp::Exp>, dl::rescale_rule},
    {Op::Log, "log", unary_rule<k::UnaryOp::Log>, dl::rescale_rule},
    {Op::ReLU, "relu", unary_rule<k::UnaryOp::ReLU>, dl::rescale_rule},
    {Op::Sigmoid, "sigmoid", unary_rule<k::UnaryOp::Sigmoid>, dl::rescale_rule},
    {Op::Tanh, "tanh", unary_rule<k::UnaryOp::Tanh>, dl::rescale_rule},
    {Op::Softmax, "softmax", softmax_rule<false>, nullptr},
    {Op::LogSoftmax, "log_softmax", softmax_rule<true>, nullptr},
    {Op::Dropout, "dropout", dropout_rule, nullptr},  // recorded in training mode only
    {Op::MatMul, "matmul", matmul_rule, linear_in_one<matmul_rule>},
    {Op::Linear, "linear", linear_rule, linear_in_first<linear_rule>},
    {Op::Conv1d, "conv1d", conv1d_rule, linear_in_first<conv1d_rule>},
    {Op::BatchNorm1d, "batch_norm1d", batchnorm_rule, batchnorm_deeplift},
    {Op::MaxPool1d, "max_pool1d", maxpool_rule, dl::maxpool_rule},
    {Op::AvgPool1d, "avg_pool1d", avgpool_rule, avgpool_rule},
    {Op::AdaptiveAvgPool1d, "adaptive_avg_pool1d", adaptive_avgpool_rule, adaptive_avgpool_rule},
    {Op::BatchNormReluMaxPool1d, "batch_norm_relu_max_pool1d", bn_relu_maxpool_rule,
     dl::bn_relu_maxpool_rule, true},
    {Op::Reshape, "reshape", reshape_rule, reshape_rule},
    {Op::Permute, "permute", permute_rule, permute_rule},
    {Op::Sum, "sum", sum_rule, sum_rule},
    {Op::Mean, "mean", sum_rule, sum_rule},
    {Op::MSELoss, "mse_loss", mse_rule, nullptr},
    {Op::BCEWithLogits, "binary_cross_entropy_with_logits", bce_rule, nullptr},
    {Op::CrossEntropy, "cross_entropy", cross_entropy_rule, nullptr},
};
static_assert(
    std::size(kRules) == static_cast<size_t>(Op::Count),
    "every Op needs a row in the rule table (add the rule, or a null rule to fail loudly)");

constexpr bool table_in_enum_order() {
  for (size_t i = 0; i < std::size(kRules); ++i)
    if (static_cast<size_t>(kRules[i].op) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "rows of the rule table must follow the Op enum's order");

}  // namespace

const char* op_name(Op op) {
  const auto i = static_cast<size_t>(op);
  return i < std::size(kRules) ? kRules[i].name : "unknown op";
}

BackwardRule backward_rule(Op op) {
  const auto i = static_cast<size_t>(op);
  DNAGRAD_CHECK(i < std::size(kRules) && kRules[i].rule != nullptr, "backward: op '", op_name(op),
                "' has no backward rule");
  return kRules[i].rule;
}

BackwardRule deeplift_rule(Op op) {
  const auto i = static_cast<size_t>(op);
  DNAGRAD_CHECK(i < std::size(kRules) && kRules[i].deeplift != nullptr, "deeplift: op '",
                op_name(op),
                "' has no DeepLIFT rule (softmax: attribute its input, the logits; losses, "
                "dropout: run the model in eval mode and attribute its output)");
  return kRules[i].deeplift;
}

bool rule_assigns_first_gradient(Op op) {
  const auto i = static_cast<size_t>(op);
  return i < std::size(kRules) && kRules[i].assigns_first_gradient;
}

}  // namespace dnagrad
