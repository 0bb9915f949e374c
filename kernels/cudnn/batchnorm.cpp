// cuDNN's batch normalisation as a reference (batchnorm.h).
#include "kernels/cudnn/batchnorm.h"

#include "core/cuda_runtime.h"
#include "kernels/cudnn/common.h"

namespace dnagrad::kernels::cudnn {

namespace {

constexpr cudnnBatchNormMode_t kMode = CUDNN_BATCHNORM_SPATIAL;

// A [C] array of `value` on the device (stand-in for an undefined weight or bias).
Array constant(int64_t channels, double value, DType dtype, Device device) {
  return Array::full({channels}, value, dtype).to(device);
}

}  // namespace

struct BatchNorm::Impl {
  Shape x_shape, param_shape;
  DType dtype;
  Device device;
  std::string context;
  std::unique_ptr<TensorDesc> x_desc;
  cudnnTensorDescriptor_t param_desc = nullptr;  // [1, C, 1, 1], derived by cuDNN
  Array ones, zeros;                             // made on first need

  ~Impl() {
    if (param_desc) cudnnDestroyTensorDescriptor(param_desc);
  }
  cudnnHandle_t h() const { return handle(device.index); }
  const Array& ones_or(const Array& a) {
    if (a.defined()) return a;
    if (!ones.defined()) ones = constant(param_shape[0], 1, dtype, device);
    return ones;
  }
  const Array& zeros_or(const Array& a) {
    if (a.defined()) return a;
    if (!zeros.defined()) zeros = constant(param_shape[0], 0, dtype, device);
    return zeros;
  }
  void require_param(const char* op, const char* what, const Array& a) const {
    require_array(op, what, a, param_shape, dtype, device);
  }
};

BatchNorm::BatchNorm(const Shape& x_shape, DType dtype, Device device)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.context =
      cat("cudnn batchnorm: x ", dtype_name(dtype), shape_str(x_shape), " on ", device.str());
  DNAGRAD_CHECK(device.is_cuda(), m.context, ": needs a CUDA device");
  require_cuda_device(device.index, "cudnn batchnorm");
  DNAGRAD_CHECK(x_shape.size() == 2 || x_shape.size() == 3, m.context,
                ": expected x [N, C, L] or [N, C]");
  m.x_shape = x_shape;
  m.param_shape = {x_shape[1]};
  m.dtype = dtype;
  m.device = device;
  const ScopedDevice on(device.index);
  m.x_desc = std::make_unique<TensorDesc>(x_shape, dtype, m.context);
  DNAGRAD_CUDNN_CALL(cudnnCreateTensorDescriptor(&m.param_desc), m.context);
  DNAGRAD_CUDNN_CALL(cudnnDeriveBNTensorDescriptor(m.param_desc, m.x_desc->get(), kMode),
                     m.context);
}

BatchNorm::~BatchNorm() = default;

void BatchNorm::forward_train(const Array& x, const Array& weight, const Array& bias,
                              Array& running_mean, Array& running_var, double momentum, double eps,
                              Array& y, Array& save_mean, Array& save_invstd) {
  Impl& m = *impl_;
  const char* op = "cudnn batchnorm forward_train";
  require_array(op, "x", x, m.x_shape, m.dtype, m.device);
  require_array(op, "y", y, m.x_shape, m.dtype, m.device);
  if (weight.defined()) m.require_param(op, "weight", weight);
  if (bias.defined()) m.require_param(op, "bias", bias);
  DNAGRAD_CHECK(running_mean.defined() == running_var.defined(), op,
                ": cuDNN needs both running statistics or neither");
  if (running_mean.defined()) {
    m.require_param(op, "running_mean", running_mean);
    m.require_param(op, "running_var", running_var);
  }
  m.require_param(op, "save_mean", save_mean);
  m.require_param(op, "save_invstd", save_invstd);
  DNAGRAD_CHECK(eps >= CUDNN_BN_MIN_EPSILON, op, ": eps ", eps, " is below cuDNN's minimum ",
                CUDNN_BN_MIN_EPSILON);
  const ScopedDevice on(m.device.index);
  const Scalar one(1, m.dtype), zero(0, m.dtype);
  DNAGRAD_CUDNN_CALL(
      cudnnBatchNormalizationForwardTraining(
          m.h(), kMode, one.ptr(), zero.ptr(), m.x_desc->get(), x.raw(), m.x_desc->get(), y.raw(),
          m.param_desc, m.ones_or(weight).raw(), m.zeros_or(bias).raw(), momentum,
          running_mean.raw(), running_var.raw(), eps, save_mean.raw(), save_invstd.raw()),
      m.context);
}

