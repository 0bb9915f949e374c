// Private to kernels/cuda/conv1d.cu (forward) and conv1d_backward.cu: the extents both pass to
// their kernels, the register-tile and shared-memory sizes of the tiled kernels, and the small
// host and device helpers they share. conv1d.cu's header describes the kernels.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/checks.h"
#include "kernels/conv1d.h"
#include "kernels/cuda/launch.cuh"

namespace dnagrad::kernels::cuda::conv1d_detail {

struct ConvShape {
  int n_batch, c_in, len_in, c_out, kernel, len_out, stride, padding, dilation;
  __host__ __device__ int ck() const { return c_in * kernel; }
};

// Register tile of the forward and grad-input kernels.
constexpr int kThreadsT = 32;                    // threads along L (one warp)
constexpr int kPerThreadT = 4;                   // positions per thread, kThreadsT apart
constexpr int kGroupsC = kThreads / kThreadsT;   // 8 channel groups (one per warp)
constexpr int kPerThreadC = 4;                   // channels per thread
constexpr int kTileT = kThreadsT * kPerThreadT;  // 128 positions per block
constexpr int kTileC = kGroupsC * kPerThreadC;   // 32 channels per block
constexpr int kSmemBudget = 40 * 1024;           // bytes of dynamic shared memory per block

// Tile of the grad-weight kernel.
constexpr int kWTile = 32;  // output channels and ck entries per block
constexpr int kRStep = 64;  // reduction values staged per step

// Checks the arguments (kernels/checks.h) plus this kernel's index limits; returns the extents.
inline ConvShape conv_shape(const char* op, const Array& x, const Array& weight, const Array& y,
                            const Conv1dParams& p) {
  const ConvExtents e = check_conv1d(op, x, weight, y, p);  // the checks the CPU twin makes
  const int64_t kernel = e.kernel, len_in = e.len_in;
  const int64_t limit = int64_t{1} << 30;  // int indices inside the kernels
  DNAGRAD_CHECK(x.numel() < limit && y.numel() < limit && weight.numel() < limit &&
                    p.stride < 65536 && p.dilation < 65536 && p.padding < limit,
                op, ": shapes too large for the CUDA kernel: ", x.desc(), ", ", weight.desc(), ", ",
                y.desc());
  DNAGRAD_CHECK(x.size(0) <= 65535, op, ": batch larger than 65535 (", x.desc(), ")");
  return {
      static_cast<int>(x.size(0)),      static_cast<int>(x.size(1)), static_cast<int>(len_in),
      static_cast<int>(weight.size(0)), static_cast<int>(kernel),    static_cast<int>(y.size(2)),
      static_cast<int>(p.stride),       static_cast<int>(p.padding), static_cast<int>(p.dilation)};
}

// Floor division for a possibly negative numerator and a positive divisor.
__device__ inline int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Dynamic shared memory, typed per kernel (one raw buffer avoids clashing template externs).
template <class T>
__device__ inline T* dynamic_smem() {
  DNAGRAD_DYNAMIC_SHARED(unsigned char, smem_raw);
  return reinterpret_cast<T*>(smem_raw);
}

// Number of input channels (forward) or output channels (grad-input) a block can stage at once
// when each needs `per_channel` values; 0 when not even one fits.
inline int staged_channels(int64_t per_channel, size_t elem_bytes, int channels) {
  const int64_t fit = kSmemBudget / (per_channel * static_cast<int64_t>(elem_bytes));
  return static_cast<int>(std::min<int64_t>(fit, channels));
}

inline unsigned ceil_div(int64_t a, int64_t b) { return static_cast<unsigned>((a + b - 1) / b); }

}  // namespace dnagrad::kernels::cuda::conv1d_detail
