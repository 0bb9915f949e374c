// The DeepLIFT rules of the nonlinear ops (autograd/deeplift.h says what the mode is). Each rule
// gets the gradient arriving at the op's output for the whole stacked batch [inputs; references]
// and ADDS multipliers into its input's buffer, computing first the ordinary gradient ("fallback",
// used where |Δx| < kDeepLiftEpsilon) and then the rule itself (kernels/deeplift.h).
#include "autograd/deeplift_rules.h"

#include "autograd/deeplift.h"
#include "kernels/batchnorm.h"
#include "kernels/deeplift.h"
#include "kernels/elementwise.h"
#include "kernels/pooling.h"

namespace dnagrad::deeplift_detail {

namespace k = kernels;

namespace {

Array zeros_like(const Array& a) { return Array::zeros(a.shape(), a.dtype(), a.device()); }

k::UnaryOp unary_kind(const Node& n) {
  k::UnaryOp kind = k::UnaryOp::ReLU;
  switch (n.op) {
    case Op::ReLU:
      break;
    case Op::Sigmoid:
      kind = k::UnaryOp::Sigmoid;
      break;
    case Op::Tanh:
      kind = k::UnaryOp::Tanh;
      break;
    case Op::Exp:
      kind = k::UnaryOp::Exp;
      break;
    case Op::Log:
      kind = k::UnaryOp::Log;
      break;
    case Op::PowScalar:
      kind = k::UnaryOp::PowScalar;
      break;
    default:
      DNAGRAD_CHECK(false, "deeplift: op '", op_name(n.op), "' is not an elementwise nonlinearity");
  }
  return kind;
}

// grad_x += rescale(x -> y = f(x)) applied to grad_y; all [2M, ...].
void rescale(k::UnaryOp kind, double scalar, const Array& x, const Array& y, const Array& grad_y,
             Array& grad_x) {
  Array fallback = zeros_like(x);
  k::unary_backward(kind, x, y, scalar, grad_y, fallback);  // f'(x) · grad_y, per half
  k::deeplift_rescale(x, y, grad_y, fallback, kDeepLiftEpsilon, grad_x);
}

// grad_x += captum's max-pool rule for y = maxpool(x) (argmax from the forward) on grad_y.
void maxpool(const Array& x, const Array& argmax, const k::Pool1dParams& p, const Array& grad_y,
             Array& grad_x) {
  Array y = Array::empty(argmax.shape(), x.dtype(), x.device());  // [2M, C, L_out]
  Array argmax_again = Array::empty(argmax.shape(), DType::I64, x.device());
  k::maxpool1d_forward(x, y, argmax_again, p);
  Array fallback = zeros_like(x);
  k::maxpool1d_backward(grad_y, argmax, fallback);  // the ordinary gradient, per half
  k::deeplift_maxpool(x, y, argmax, grad_y, fallback, kDeepLiftEpsilon, grad_x);
}

}  // namespace

void rescale_rule(const Node& n, const Array& grad_out, Array* const* grad_in) {
  if (!grad_in[0]) return;
  rescale(unary_kind(n), attrs_of<ScalarAttrs>(n).operand, n.inputs[0]->data, n.saved[0], grad_out,
          *grad_in[0]);
}

void maxpool_rule(const Node& n, const Array& grad_out, Array* const* grad_in) {
  if (!grad_in[0]) return;
  maxpool(n.inputs[0]->data, n.saved[0], attrs_of<PoolAttrs>(n).params, grad_out, *grad_in[0]);
}

// The fused op keeps only its input x, its output and the statistics, so the chain's inner values
// are recomputed with the unfused kernels: z = (x − mean) · invstd · weight + bias, a = relu(z),
// y = maxpool(a). Then the unfused chain's three rules run in reverse order: max pool (grad_y →
// grad_a), rescale (grad_a → grad_z), batch norm's gradient (grad_z → grad_x).
void bn_relu_maxpool_rule(const Node& n, const Array& grad_out, Array* const* grad_in) {
  const BnReluPoolAttrs& a = attrs_of<BnReluPoolAttrs>(n);
  DNAGRAD_CHECK(!a.training, "deeplift: op '", op_name(n.op),
                "' in training mode normalises with batch statistics, which mix inputs and "
                "references; run the model in eval mode");
  DNAGRAD_CHECK(!grad_in[1] && !grad_in[2], "deeplift: op '", op_name(n.op),
                "': its weight or bias requires a gradient; DeepLIFT treats parameters as "
                "constants");
  if (!grad_in[0]) return;
  const Array& x = n.inputs[0]->data;  // [2M, C, L]
  const Array weight = n.inputs[1] ? n.inputs[1]->data : Array();
  const Array bias = n.inputs[2] ? n.inputs[2]->data : Array();
  const Array& mean = n.saved[2];
  const Array& invstd = n.saved[3];
  const int64_t channels = x.size(1);
  Array scale = invstd;  // [C]: invstd · weight
  if (weight.defined()) {
    scale = zeros_like(invstd);
    k::binary_forward(k::BinaryOp::Mul, invstd, weight, scale);
  }
  Array centred = Array::empty(x.shape(), x.dtype(), x.device());  // [2M, C, L]
  k::binary_forward(k::BinaryOp::Sub, x, mean.reshape({channels, 1}), centred);
  Array z = Array::empty(x.shape(), x.dtype(), x.device());
  k::binary_forward(k::BinaryOp::Mul, centred, scale.reshape({channels, 1}), z);
  if (bias.defined()) {
    k::binary_forward(k::BinaryOp::Add, z, bias.reshape({channels, 1}), centred);
    z = centred;
  }
  Array relu_z = Array::empty(x.shape(), x.dtype(), x.device());
  k::unary_forward(k::UnaryOp::ReLU, z, 0, relu_z);
  Array argmax = Array::empty(grad_out.shape(), DType::I64, x.device());  // [2M, C, L_out]
  Array pooled = Array::empty(grad_out.shape(), x.dtype(), x.device());
  k::maxpool1d_forward(relu_z, pooled, argmax, a.pool);

  Array grad_relu = zeros_like(x), grad_z = zeros_like(x);
  maxpool(relu_z, argmax, a.pool, grad_out, grad_relu);
  rescale(k::UnaryOp::ReLU, 0, z, relu_z, grad_relu, grad_z);
  k::batchnorm_backward(grad_z, x, weight, mean, invstd, /*training=*/false, grad_in[0], nullptr,
                        nullptr);
}

}  // namespace dnagrad::deeplift_detail
