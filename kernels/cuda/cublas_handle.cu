// cuBLAS handles, one per device, created lazily and thread-safely: see cublas_handle.h.
#include <array>
#include <mutex>

#include "kernels/cuda/cublas_handle.h"
#include "kernels/cuda/launch.cuh"

namespace dnagrad::kernels::cuda {

namespace {

constexpr int kMaxDevices = 64;

struct HandleSlot {
  std::once_flag once;
  cublasHandle_t handle = nullptr;
};

std::array<HandleSlot, kMaxDevices>& slots() {
  static std::array<HandleSlot, kMaxDevices> all;  // never destroyed handles, see the header
  return all;
}

}  // namespace

void cublas_failed(cublasStatus_t status, const char* call, const std::string& context,
                   const char* file, int line) {
  ::dnagrad::fail(context, ": cuBLAS error in ", call, " at ", file, ":", line, ": ",
                  cublasGetStatusString(status), " (status ", static_cast<int>(status), ")");
}

cublasHandle_t cublas_handle(int device) {
  DNAGRAD_CHECK(device >= 0 && device < kMaxDevices, "cublas_handle: CUDA device ", device,
                " is outside 0..", kMaxDevices - 1);
  HandleSlot& slot = slots()[device];
  std::call_once(slot.once, [&] {  // a throw leaves the flag unset: the next call retries
    const ScopedDevice on(device);
    cublasHandle_t handle = nullptr;
    const std::string context = cat("cublas_handle (cuda:", device, ")");
    DNAGRAD_CUBLAS_CALL(cublasCreate(&handle), context);
    try {
      DNAGRAD_CUBLAS_CALL(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH), context);
      DNAGRAD_CUBLAS_CALL(cublasSetPointerMode(handle, CUBLAS_POINTER_MODE_HOST), context);
      DNAGRAD_CUBLAS_CALL(cublasSetAtomicsMode(handle, CUBLAS_ATOMICS_NOT_ALLOWED), context);
    } catch (...) {
      cublasDestroy(handle);
      throw;
    }
    slot.handle = handle;
  });
  return slot.handle;
}

}  // namespace dnagrad::kernels::cuda
