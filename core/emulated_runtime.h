// The emulation build's CUDA runtime (-DDNAGRAD_CUDA=EMULATE): the part of the CUDA runtime API
// dnagrad calls, served on the CPU so that every kernel in kernels/cuda/ can run in CI without a
// GPU. Included through core/cuda_api.h only.
//
// What it models, and why:
//   devices    DNAGRAD_EMULATE_DEVICES emulated GPUs (default 1), a current device per host
//              thread (cudaSetDevice/cudaGetDevice), as the real runtime keeps one per thread.
//   memory     every cudaMalloc is a host allocation of exactly the requested size, filled with
//              0xFF bytes (NaN in float32/float64, -1 in integers: an output a kernel forgets to
//              write shows up), and registered with its device. cudaFree releases it at once, so
//              AddressSanitizer reports any later use. Copies and memsets check that each side is
//              the kind of memory its direction says (a host pointer given as device memory is an
//              error naming the call), and that device ranges lie inside one live allocation.
//   execution  synchronous: a kernel has finished when its launch returns, so synchronisation
//              calls only check. Kernel launches live in kernels/cuda/simt_emulation.h.
// Misuse (an unknown pointer, a range past an allocation) throws dnagrad::Error with the call's
// name: in this build such a bug is found where it happens, not at the next synchronisation.
#pragma once
#include <cstddef>
#include <cstdint>

// ---- the API subset, with the real runtime's names ---------------------------------------------

enum cudaError_t : int {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevice = 101,
  cudaErrorNoDevice = 100,
};
using cudaError = cudaError_t;

enum cudaMemcpyKind : int {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
};

struct uint3 {
  unsigned x = 0, y = 0, z = 0;
};
struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
};

cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaMalloc(void** ptr, size_t bytes);
cudaError_t cudaFree(void* ptr);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemset(void* ptr, int value, size_t bytes);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
const char* cudaGetErrorString(cudaError_t error);

// ---- what the emulation adds ---------------------------------------------------------------------

namespace dnagrad::emulation {

// The emulated device whose live allocation holds [ptr, ptr + bytes), or -1 when no single live
// allocation does (a host pointer, a freed block, a range running past its block's end).
int device_of(const void* ptr, size_t bytes = 1);

// Sets the number of emulated devices (start-up value: DNAGRAD_EMULATE_DEVICES, default 1), for
// tests of multi-device code. Allocations stay valid.
void set_device_count(int count);

// The number of live emulated device allocations (tests use it to check that nothing leaks).
size_t live_allocations();

}  // namespace dnagrad::emulation
