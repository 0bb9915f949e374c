// The argument checks of kernels/checks.h for the layer kernels: conv1d and the first-layer ISM
// kernel, pooling and batch norm (inputs [N, C, L]; batch norm also [N, C]). Each throws
// dnagrad::Error naming the op, the shapes and the device; a kernel's CPU and CUDA twins call the
// same one. The elementwise and loss checks are in checks_elementwise.cpp, the rest in checks.cpp.
#include "kernels/checks.h"

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

}  // namespace dnagrad::kernels
