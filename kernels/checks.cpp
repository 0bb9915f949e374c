#include "kernels/checks.h"

#include <string>

namespace dnagrad::kernels {

namespace {

BatchNormExtents batchnorm_extents(const char* op, const Array& x) {
  DNAGRAD_CHECK(x.dim() == 2 || x.dim() == 3, op, ": expected x [N, C, L] or [N, C], got ",
                x.desc());
  return {x.size(0), x.size(1), x.dim() == 3 ? x.size(2) : 1};
}

// `a` (when defined, or always when required) must be a [C] vector of x's dtype on x's device.
void check_channel_vector(const char* op, const char* name, const Array& a, const Array& x,
                          bool required = false) {
  if (!a.defined()) {
    DNAGRAD_CHECK(!required, op, ": ", name, " is undefined");
    return;
  }
  DNAGRAD_CHECK(a.shape() == Shape{x.size(1)}, op, ": expected ", name, " [", x.size(1), "] for x ",
                x.desc(), ", got ", a.desc());
  require_same_device_dtype(op, x, {&a});
}

// `a` must have x's shape, dtype and device.
void check_same_shape(const char* op, const char* name, const Array& a, const Array& x) {
  DNAGRAD_CHECK(a.shape() == x.shape(), op, ": expected ", name, " shaped like x ", x.desc(),
                ", got ", a.desc());
  require_same_device_dtype(op, x, {&a});
}

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

void check_dim(const char* op, const Array& a, int dim) {
  DNAGRAD_CHECK(dim >= 0 && dim < a.dim(), op, ": dimension ", dim, " out of range for ", a.desc());
}

std::string with_flag(const Array& a, bool transposed) {
  return transposed ? a.desc() + " (transposed)" : a.desc();
}

void require_2d(const char* op, const char* what, const Array& a) {
  DNAGRAD_CHECK(a.dim() == 2, op, ": expected a 2-D ", what, ", got ", a.desc());
}

}  // namespace

ConvExtents check_conv1d(const char* op, const Array& x, const Array& weight, const Array& y,
                         const Conv1dParams& p) {
  DNAGRAD_CHECK(p.stride >= 1 && p.dilation >= 1 && p.padding >= 0, op,
                ": stride and dilation must be >= 1 and padding >= 0 (stride ", p.stride,
                ", padding ", p.padding, ", dilation ", p.dilation, ")");
  DNAGRAD_CHECK(
      x.dim() == 3 && weight.dim() == 3 && y.dim() == 3 && weight.size(1) == x.size(1) &&
          y.size(0) == x.size(0) && y.size(1) == weight.size(0),
      op, ": expected input [N, C_in, L_in], weight [C_out, C_in, K], output [N, C_out, L_out]",
      ", got ", x.desc(), ", ", weight.desc(), ", ", y.desc());
  const ConvExtents e{x.size(0), x.size(1), x.size(2), weight.size(0), weight.size(2), y.size(2)};
  // The dilated kernel must fit in the padded input (PyTorch's rule; out_length's truncating
  // division alone would let a slightly too short input through with L_out = 1).
  const int64_t span = e.len_in + 2 * p.padding - p.dilation * (e.kernel - 1) - 1;
  DNAGRAD_CHECK(e.kernel >= 1 && span >= 0 && p.out_length(e.len_in, e.kernel) == e.len_out, op,
                ": input ", x.desc(), " with weight ", weight.desc(), ", stride ", p.stride,
                ", padding ", p.padding, " and dilation ", p.dilation, " gives length ",
                p.out_length(e.len_in, e.kernel), ", but the output is ", y.desc());
  require_same_device_dtype(op, x, {&weight, &y});
  return e;
}

IsmExtents check_ism_first_layer_mutants(const Array& reference_out, const Array& weight,
                                         const Array& ref_onehot,
                                         std::span<const int64_t> positions,
                                         std::span<const int64_t> bases, const Conv1dParams& p,
                                         const Array& out) {
  const char* op = "ism_first_layer_mutants";
  DNAGRAD_CHECK(reference_out.dim() == 2 && weight.dim() == 3 && weight.size(1) == 4 &&
                    ref_onehot.dim() == 2 && ref_onehot.size(0) == 4 && out.dim() == 3 &&
                    out.size(1) == reference_out.size(0) && out.size(2) == reference_out.size(1),
                op,
                ": expected reference_out [C_out, L_out], weight [C_out, 4, K], ref_onehot [4, L] "
                "and out [M, C_out, L_out], got ",
                reference_out.desc(), ", ", weight.desc(), ", ", ref_onehot.desc(), ", ",
                out.desc());
  const int64_t len = ref_onehot.size(1);
  const ConvExtents e =
      check_conv1d(op, ref_onehot.reshape({1, 4, len}), weight,
                   reference_out.reshape({1, reference_out.size(0), reference_out.size(1)}), p);
  require_same_device_dtype(op, reference_out, {&out});
  const auto mutants = static_cast<int64_t>(positions.size());
  DNAGRAD_CHECK(bases.size() == positions.size() && out.size(0) == mutants, op, ": ",
                positions.size(), " positions and ", bases.size(), " bases for ", out.desc());
  for (int64_t m = 0; m < mutants; ++m)
    DNAGRAD_CHECK(positions[m] >= 0 && positions[m] < len && bases[m] >= 0 && bases[m] < 4, op,
                  ": mutant ", m, " (position ", positions[m], ", base ", bases[m],
                  ") is not a position in [0, ", len, ") and a base in [0, 4)");
  return {mutants, e.c_out, len, e.len_out, e.kernel};
}

PoolExtents check_pool1d(const char* op, const Array& x, const Array& y, const Pool1dParams& p) {
  DNAGRAD_CHECK(
      p.kernel >= 1 && p.stride >= 1 && p.dilation >= 1 && p.padding >= 0 &&
          2 * p.padding <= p.kernel,
      op, ": kernel, stride and dilation must be >= 1 and 0 <= padding <= kernel / 2 (kernel ",
      p.kernel, ", stride ", p.stride, ", padding ", p.padding, ", dilation ", p.dilation, ")");
  DNAGRAD_CHECK(x.dim() == 3 && y.dim() == 3 && y.size(0) == x.size(0) && y.size(1) == x.size(1),
                op, ": expected input [N, C, L] and output [N, C, L_out], got ", x.desc(), " and ",
                y.desc());
  const int64_t len_in = x.size(2);
  // The dilated window must fit in the padded input (PyTorch's rule); then every window holds at
  // least one real element.
  const int64_t span = len_in + 2 * p.padding - p.dilation * (p.kernel - 1) - 1;
  DNAGRAD_CHECK(span >= 0 && p.out_length(len_in) == y.size(2), op, ": input ", x.desc(),
                " with kernel ", p.kernel, ", stride ", p.stride, ", padding ", p.padding,
                ", dilation ", p.dilation, " does not give the output ", y.desc());
  require_same_device_dtype(op, x, {&y});
  return {x.size(0) * x.size(1), len_in, y.size(2)};
}

PoolExtents check_adaptive_pool1d(const char* op, const Array& x, const Array& y) {
  DNAGRAD_CHECK(x.dim() == 3 && y.dim() == 3 && y.size(0) == x.size(0) && y.size(1) == x.size(1) &&
                    x.size(2) >= 1 && y.size(2) >= 1,
                op, ": expected input [N, C, L] and output [N, C, out] with L, out >= 1, got ",
                x.desc(), " and ", y.desc());
  require_same_device_dtype(op, x, {&y});
  return {x.size(0) * x.size(1), x.size(2), y.size(2)};
}

BatchNormExtents check_batchnorm_forward_train(const Array& x, const Array& weight,
                                               const Array& bias, const Array& running_mean,
                                               const Array& running_var, const Array& y,
                                               const Array& save_mean, const Array& save_invstd) {
  const char* op = "batchnorm_forward_train";
  const BatchNormExtents e = batchnorm_extents(op, x);
  DNAGRAD_CHECK(e.n_batch * e.len > 1, op,
                ": training needs more than one value per channel, got x ", x.desc());
  check_channel_vector(op, "weight", weight, x);
  check_channel_vector(op, "bias", bias, x);
  check_channel_vector(op, "running_mean", running_mean, x);
  check_channel_vector(op, "running_var", running_var, x);
  check_channel_vector(op, "save_mean", save_mean, x, true);
  check_channel_vector(op, "save_invstd", save_invstd, x, true);
  check_same_shape(op, "y", y, x);
  return e;
}

BatchNormExtents check_batchnorm_forward_eval(const Array& x, const Array& weight,
                                              const Array& bias, const Array& running_mean,
                                              const Array& running_var, const Array& y) {
  const char* op = "batchnorm_forward_eval";
  const BatchNormExtents e = batchnorm_extents(op, x);
  check_channel_vector(op, "weight", weight, x);
  check_channel_vector(op, "bias", bias, x);
  check_channel_vector(op, "running_mean", running_mean, x, true);
  check_channel_vector(op, "running_var", running_var, x, true);
  check_same_shape(op, "y", y, x);
  return e;
}

BatchNormExtents check_batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight,
                                          const Array& mean, const Array& invstd,
                                          const Array* grad_x, const Array* grad_weight,
                                          const Array* grad_bias) {
  const char* op = "batchnorm_backward";
  const BatchNormExtents e = batchnorm_extents(op, x);
  check_same_shape(op, "grad_y", grad_y, x);
  check_channel_vector(op, "weight", weight, x);
  check_channel_vector(op, "mean", mean, x, true);
  check_channel_vector(op, "invstd", invstd, x, true);
  if (grad_x) check_same_shape(op, "grad_x", *grad_x, x);
  if (grad_weight) check_channel_vector(op, "grad_weight", *grad_weight, x, true);
  if (grad_bias) check_channel_vector(op, "grad_bias", *grad_bias, x, true);
  return e;
}

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

