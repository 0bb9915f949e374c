// The cuDNN handle, status checks and descriptors shared by kernels/cudnn/*.cpp (common.h).
#include "kernels/cudnn/common.h"

#include <cuda_runtime.h>

#include <array>
#include <mutex>

#include "kernels/cudnn/info.h"

namespace dnagrad::kernels::cudnn {

namespace {

constexpr int kMaxDevices = 64;

struct HandleSlot {
  std::once_flag once;
  cudnnHandle_t handle = nullptr;
};

int int_extent(int64_t extent, const std::string& context) {
  DNAGRAD_CHECK(extent >= 0 && extent <= (int64_t{1} << 31) - 1, context,
                ": an extent does not fit cuDNN's int descriptors");
  return static_cast<int>(extent);
}

// [N, C, L] -> {N, C, 1, L}; [N, C] -> {N, C, 1, 1}; [C] -> {1, C, 1, 1}.
std::array<int, 4> nchw(const Shape& shape, const std::string& context) {
  switch (shape.size()) {
    case 1:
      return {1, int_extent(shape[0], context), 1, 1};
    case 2:
      return {int_extent(shape[0], context), int_extent(shape[1], context), 1, 1};
    case 3:
      return {int_extent(shape[0], context), int_extent(shape[1], context), 1,
              int_extent(shape[2], context)};
    default:
      fail(context, ": expected a 1-, 2- or 3-D shape, got ", shape_str(shape));
  }
}

}  // namespace

std::string version() {
  // major * 10000 + minor * 100 + patch since cuDNN 9; major * 1000 + minor * 100 + patch before.
  const size_t runtime = cudnnGetVersion();
  const size_t major_unit = runtime >= 90000 ? 10000 : 1000;
  return cat("cuDNN ", runtime / major_unit, ".", (runtime % major_unit) / 100, ".", runtime % 100,
             " (built with ", CUDNN_MAJOR, ".", CUDNN_MINOR, ".", CUDNN_PATCHLEVEL, ")");
}

cudnnHandle_t handle(int device) {
  static std::array<HandleSlot, kMaxDevices> slots;  // never destroyed handles, see common.h
  DNAGRAD_CHECK(device >= 0 && device < kMaxDevices, "cudnn handle: CUDA device ", device,
                " is outside 0..", kMaxDevices - 1);
  HandleSlot& slot = slots[device];
  std::call_once(slot.once, [&] {  // a throw leaves the flag unset: the next call retries
    const ScopedDevice on(device);
    cudnnHandle_t created = nullptr;
    DNAGRAD_CUDNN_CALL(cudnnCreate(&created), cat("cudnn handle (cuda:", device, ")"));
    slot.handle = created;
  });
  return slot.handle;
}

void failed(cudnnStatus_t status, const char* call, const std::string& context, const char* file,
            int line) {
  std::string detail;
#if CUDNN_MAJOR >= 9
  char message[512] = {};
  cudnnGetLastErrorString(message, sizeof message);
  if (message[0]) detail = cat(" (", message, ")");
#endif
  fail(context, ": cuDNN error in ", call, " at ", file, ":", line, ": ",
       cudnnGetErrorString(status), detail);
}

cudnnDataType_t data_type(DType dtype, const char* op) {
  switch (dtype) {
    case DType::F32:
      return CUDNN_DATA_FLOAT;
    case DType::F64:
      return CUDNN_DATA_DOUBLE;
    default:
      fail(op, ": cuDNN reference: expected float32 or float64, got ", dtype_name(dtype));
  }
}

TensorDesc::TensorDesc(const Shape& shape, DType dtype, const std::string& context) {
  const std::array<int, 4> d = nchw(shape, context);
  DNAGRAD_CUDNN_CALL(cudnnCreateTensorDescriptor(&desc_), context);
  try {
    DNAGRAD_CUDNN_CALL(
        cudnnSetTensor4dDescriptor(desc_, CUDNN_TENSOR_NCHW, data_type(dtype, context.c_str()),
                                   d[0], d[1], d[2], d[3]),
        context + " (tensor " + shape_str(shape) + ")");
  } catch (...) {
    cudnnDestroyTensorDescriptor(desc_);
    throw;
  }
}

TensorDesc::~TensorDesc() { cudnnDestroyTensorDescriptor(desc_); }

FilterDesc::FilterDesc(const Shape& shape, DType dtype, const std::string& context) {
  DNAGRAD_CHECK(shape.size() == 3, context, ": expected a weight [C_out, C_in, K], got ",
                shape_str(shape));
  const int c_out = int_extent(shape[0], context), c_in = int_extent(shape[1], context),
            kernel = int_extent(shape[2], context);
  DNAGRAD_CUDNN_CALL(cudnnCreateFilterDescriptor(&desc_), context);
  try {
    DNAGRAD_CUDNN_CALL(cudnnSetFilter4dDescriptor(desc_, data_type(dtype, context.c_str()),
                                                  CUDNN_TENSOR_NCHW, c_out, c_in, 1, kernel),
                       context + " (filter " + shape_str(shape) + ")");
  } catch (...) {
    cudnnDestroyFilterDescriptor(desc_);
    throw;
  }
}

FilterDesc::~FilterDesc() { cudnnDestroyFilterDescriptor(desc_); }

Workspace::Workspace(size_t bytes, Device device) : bytes_(bytes) {
  if (bytes) array_ = Array::empty({static_cast<int64_t>((bytes + 7) / 8)}, DType::F64, device);
}

std::string shapes_of(std::initializer_list<const Array*> arrays) {
  std::string out;
  for (const Array* a : arrays) {
    if (!out.empty()) out += ", ";
    out += a && a->defined() ? a->desc() : "(none)";
  }
  return out;
}

void require_array(const char* op, const char* what, const Array& a, const Shape& shape,
                   DType dtype, Device device) {
  DNAGRAD_CHECK(a.defined(), op, ": ", what, " is undefined");
  DNAGRAD_CHECK(a.shape() == shape && a.dtype() == dtype && a.device() == device, op, ": expected ",
                what, " ", dtype_name(dtype), shape_str(shape), " on ", device.str(), ", got ",
                a.desc());
}

}  // namespace dnagrad::kernels::cudnn
