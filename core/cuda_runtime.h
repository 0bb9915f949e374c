// The few CUDA runtime services the core needs: is there a GPU, device memory, copies.
// Without the CUDA backend these exist too and throw an Error saying dnagrad was built
// without CUDA, so callers need no #ifdefs.
#pragma once
#include <cstddef>

namespace dnagrad {

bool cuda_built();        // compiled with the CUDA backend (real or emulated)
// Compiled with -DDNAGRAD_CUDA=EMULATE: "GPUs" are emulated on the CPU (core/emulated_runtime.h),
// so results say nothing about speed or the hardware. Reports print "emulated" when this is true.
bool cuda_emulated();
int cuda_device_count();  // 0 when not built with CUDA or no GPU/driver is present
void* cuda_malloc(size_t bytes, int device);
void cuda_free(void* ptr);
void cuda_memset_zero(void* ptr, size_t bytes);
// kind: 0 host->device, 1 device->host, 2 device->device
void cuda_copy(void* dst, const void* src, size_t bytes, int kind);

// Throws a clear Error unless `device` (cuda:N) is usable. `what` names the caller.
void require_cuda_device(int device, const char* what);

// Makes CUDA device `device` current for the scope and restores the previous one after (for
// library handles and calls bound to the current device: cuBLAS, cuDNN).
class ScopedDevice {
 public:
  explicit ScopedDevice(int device);
  ~ScopedDevice();
  ScopedDevice(const ScopedDevice&) = delete;
  ScopedDevice& operator=(const ScopedDevice&) = delete;

 private:
  int previous_ = -1;
};

}  // namespace dnagrad