// ---- permute, matmul and linear, reduce_sum, softmax, optimizers, dropout ----

void check_permute(const Array& x, const std::vector<int64_t>& perm, const Array& y) {
  require_same_device_dtype("permute", x, {&y});
  const int64_t ndim = x.dim();
  DNAGRAD_CHECK(static_cast<int64_t>(perm.size()) == ndim, "permute: ", perm.size(),
                " dimensions given for ", x.desc());
  std::vector<bool> seen(ndim, false);
  bool valid = true;
  Shape expected;
  for (int64_t d : perm) {
    valid = valid && d >= 0 && d < ndim && !seen[d];
    if (!valid) break;
    seen[d] = true;
    expected.push_back(x.size(d));
  }
  DNAGRAD_CHECK(valid, "permute: ", shape_str(perm), " is not a permutation of the dimensions of ",
                x.desc());
  DNAGRAD_CHECK(y.shape() == expected, "permute: output ", y.desc(), " should have shape ",
                shape_str(expected), " to hold ", x.desc(), " permuted");
}

MatmulExtents check_matmul(const Array& a, const Array& b, const Array& c, bool trans_a,
                           bool trans_b) {
  require_same_device_dtype("matmul", a, {&b, &c});
  require_2d("matmul", "a", a);
  require_2d("matmul", "b", b);
  require_2d("matmul", "c", c);
  const int64_t m = a.size(trans_a ? 1 : 0), k = a.size(trans_a ? 0 : 1);
  const int64_t k_b = b.size(trans_b ? 1 : 0), p = b.size(trans_b ? 0 : 1);
  DNAGRAD_CHECK(k == k_b && c.size(0) == m && c.size(1) == p,
                "matmul: expected op(a) [M, K] · op(b) [K, P] -> c [M, P], got a ",
                with_flag(a, trans_a), ", b ", with_flag(b, trans_b), ", c ", c.desc());
  return {m, k, p};
}

