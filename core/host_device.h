// DNAGRAD_HOST_DEVICE marks small inline functions that both the host and CUDA kernels call
// (one definition, identical arithmetic on both sides): __host__ __device__ under nvcc, nothing
// for the host compiler (which is also what the emulation build uses).
#pragma once

#if defined(__CUDACC__)
#define DNAGRAD_HOST_DEVICE __host__ __device__
#else
#define DNAGRAD_HOST_DEVICE
#endif
