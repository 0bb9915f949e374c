// Forward passes of the layer ops: conv1d, batch norm, max/avg/adaptive pooling and the fused
// batch norm + ReLU + max pool. Inputs are [N, C, L] (N batch, C channels, L length; batch norm
// also takes [N, C]); each op checks its arguments, runs the kernel into a fresh output and
// records a Node when a gradient will be needed (ops_common.h). Batch norm in training mode also
// updates running_mean and running_var in place. Backward rules: backward_rules.cpp.
#include "autograd/ops.h"
#include "autograd/ops_common.h"
#include "kernels/batchnorm.h"
#include "kernels/bn_relu_maxpool.h"
#include "kernels/conv1d.h"
#include "kernels/elementwise.h"
#include "kernels/pooling.h"

namespace dnagrad {

using namespace ops_detail;

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

}  // namespace dnagrad