void check_linear_forward(const Array& x, const Array& weight, const Array& bias, const Array& y) {
  require_same_device_dtype("linear", x, {&weight, &bias, &y});
  require_2d("linear", "input x [N, I]", x);
  require_2d("linear", "weight [O, I]", weight);
  const int64_t n = x.size(0), out_features = weight.size(0);
  DNAGRAD_CHECK(weight.size(1) == x.size(1), "linear: input ", x.desc(), " and weight ",
                weight.desc(), " disagree on in_features I");
  DNAGRAD_CHECK(!bias.defined() || bias.shape() == Shape{out_features}, "linear: expected bias [",
                out_features, "], got ", bias.desc());
  DNAGRAD_CHECK((y.shape() == Shape{n, out_features}), "linear: expected output [", n, ", ",
                out_features, "], got ", y.desc());
}

void check_linear_backward(const Array& grad_y, const Array& x, const Array& weight,
                           const Array* grad_x, const Array* grad_weight, const Array* grad_bias) {
  require_same_device_dtype("linear backward", x,
                            {&grad_y, &weight, grad_x, grad_weight, grad_bias});
  require_2d("linear backward", "input x [N, I]", x);
  require_2d("linear backward", "weight [O, I]", weight);
  const int64_t n = x.size(0), out_features = weight.size(0);
  DNAGRAD_CHECK((weight.size(1) == x.size(1) && grad_y.shape() == Shape{n, out_features}),
                "linear backward: expected x [N, I], weight [O, I] and grad_y [N, O], got ",
                x.desc(), ", ", weight.desc(), " and ", grad_y.desc());
  DNAGRAD_CHECK(!grad_x || grad_x->shape() == x.shape(), "linear backward: grad_x ",
                grad_x ? grad_x->desc() : "", " does not match x ", x.desc());
  DNAGRAD_CHECK(!grad_weight || grad_weight->shape() == weight.shape(),
                "linear backward: grad_weight ", grad_weight ? grad_weight->desc() : "",
                " does not match weight ", weight.desc());
  DNAGRAD_CHECK(!grad_bias || grad_bias->shape() == Shape{out_features},
                "linear backward: grad_bias ", grad_bias ? grad_bias->desc() : "", " is not [",
                out_features, "]");
}

