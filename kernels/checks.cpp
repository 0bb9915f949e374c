// The argument checks of kernels/checks.h for permute, matmul and linear, reduce_sum, softmax, the
// optimizers and dropout. Each throws dnagrad::Error naming the op, the shapes and the device; a
// kernel's CPU and CUDA twins call the same one. The layer kernels' checks (conv1d, ISM, pooling,
// batch norm) are in checks_layers.cpp, the elementwise and loss checks in checks_elementwise.cpp.
#include "kernels/checks.h"

#include <string>

namespace dnagrad::kernels {

namespace {

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
