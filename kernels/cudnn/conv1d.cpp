// cuDNN's convolution as a reference (conv1d.h): descriptors, the algorithm search and the calls.
#include "kernels/cudnn/conv1d.h"

#include <algorithm>
#include <optional>

#include "core/cuda_runtime.h"
#include "kernels/cudnn/common.h"

namespace dnagrad::kernels::cudnn {

namespace {

constexpr size_t kMaxSearchWorkspace = size_t{1} << 30;  // 1 GiB for the algorithm search

const char* algo_name(cudnnConvolutionFwdAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM:
      return "IMPLICIT_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM:
      return "IMPLICIT_PRECOMP_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM:
      return "GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT:
      return "DIRECT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT:
      return "FFT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING:
      return "FFT_TILING";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD:
      return "WINOGRAD";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED:
      return "WINOGRAD_NONFUSED";
    default:
      return "?";
  }
}

const char* algo_name(cudnnConvolutionBwdDataAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_0:
      return "ALGO_0";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_1:
      return "ALGO_1";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT:
      return "FFT";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING:
      return "FFT_TILING";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD:
      return "WINOGRAD";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED:
      return "WINOGRAD_NONFUSED";
    default:
      return "?";
  }
}

const char* algo_name(cudnnConvolutionBwdFilterAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0:
      return "ALGO_0";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1:
      return "ALGO_1";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT:
      return "FFT";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3:
      return "ALGO_3";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED:
      return "WINOGRAD_NONFUSED";
    case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING:
      return "FFT_TILING";
    default:
      return "?";
  }
}

const char* math_name(cudnnMathType_t m) {
  switch (m) {
    case CUDNN_DEFAULT_MATH:
      return "DEFAULT";
    case CUDNN_TENSOR_OP_MATH:
      return "TENSOR_OP";
    case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION:
      return "TENSOR_OP_ALLOW_CONVERSION";
    case CUDNN_FMA_MATH:
      return "FMA";
    default:
      return "?";
  }
}

// One direction's choice from the search.
struct Choice {
  int algo = 0;
  cudnnMathType_t math = CUDNN_FMA_MATH;
  size_t workspace = 0;
  float search_ms = 0;
  std::string text;  // "IMPLICIT_GEMM (FMA, 0.0 MB)"
};

// The first (fastest) successful result that respects the math restriction: without TF32, never
// a tensor-op math type (the descriptor stays CUDNN_FMA_MATH whatever the result reports).
template <class Perf>
std::optional<Choice> pick(const Perf* results, int count, bool allow_tf32, size_t max_workspace) {
  for (int i = 0; i < count; ++i) {
    const Perf& r = results[i];
    if (r.status != CUDNN_STATUS_SUCCESS || r.memory > max_workspace) continue;
    if (!allow_tf32 &&
        (r.mathType == CUDNN_TENSOR_OP_MATH || r.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION))
      continue;
    Choice c;
    c.algo = static_cast<int>(r.algo);
    c.math = allow_tf32 ? r.mathType : CUDNN_FMA_MATH;
    c.workspace = r.memory;
    c.search_ms = r.time;
    c.text = cat(algo_name(r.algo), " (", math_name(c.math), ", ",
                 static_cast<double>(r.memory) / (1 << 20), " MB",
                 r.determinism == CUDNN_DETERMINISTIC ? ", deterministic" : "", ")");
    return c;
  }
  return std::nullopt;
}

// A zero-filled scratch array for the search (zeros: no NaN or denormal skews the timings).
Array scratch(const Shape& shape, DType dtype, Device device) {
  Array a = Array::empty(shape, dtype, device);
  a.zero_();
  return a;
}

}  // namespace

struct Conv1d::Impl {
  Shape x_shape, w_shape, y_shape;
  DType dtype;
  Device device;
  bool allow_tf32;
  std::string context;  // "cudnn conv1d: x ..., weight ..., stride s, padding p, dilation d"
  std::unique_ptr<TensorDesc> x_desc, y_desc, bias_desc;
  std::unique_ptr<FilterDesc> w_desc;
  cudnnConvolutionDescriptor_t conv = nullptr;
  std::optional<Choice> fwd, bwd_data, bwd_filter;
  Workspace fwd_ws, data_ws, filter_ws;

  ~Impl() {
    if (conv) cudnnDestroyConvolutionDescriptor(conv);
  }

  cudnnHandle_t h() const { return handle(device.index); }