void BatchNorm::forward_eval(const Array& x, const Array& weight, const Array& bias,
                             const Array& running_mean, const Array& running_var, double eps,
                             Array& y) {
  Impl& m = *impl_;
  const char* op = "cudnn batchnorm forward_eval";
  require_array(op, "x", x, m.x_shape, m.dtype, m.device);
  require_array(op, "y", y, m.x_shape, m.dtype, m.device);
  if (weight.defined()) m.require_param(op, "weight", weight);
  if (bias.defined()) m.require_param(op, "bias", bias);
  m.require_param(op, "running_mean", running_mean);
  m.require_param(op, "running_var", running_var);
  DNAGRAD_CHECK(eps >= CUDNN_BN_MIN_EPSILON, op, ": eps ", eps, " is below cuDNN's minimum ",
                CUDNN_BN_MIN_EPSILON);
  const ScopedDevice on(m.device.index);
  const Scalar one(1, m.dtype), zero(0, m.dtype);
  DNAGRAD_CUDNN_CALL(cudnnBatchNormalizationForwardInference(
                         m.h(), kMode, one.ptr(), zero.ptr(), m.x_desc->get(), x.raw(),
                         m.x_desc->get(), y.raw(), m.param_desc, m.ones_or(weight).raw(),
                         m.zeros_or(bias).raw(), running_mean.raw(), running_var.raw(), eps),
                     m.context);
}

void BatchNorm::backward(const Array& grad_y, const Array& x, const Array& weight,
                         const Array& save_mean, const Array& save_invstd, double eps,
                         Array* grad_x, Array* grad_weight, Array* grad_bias) {
  Impl& m = *impl_;
  const char* op = "cudnn batchnorm backward";
  require_array(op, "grad_y", grad_y, m.x_shape, m.dtype, m.device);
  require_array(op, "x", x, m.x_shape, m.dtype, m.device);
  if (weight.defined()) m.require_param(op, "weight", weight);
  m.require_param(op, "save_mean", save_mean);
  m.require_param(op, "save_invstd", save_invstd);
  if (grad_x) require_array(op, "grad_x", *grad_x, m.x_shape, m.dtype, m.device);
  if (grad_weight) m.require_param(op, "grad_weight", *grad_weight);
  if (grad_bias) m.require_param(op, "grad_bias", *grad_bias);
  // cuDNN writes all three: missing ones go to scratch.
  Array scratch_x, scratch_w, scratch_b;
  if (!grad_x) scratch_x = Array::zeros(m.x_shape, m.dtype, m.device);
  if (!grad_weight) scratch_w = Array::zeros(m.param_shape, m.dtype, m.device);
  if (!grad_bias) scratch_b = Array::zeros(m.param_shape, m.dtype, m.device);
  const ScopedDevice on(m.device.index);
  const Scalar one(1, m.dtype);
  DNAGRAD_CUDNN_CALL(
      cudnnBatchNormalizationBackward(
          m.h(), kMode, one.ptr(), one.ptr(), one.ptr(), one.ptr(), m.x_desc->get(), x.raw(),
          m.x_desc->get(), grad_y.raw(), m.x_desc->get(), (grad_x ? *grad_x : scratch_x).raw(),
          m.param_desc, m.ones_or(weight).raw(), (grad_weight ? *grad_weight : scratch_w).raw(),
          (grad_bias ? *grad_bias : scratch_b).raw(), eps, save_mean.raw(), save_invstd.raw()),
      m.context);
}

}  // namespace dnagrad::kernels::cudnn
