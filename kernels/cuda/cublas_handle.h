// The one place that owns cuBLAS handles (used by kernels/cuda/matmul.cu; CUDA builds only).
//
// One handle per CUDA device, created on first use by whichever thread asks first
// (std::call_once, so concurrent first calls create exactly one) and then shared by every thread.
// Sharing is safe because nothing changes a handle after creation: it stays on the legacy default
// stream (the stream every dnagrad kernel runs on, so GEMMs and our kernels are ordered), host
// pointer mode, CUBLAS_DEFAULT_MATH (no TF32: float32 GEMMs are true float32; TF32 only with
// CUBLAS_TF32_TENSOR_OP_MATH, never set here) and CUBLAS_ATOMICS_NOT_ALLOWED (reductions in a
// fixed order, so a GEMM gives the same bits on every run on the same GPU and cuBLAS version).
//
// The handles are never destroyed: destroying them from a static destructor could run after the
// CUDA runtime has shut down; process exit releases them with the CUDA context.
#pragma once
#if defined(DNAGRAD_CUDA_EMULATE)
#include "kernels/cuda/cublas_emulation.h"
#else
#include <cublas_v2.h>
#endif

#include <string>

#include "core/cuda_runtime.h"
#include "core/error.h"

namespace dnagrad::kernels::cuda {

// The handle for CUDA device `device`; the first call per device creates it (with that device
// current, restoring the caller's current device afterwards). Throws dnagrad::Error on failure.
cublasHandle_t cublas_handle(int device);

// Throws dnagrad::Error naming the cuBLAS call, the op and its shapes (`context`) and file:line.
[[noreturn]] void cublas_failed(cublasStatus_t status, const char* call, const std::string& context,
                                const char* file, int line);

}  // namespace dnagrad::kernels::cuda

// DNAGRAD_CUBLAS_CALL(cublasSgemm(...), "op", "a ", a.desc(), ...): the message parts after the
// call are only formatted when the call fails.
#define DNAGRAD_CUBLAS_CALL(call, ...)                                                          \
  do {                                                                                          \
    const cublasStatus_t dnagrad_cublas_status_ = (call);                                       \
    if (dnagrad_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                        \
      ::dnagrad::kernels::cuda::cublas_failed(dnagrad_cublas_status_, #call,                    \
                                              ::dnagrad::cat(__VA_ARGS__), __FILE__, __LINE__); \
  } while (0)
