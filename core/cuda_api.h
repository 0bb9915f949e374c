// The CUDA runtime API as dnagrad's CUDA code sees it. With the real backend this is NVIDIA's
// <cuda_runtime.h>; in the emulation build (-DDNAGRAD_CUDA=EMULATE) it is
// core/emulated_runtime.h, the same subset of the API served on the CPU. Code above core/
// includes this header, never <cuda_runtime.h> directly, so both builds compile the same text.
#pragma once

#if defined(DNAGRAD_CUDA_EMULATE)
#include "core/emulated_runtime.h"
#else
#include <cuda_runtime.h>
#endif
