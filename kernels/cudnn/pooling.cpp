// cuDNN's pooling as a reference (pooling.h).
#include "kernels/cudnn/pooling.h"

#include "core/cuda_runtime.h"
#include "kernels/cudnn/common.h"

namespace dnagrad::kernels::cudnn {

struct Pool1d::Impl {
  Shape x_shape, y_shape;
  DType dtype;
  Device device;
  std::string context;
  std::unique_ptr<TensorDesc> x_desc, y_desc;
  cudnnPoolingDescriptor_t pool = nullptr;

  ~Impl() {
    if (pool) cudnnDestroyPoolingDescriptor(pool);
  }
  cudnnHandle_t h() const { return handle(device.index); }
};

Pool1d::Pool1d(Kind kind, const Shape& x_shape, DType dtype, Device device, const Pool1dParams& p)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  const bool is_max = kind == Kind::Max;
  m.context =
      cat("cudnn ", is_max ? "maxpool1d" : "avgpool1d", ": x ", dtype_name(dtype),
          shape_str(x_shape), ", kernel ", p.kernel, ", stride ", p.stride, ", padding ", p.padding,
          is_max ? "" : (p.count_include_pad ? ", count_include_pad" : ""), " on ", device.str());
  DNAGRAD_CHECK(device.is_cuda(), m.context, ": needs a CUDA device");
  require_cuda_device(device.index, "cudnn pool1d");
  DNAGRAD_CHECK(x_shape.size() == 3, m.context, ": expected x [N, C, L]");
  DNAGRAD_CHECK(p.dilation == 1, m.context, ": cuDNN pooling has no dilation (got ", p.dilation,
                ")");
  DNAGRAD_CHECK(p.kernel >= 1 && p.stride >= 1 && p.padding >= 0 && p.padding < p.kernel, m.context,
                ": cuDNN needs kernel, stride >= 1 and 0 <= padding < kernel");
  const int64_t len_out = p.out_length(x_shape[2]);
  DNAGRAD_CHECK(len_out >= 1, m.context, ": the window does not fit the padded input");
  m.x_shape = x_shape;
  m.y_shape = {x_shape[0], x_shape[1], len_out};
  m.dtype = dtype;
  m.device = device;
  const ScopedDevice on(device.index);
  m.x_desc = std::make_unique<TensorDesc>(m.x_shape, dtype, m.context);
  m.y_desc = std::make_unique<TensorDesc>(m.y_shape, dtype, m.context);
  const cudnnPoolingMode_t mode = is_max ? CUDNN_POOLING_MAX
                                  : p.count_include_pad
                                      ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
                                      : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
  DNAGRAD_CUDNN_CALL(cudnnCreatePoolingDescriptor(&m.pool), m.context);
  DNAGRAD_CUDNN_CALL(
      cudnnSetPooling2dDescriptor(m.pool, mode, CUDNN_PROPAGATE_NAN, 1, static_cast<int>(p.kernel),
                                  0, static_cast<int>(p.padding), 1, static_cast<int>(p.stride)),
      m.context);
  int n = 0, c = 0, h = 0, w = 0;
  DNAGRAD_CUDNN_CALL(cudnnGetPooling2dForwardOutputDim(m.pool, m.x_desc->get(), &n, &c, &h, &w),
                     m.context);
  DNAGRAD_CHECK(n == m.y_shape[0] && c == m.y_shape[1] && h == 1 && w == m.y_shape[2], m.context,
                ": cuDNN's output [", n, ", ", c, ", ", h, ", ", w, "] differs from ours ",
                shape_str(m.y_shape));
}

Pool1d::~Pool1d() = default;

const Shape& Pool1d::y_shape() const { return impl_->y_shape; }

void Pool1d::forward(const Array& x, Array& y) {
  Impl& m = *impl_;
  const char* op = "cudnn pool1d forward";
  require_array(op, "x", x, m.x_shape, m.dtype, m.device);
  require_array(op, "y", y, m.y_shape, m.dtype, m.device);
  const ScopedDevice on(m.device.index);
  const Scalar one(1, m.dtype), zero(0, m.dtype);
  DNAGRAD_CUDNN_CALL(cudnnPoolingForward(m.h(), m.pool, one.ptr(), m.x_desc->get(), x.raw(),
                                         zero.ptr(), m.y_desc->get(), y.raw()),
                     m.context);
}

void Pool1d::backward(const Array& x, const Array& y, const Array& grad_y, Array& grad_x) {
  Impl& m = *impl_;
  const char* op = "cudnn pool1d backward";
  require_array(op, "x", x, m.x_shape, m.dtype, m.device);
  require_array(op, "y", y, m.y_shape, m.dtype, m.device);
  require_array(op, "grad_y", grad_y, m.y_shape, m.dtype, m.device);
  require_array(op, "grad_x", grad_x, m.x_shape, m.dtype, m.device);
  const ScopedDevice on(m.device.index);
  const Scalar one(1, m.dtype);
  DNAGRAD_CUDNN_CALL(cudnnPoolingBackward(m.h(), m.pool, one.ptr(), m.y_desc->get(), y.raw(),
                                          m.y_desc->get(), grad_y.raw(), m.x_desc->get(), x.raw(),
                                          one.ptr(), m.x_desc->get(), grad_x.raw()),
                     m.context);
}

}  // namespace dnagrad::kernels::cudnn
