// Internal to kernels/cudnn/*.cpp (includes cudnn.h; the public headers of kernels/cudnn/ do
// not): the cuDNN handle, status checks and RAII descriptors.
//
// Our [N, C, L] arrays are cuDNN's NCHW tensors with H = 1, W = L (a weight [C_out, C_in, K] is
// the filter [C_out, C_in, 1, K]); both are contiguous row-major, so no data moves.
//
// The handle: one per CUDA device, created on first use (std::call_once per device: thread-safe)
// and never destroyed (a static destructor could run after the CUDA runtime shut down). It stays
// on the legacy default stream, where our kernels run, so every call is ordered with them.
#pragma once
#include <cudnn.h>

#include <string>

#include "core/array.h"
#include "core/cuda_runtime.h"
#include "core/error.h"

namespace dnagrad::kernels::cudnn {

// The handle for CUDA device `device` (creates it on the first call for that device).
cudnnHandle_t handle(int device);

// Throws dnagrad::Error naming the cuDNN call, the op and its shapes (`context`), file:line,
// cudnnGetErrorString and cuDNN's own last error message.
[[noreturn]] void failed(cudnnStatus_t status, const char* call, const std::string& context,
                         const char* file, int line);

// float32 -> CUDNN_DATA_FLOAT, float64 -> CUDNN_DATA_DOUBLE; throws for int64.
cudnnDataType_t data_type(DType dtype, const char* op);

// alpha/beta arguments: cuDNN reads them as double for double data, as float otherwise.
class Scalar {
 public:
  Scalar(double value, DType dtype) : f_(static_cast<float>(value)), d_(value), dtype_(dtype) {}
  const void* ptr() const { return dtype_ == DType::F64 ? static_cast<const void*>(&d_) : &f_; }

 private:
  float f_;
  double d_;
  DType dtype_;
};

// RAII descriptors. Each constructor checks its cuDNN calls with `context` in the message.
class TensorDesc {
 public:
  // [N, C, L] (or [N, C], L = 1) as NCHW [N, C, 1, L]; [C] as [1, C, 1, 1].
  TensorDesc(const Shape& shape, DType dtype, const std::string& context);
  ~TensorDesc();
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
  cudnnTensorDescriptor_t get() const { return desc_; }

 private:
  cudnnTensorDescriptor_t desc_ = nullptr;
};

class FilterDesc {
 public:
  // weight [C_out, C_in, K] as KCRS [C_out, C_in, 1, K].
  FilterDesc(const Shape& shape, DType dtype, const std::string& context);
  ~FilterDesc();
  FilterDesc(const FilterDesc&) = delete;
  FilterDesc& operator=(const FilterDesc&) = delete;
  cudnnFilterDescriptor_t get() const { return desc_; }

 private:
  cudnnFilterDescriptor_t desc_ = nullptr;
};

// A device buffer of at least `bytes` bytes (null for 0), from dnagrad's caching allocator.
class Workspace {
 public:
  Workspace() = default;
  Workspace(size_t bytes, Device device);
  void* ptr() const { return bytes_ ? array_.raw() : nullptr; }
  size_t bytes() const { return bytes_; }

 private:
  Array array_;
  size_t bytes_ = 0;
};

// "float32[8, 4, 2000] on cuda:0" for each array, comma-separated; for error contexts.
std::string shapes_of(std::initializer_list<const Array*> arrays);

// Checks that `a` is a defined CUDA array of the expected shape and dtype.
void require_array(const char* op, const char* what, const Array& a, const Shape& shape,
                   DType dtype, Device device);

}  // namespace dnagrad::kernels::cudnn

// DNAGRAD_CUDNN_CALL(cudnnXxx(...), context): context is a std::string (or convertible) naming the
// op and the shapes; built by the caller once, not per call.
#define DNAGRAD_CUDNN_CALL(call, context)                                                \
  do {                                                                                   \
    const cudnnStatus_t dnagrad_cudnn_status_ = (call);                                  \
    if (dnagrad_cudnn_status_ != CUDNN_STATUS_SUCCESS)                                   \
      ::dnagrad::kernels::cudnn::failed(dnagrad_cudnn_status_, #call, context, __FILE__, \
                                        __LINE__);                                       \
  } while (0)
