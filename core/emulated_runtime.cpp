// The emulation build's CUDA runtime: see core/emulated_runtime.h. Compiled into every build,
// empty unless DNAGRAD_CUDA_EMULATE is defined.
#if defined(DNAGRAD_CUDA_EMULATE)
#include "core/emulated_runtime.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "core/error.h"

namespace dnagrad::emulation {
namespace {

struct Block {
  size_t bytes;
  int device;
};

// Live device allocations by start address. One mutex: the registry is touched by allocations,
// copies and launches, never inside a kernel's loops.
struct Registry {
  std::mutex mutex;
  std::map<uintptr_t, Block> blocks;
};

Registry& registry() {
  static Registry* instance = new Registry();  // never destroyed: frees may run at exit
  return *instance;
}

std::atomic<int>& device_count() {
  static std::atomic<int> count = [] {
    const char* env = std::getenv("DNAGRAD_EMULATE_DEVICES");
    const int n = env ? std::atoi(env) : 1;
    DNAGRAD_CHECK(n >= 0 && n <= 16, "DNAGRAD_EMULATE_DEVICES: expected 0..16 devices, got '",
                  env, "'");
    return n;
  }();
  return count;
}
int emulated_device_count() { return device_count().load(); }

thread_local int current_device = 0;

const char* kind_name(cudaMemcpyKind kind) {
  switch (kind) {
    case cudaMemcpyHostToHost: return "host to host";
    case cudaMemcpyHostToDevice: return "host to device";
    case cudaMemcpyDeviceToHost: return "device to host";
    case cudaMemcpyDeviceToDevice: return "device to device";
  }
  return "unknown kind";
}

// Throws unless [ptr, ptr + bytes) lies in one live device allocation.
void require_device_range(const char* call, const char* side, const void* ptr, size_t bytes) {
  DNAGRAD_CHECK(device_of(ptr, bytes) >= 0, call, " (emulated CUDA): the ", side, " ", ptr,
                " (", bytes, " bytes) is not inside a live device allocation (a host pointer, a ",
                "freed block, or a range past the end of its block)");
}

// Throws if ptr is device memory where the call expects host memory.
void require_host_pointer(const char* call, const char* side, const void* ptr) {
  DNAGRAD_CHECK(device_of(ptr) < 0, call, " (emulated CUDA): the ", side, " ", ptr,
                " is device memory, but the copy's kind says host memory");
}

}  // namespace

int device_of(const void* ptr, size_t bytes) {
  if (ptr == nullptr) return -1;
  const auto address = reinterpret_cast<uintptr_t>(ptr);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.blocks.upper_bound(address);
  if (it == r.blocks.begin()) return -1;
  --it;
  const uintptr_t end = it->first + it->second.bytes;
  // A zero-byte range may sit at the end of its block (an empty slice's one-past-the-end).
  const bool inside = bytes == 0 ? address <= end : address < end && bytes <= end - address;
  return inside ? it->second.device : -1;
}

void set_device_count(int count) {
  DNAGRAD_CHECK(count >= 0 && count <= 16, "set_device_count: expected 0..16 emulated devices, got ",
                count);
  device_count().store(count);
}

size_t live_allocations() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.blocks.size();
}

}  // namespace dnagrad::emulation

using dnagrad::emulation::device_of;

cudaError_t cudaGetDeviceCount(int* count) {
  *count = dnagrad::emulation::emulated_device_count();
  return *count > 0 ? cudaSuccess : cudaErrorNoDevice;
}

cudaError_t cudaSetDevice(int device) {
  if (device < 0 || device >= dnagrad::emulation::emulated_device_count())
    return cudaErrorInvalidDevice;
  dnagrad::emulation::current_device = device;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  *device = dnagrad::emulation::current_device;
  return cudaSuccess;
}

cudaError_t cudaMalloc(void** ptr, size_t bytes) {
  using namespace dnagrad::emulation;
  if (emulated_device_count() == 0) return cudaErrorNoDevice;
  // Exactly `bytes` (one byte for an empty request, so every block has a distinct address).
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) return cudaErrorMemoryAllocation;
  std::memset(p, 0xFF, bytes);  // NaN / -1 everywhere until a kernel or copy writes it
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    r.blocks[reinterpret_cast<uintptr_t>(p)] = {bytes, current_device};
  }
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaFree(void* ptr) {
  using namespace dnagrad::emulation;
  if (ptr == nullptr) return cudaSuccess;
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.blocks.find(reinterpret_cast<uintptr_t>(ptr));
    DNAGRAD_CHECK(it != r.blocks.end(), "cudaFree (emulated CUDA): ", ptr,
                  " is not the start of a live device allocation (freed twice, or never "
                  "allocated by cudaMalloc)");
    r.blocks.erase(it);
  }
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  using namespace dnagrad::emulation;
  if (bytes == 0) return cudaSuccess;
  const bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  const std::string call = dnagrad::cat("cudaMemcpy ", kind_name(kind));
  if (dst_device)
    require_device_range(call.c_str(), "destination", dst, bytes);
  else
    require_host_pointer(call.c_str(), "destination", dst);
  if (src_device)
    require_device_range(call.c_str(), "source", src, bytes);
  else
    require_host_pointer(call.c_str(), "source", src);
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemset(void* ptr, int value, size_t bytes) {
  using namespace dnagrad::emulation;
  if (bytes == 0) return cudaSuccess;
  require_device_range("cudaMemset", "destination", ptr, bytes);
  std::memset(ptr, value, bytes);
  return cudaSuccess;
}

// Every emulated launch and copy has finished when it returns: nothing to wait for.
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
// Launch failures throw at the launch (kernels/cuda/simt_emulation.h), so none is ever pending.
cudaError_t cudaGetLastError() { return cudaSuccess; }
cudaError_t cudaPeekAtLastError() { return cudaSuccess; }

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "no error (emulated CUDA)";
    case cudaErrorInvalidValue: return "invalid argument (emulated CUDA)";
    case cudaErrorMemoryAllocation: return "out of memory (emulated CUDA)";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument (emulated CUDA)";
    case cudaErrorInvalidDevice: return "invalid device ordinal (emulated CUDA)";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected (emulated CUDA)";
  }
  return "unknown error (emulated CUDA)";
}

#endif  // DNAGRAD_CUDA_EMULATE
