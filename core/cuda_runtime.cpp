#include "core/cuda_runtime.h"

#include "core/error.h"

#ifdef DNAGRAD_WITH_CUDA
#include "core/cuda_api.h"

namespace dnagrad {
namespace {
void check_cuda(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess)
    fail("CUDA error in ", call, " at ", file, ":", line, ": ", cudaGetErrorString(status));
}
}  // namespace
#define DNAGRAD_CUDA_CALL(call) check_cuda((call), #call, __FILE__, __LINE__)

bool cuda_built() { return true; }

#if defined(DNAGRAD_CUDA_EMULATE)
bool cuda_emulated() { return true; }
#else
bool cuda_emulated() { return false; }
#endif

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return count;
}

void* cuda_malloc(size_t bytes, int device) {
  require_cuda_device(device, "cuda_malloc");
  const ScopedDevice on(device);  // allocate there, leave the caller's current device as it was
  void* ptr = nullptr;
  DNAGRAD_CUDA_CALL(cudaMalloc(&ptr, bytes));
  return ptr;
}

void cuda_free(void* ptr) { cudaFree(ptr); }

ScopedDevice::ScopedDevice(int device) {
  DNAGRAD_CUDA_CALL(cudaGetDevice(&previous_));
  if (previous_ != device) DNAGRAD_CUDA_CALL(cudaSetDevice(device));
}

ScopedDevice::~ScopedDevice() {
  int current = -1;
  if (cudaGetDevice(&current) == cudaSuccess && current != previous_) cudaSetDevice(previous_);
}

void cuda_memset_zero(void* ptr, size_t bytes) { DNAGRAD_CUDA_CALL(cudaMemset(ptr, 0, bytes)); }

void cuda_copy(void* dst, const void* src, size_t bytes, int kind) {
  const cudaMemcpyKind kinds[] = {cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost,
                                  cudaMemcpyDeviceToDevice};
  DNAGRAD_CUDA_CALL(cudaMemcpy(dst, src, bytes, kinds[kind]));
}

void require_cuda_device(int device, const char* what) {
  const int count = cuda_device_count();
  DNAGRAD_CHECK(count > 0, what,
                ": no GPU found (dnagrad was built with CUDA, but the CUDA runtime ",
                "reports no usable device)");
  DNAGRAD_CHECK(device >= 0 && device < count, what, ": cuda:", device, " does not exist (", count,
                " GPU(s) found)");
}

}  // namespace dnagrad

#else  // built without the CUDA backend

namespace dnagrad {
namespace {
[[noreturn]] void no_cuda(const char* what) {
  fail(what, ": dnagrad was built without CUDA (reconfigure with -DDNAGRAD_CUDA=ON on a machine ",
       "with nvcc)");
}
}  // namespace
bool cuda_built() { return false; }
bool cuda_emulated() { return false; }
int cuda_device_count() { return 0; }
void* cuda_malloc(size_t, int) { no_cuda("cuda_malloc"); }
void cuda_free(void*) {}
void cuda_memset_zero(void*, size_t) { no_cuda("cuda_memset_zero"); }
void cuda_copy(void*, const void*, size_t, int) { no_cuda("cuda_copy"); }
void require_cuda_device(int, const char* what) { no_cuda(what); }
ScopedDevice::ScopedDevice(int) { no_cuda("ScopedDevice"); }
ScopedDevice::~ScopedDevice() = default;
}  // namespace dnagrad

#endif