void check_reduce_sum(const char* op, const Array& full, int dim, const Array& reduced) {
  require_same_device_dtype(op, full, {&reduced});
  if (dim == -1) {
    DNAGRAD_CHECK(reduced.numel() == 1, op, ": a sum over every element of ", full.desc(),
                  " needs a one-element output, got ", reduced.desc());
    return;
  }
  DNAGRAD_CHECK(dim >= 0 && dim < full.dim(), op, ": dimension ", dim, " out of range for ",
                full.desc());
  Shape dropped = full.shape(), kept = full.shape();
  dropped.erase(dropped.begin() + dim);
  kept[dim] = 1;
  DNAGRAD_CHECK(reduced.shape() == dropped || reduced.shape() == kept, op, ": summing ",
                full.desc(), " over dimension ", dim, " gives ", shape_str(dropped), " (or ",
                shape_str(kept), " with keepdim), got ", reduced.desc());
}

const char* softmax_name(bool log) { return log ? "log_softmax" : "softmax"; }

void check_softmax_forward(const char* name, const Array& x, int dim, const Array& y) {
  require_same_device_dtype(name, x, {&y});
  check_dim(name, x, dim);
  DNAGRAD_CHECK(y.shape() == x.shape(), name, ": output ", y.desc(), " does not match input ",
                x.desc());
}

void check_softmax_backward(const char* name, const Array& y, const Array& grad_y, int dim,
                            const Array& grad_x) {
  require_same_device_dtype(name, y, {&grad_y, &grad_x});
  check_dim(name, y, dim);
  DNAGRAD_CHECK(grad_y.shape() == y.shape() && grad_x.shape() == y.shape(), name, ": gradients ",
                grad_y.desc(), " and ", grad_x.desc(), " must both match the output ", y.desc());
}

void check_optimizer_state(const char* op, const Array& param, const Array& state,
                           const char* what) {
  DNAGRAD_CHECK(state.defined(), op, ": ", what, " is undefined (parameter ", param.desc(), ")");
  DNAGRAD_CHECK(state.shape() == param.shape(), op, ": ", what, " ", state.desc(),
                " does not match the parameter ", param.desc());
  require_same_device_dtype(op, param, {&state});
}

void check_norm_total(const char* op, const Array& x, const Array& total) {
  DNAGRAD_CHECK(x.dtype() == DType::F32 || x.dtype() == DType::F64, op,
                ": expected a float32 or float64 array, got ", x.desc());
  DNAGRAD_CHECK(total.defined() && total.numel() == 1 && total.dtype() == DType::F64 &&
                    total.device() == x.device(),
                op, ": expected the total as a float64 [1] array on ", x.device().str(), ", got ",
                total.defined() ? total.desc() : std::string("an undefined array"));
}

void check_dropout(const Array& x, double p, const Array& mask, const Array& y) {
  require_same_device_dtype("dropout", x, {&mask, &y});
  DNAGRAD_CHECK(p >= 0 && p < 1, "dropout: probability p must be in [0, 1), got ", p);
  DNAGRAD_CHECK(mask.shape() == x.shape() && y.shape() == x.shape(), "dropout: mask ", mask.desc(),
                " and output ", y.desc(), " must both match the input ", x.desc());
}

}  // namespace dnagrad::kernels