  void use_math(const Choice& c) {
    if (allow_tf32) DNAGRAD_CUDNN_CALL(cudnnSetConvolutionMathType(conv, c.math), context);
  }

  // Largest workspace any algorithm of a direction wants (those that fail to answer are skipped),
  // capped at kMaxSearchWorkspace.
  template <class Algo, class SizeFn>
  static size_t max_workspace(int count, SizeFn size_of) {
    size_t most = 0;
    for (int a = 0; a < count; ++a) {
      size_t bytes = 0;
      if (size_of(static_cast<Algo>(a), &bytes) == CUDNN_STATUS_SUCCESS &&
          bytes <= kMaxSearchWorkspace)
        most = std::max(most, bytes);
    }
    return most;
  }

  void search_forward() {
    const size_t limit = max_workspace<cudnnConvolutionFwdAlgo_t>(
        CUDNN_CONVOLUTION_FWD_ALGO_COUNT, [&](cudnnConvolutionFwdAlgo_t a, size_t* bytes) {
          return cudnnGetConvolutionForwardWorkspaceSize(h(), x_desc->get(), w_desc->get(), conv,
                                                         y_desc->get(), a, bytes);
        });
    const Workspace ws(limit, device);
    const Array x = scratch(x_shape, dtype, device), w = scratch(w_shape, dtype, device),
                y = scratch(y_shape, dtype, device);
    cudnnConvolutionFwdAlgoPerf_t results[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int count = 0;
    DNAGRAD_CUDNN_CALL(
        cudnnFindConvolutionForwardAlgorithmEx(
            h(), x_desc->get(), x.raw(), w_desc->get(), w.raw(), conv, y_desc->get(), y.raw(),
            CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, results, ws.ptr(), ws.bytes()),
        context + " (forward algorithm search)");
    fwd = pick(results, count, allow_tf32, limit);
    DNAGRAD_CHECK(fwd, context, ": cuDNN's search found no usable forward algorithm");
    fwd_ws = Workspace(fwd->workspace, device);
  }

  void search_backward_data() {
    const size_t limit = max_workspace<cudnnConvolutionBwdDataAlgo_t>(
        CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, [&](cudnnConvolutionBwdDataAlgo_t a, size_t* bytes) {
          return cudnnGetConvolutionBackwardDataWorkspaceSize(h(), w_desc->get(), y_desc->get(),
                                                              conv, x_desc->get(), a, bytes);
        });
    const Workspace ws(limit, device);
    const Array w = scratch(w_shape, dtype, device), dy = scratch(y_shape, dtype, device),
                dx = scratch(x_shape, dtype, device);
    cudnnConvolutionBwdDataAlgoPerf_t results[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    int count = 0;
    DNAGRAD_CUDNN_CALL(
        cudnnFindConvolutionBackwardDataAlgorithmEx(
            h(), w_desc->get(), w.raw(), y_desc->get(), dy.raw(), conv, x_desc->get(), dx.raw(),
            CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, results, ws.ptr(), ws.bytes()),
        context + " (backward-data algorithm search)");
    bwd_data = pick(results, count, allow_tf32, limit);
    DNAGRAD_CHECK(bwd_data, context, ": cuDNN's search found no usable backward-data algorithm");
    data_ws = Workspace(bwd_data->workspace, device);
  }

  void search_backward_filter() {
    const size_t limit = max_workspace<cudnnConvolutionBwdFilterAlgo_t>(
        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
        [&](cudnnConvolutionBwdFilterAlgo_t a, size_t* bytes) {
          return cudnnGetConvolutionBackwardFilterWorkspaceSize(h(), x_desc->get(), y_desc->get(),
                                                                conv, w_desc->get(), a, bytes);
        });
    const Workspace ws(limit, device);
    const Array x = scratch(x_shape, dtype, device), dy = scratch(y_shape, dtype, device),
                dw = scratch(w_shape, dtype, device);
    cudnnConvolutionBwdFilterAlgoPerf_t results[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int count = 0;
    DNAGRAD_CUDNN_CALL(
        cudnnFindConvolutionBackwardFilterAlgorithmEx(
            h(), x_desc->get(), x.raw(), y_desc->get(), dy.raw(), conv, w_desc->get(), dw.raw(),
            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, results, ws.ptr(), ws.bytes()),
        context + " (backward-filter algorithm search)");
    bwd_filter = pick(results, count, allow_tf32, limit);
    DNAGRAD_CHECK(bwd_filter, context,
                  ": cuDNN's search found no usable backward-filter algorithm");
    filter_ws = Workspace(bwd_filter->workspace, device);
  }
};

Conv1d::Conv1d(const Shape& x_shape, const Shape& weight_shape, DType dtype, Device device,
               const Conv1dParams& p, bool allow_tf32)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.context = cat("cudnn conv1d: x ", dtype_name(dtype), shape_str(x_shape), ", weight ",
                  shape_str(weight_shape), ", stride ", p.stride, ", padding ", p.padding,
                  ", dilation ", p.dilation, " on ", device.str(), allow_tf32 ? ", TF32" : "");
  DNAGRAD_CHECK(device.is_cuda(), m.context, ": needs a CUDA device");
  require_cuda_device(device.index, "cudnn conv1d");
  DNAGRAD_CHECK(x_shape.size() == 3 && weight_shape.size() == 3 && weight_shape[1] == x_shape[1],
                m.context, ": expected x [N, C_in, L_in] and weight [C_out, C_in, K]");
  DNAGRAD_CHECK(p.stride >= 1 && p.dilation >= 1 && p.padding >= 0, m.context,
                ": stride and dilation must be >= 1 and padding >= 0");
  const int64_t len_out = p.out_length(x_shape[2], weight_shape[2]);
  DNAGRAD_CHECK(len_out >= 1, m.context, ": the kernel does not fit the padded input");
  m.x_shape = x_shape;
  m.w_shape = weight_shape;
  m.y_shape = {x_shape[0], weight_shape[0], len_out};
  m.dtype = dtype;
  m.device = device;
  m.allow_tf32 = allow_tf32;
  const ScopedDevice on(device.index);
  m.x_desc = std::make_unique<TensorDesc>(m.x_shape, dtype, m.context);
  m.y_desc = std::make_unique<TensorDesc>(m.y_shape, dtype, m.context);
  m.bias_desc = std::make_unique<TensorDesc>(Shape{weight_shape[0]}, dtype, m.context);
  m.w_desc = std::make_unique<FilterDesc>(m.w_shape, dtype, m.context);
  DNAGRAD_CUDNN_CALL(cudnnCreateConvolutionDescriptor(&m.conv), m.context);
  DNAGRAD_CUDNN_CALL(
      cudnnSetConvolution2dDescriptor(m.conv, 0, static_cast<int>(p.padding), 1,
                                      static_cast<int>(p.stride), 1, static_cast<int>(p.dilation),
                                      CUDNN_CROSS_CORRELATION, data_type(dtype, "cudnn conv1d")),
      m.context);
  DNAGRAD_CUDNN_CALL(
      cudnnSetConvolutionMathType(m.conv, allow_tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH),
      m.context);
  int n = 0, c = 0, h = 0, w = 0;
  DNAGRAD_CUDNN_CALL(cudnnGetConvolution2dForwardOutputDim(m.conv, m.x_desc->get(), m.w_desc->get(),
                                                           &n, &c, &h, &w),
                     m.context);
  DNAGRAD_CHECK(n == m.y_shape[0] && c == m.y_shape[1] && h == 1 && w == m.y_shape[2], m.context,
                ": cuDNN's output [", n, ", ", c, ", ", h, ", ", w, "] differs from ours ",
                shape_str(m.y_shape));
}

Conv1d::~Conv1d() = default;

const Shape& Conv1d::y_shape() const { return impl_->y_shape; }

void Conv1d::search() {
  Impl& m = *impl_;
  const ScopedDevice on(m.device.index);
  if (!m.fwd) m.search_forward();
  if (!m.bwd_data) m.search_backward_data();
  if (!m.bwd_filter) m.search_backward_filter();
}

std::string Conv1d::describe() const {
  const Impl& m = *impl_;
  std::string out;
  auto add = [&](const char* what, const std::optional<Choice>& c) {
    if (!c) return;
    if (!out.empty()) out += "; ";
    out += cat(what, " ", c->text);
  };
  add("forward", m.fwd);
  add("backward-data", m.bwd_data);
  add("backward-filter", m.bwd_filter);
  return out.empty() ? "no algorithm searched yet" : out;
}

void Conv1d::forward(const Array& x, const Array& weight, const Array& bias, Array& y) {
  Impl& m = *impl_;
  const char* op = "cudnn conv1d forward";
  require_array(op, "x", x, m.x_shape, m.dtype, m.device);
  require_array(op, "weight", weight, m.w_shape, m.dtype, m.device);
  require_array(op, "y", y, m.y_shape, m.dtype, m.device);
  if (bias.defined()) require_array(op, "bias", bias, {m.w_shape[0]}, m.dtype, m.device);
  const ScopedDevice on(m.device.index);
  if (!m.fwd) m.search_forward();
  m.use_math(*m.fwd);
  const Scalar one(1, m.dtype), zero(0, m.dtype);
  DNAGRAD_CUDNN_CALL(cudnnConvolutionForward(
                         m.h(), one.ptr(), m.x_desc->get(), x.raw(), m.w_desc->get(), weight.raw(),
                         m.conv, static_cast<cudnnConvolutionFwdAlgo_t>(m.fwd->algo),
                         m.fwd_ws.ptr(), m.fwd_ws.bytes(), zero.ptr(), m.y_desc->get(), y.raw()),
                     m.context);
  if (bias.defined())
    DNAGRAD_CUDNN_CALL(cudnnAddTensor(m.h(), one.ptr(), m.bias_desc->get(), bias.raw(), one.ptr(),
                                      m.y_desc->get(), y.raw()),
                       m.context + " (bias)");
}

void Conv1d::backward_input(const Array& grad_y, const Array& weight, Array& grad_x) {
  Impl& m = *impl_;
  const char* op = "cudnn conv1d backward_input";
  require_array(op, "grad_y", grad_y, m.y_shape, m.dtype, m.device);
  require_array(op, "weight", weight, m.w_shape, m.dtype, m.device);
  require_array(op, "grad_x", grad_x, m.x_shape, m.dtype, m.device);
  const ScopedDevice on(m.device.index);
  if (!m.bwd_data) m.search_backward_data();
  m.use_math(*m.bwd_data);
  const Scalar one(1, m.dtype);
  DNAGRAD_CUDNN_CALL(
      cudnnConvolutionBackwardData(
          m.h(), one.ptr(), m.w_desc->get(), weight.raw(), m.y_desc->get(), grad_y.raw(), m.conv,
          static_cast<cudnnConvolutionBwdDataAlgo_t>(m.bwd_data->algo), m.data_ws.ptr(),
          m.data_ws.bytes(), one.ptr(), m.x_desc->get(), grad_x.raw()),
      m.context);
}

void Conv1d::backward_weight(const Array& grad_y, const Array& x, Array& grad_weight) {
  Impl& m = *impl_;
  const char* op = "cudnn conv1d backward_weight";
  require_array(op, "grad_y", grad_y, m.y_shape, m.dtype, m.device);
  require_array(op, "x", x, m.x_shape, m.dtype, m.device);
  require_array(op, "grad_weight", grad_weight, m.w_shape, m.dtype, m.device);
  const ScopedDevice on(m.device.index);
  if (!m.bwd_filter) m.search_backward_filter();
  m.use_math(*m.bwd_filter);
  const Scalar one(1, m.dtype);
  DNAGRAD_CUDNN_CALL(
      cudnnConvolutionBackwardFilter(
          m.h(), one.ptr(), m.x_desc->get(), x.raw(), m.y_desc->get(), grad_y.raw(), m.conv,
          static_cast<cudnnConvolutionBwdFilterAlgo_t>(m.bwd_filter->algo), m.filter_ws.ptr(),
          m.filter_ws.bytes(), one.ptr(), m.w_desc->get(), grad_weight.raw()),
      m.context);
}

void conv1d_forward(const Array& x, const Array& weight, const Array& bias, Array& y,
                    const Conv1dParams& p) {
  Conv1d(x.shape(), weight.shape(), x.dtype(), x.device(), p).forward(x, weight, bias, y);
}

void conv1d_backward_input(const Array& grad_y, const Array& weight, Array& grad_x,
                           const Conv1dParams& p) {
  Conv1d(grad_x.shape(), weight.shape(), grad_y.dtype(), grad_y.device(), p)
      .backward_input(grad_y, weight, grad_x);
}

void conv1d_backward_weight(const Array& grad_y, const Array& x, Array& grad_weight,
                            const Conv1dParams& p) {
  Conv1d(x.shape(), grad_weight.shape(), x.dtype(), x.device(), p)
      .backward_weight(grad_y, x, grad_weight);
}

}  // namespace dnagrad::kernels::cudnn
