// 1-D convolution on the GPU: hand-written direct kernels with shared-memory tiles (no cuDNN).
// Same contracts as kernels/conv1d.h: conv1d_forward ASSIGNS y; the three backward functions
// ACCUMULATE (+=) into their outputs. This file holds the forward pass; the three backward passes
// are in conv1d_backward.cu, and the tile sizes and helpers both use in conv1d_tiles.cuh.
//
// Legend: N batch, C_in / C_out channels, L_in / L_out lengths, K kernel size, CK = C_in * K,
// s stride, p padding, d dilation.
//   x [N, C_in, L_in], weight [C_out, C_in, K], bias [C_out], y [N, C_out, L_out]
//   y[n, o, t]       = bias[o] + sum_{c, k} w[o, c, k] * x[n, c, t*s + k*d - p]
//   grad_x[n, c, i] += sum_{o, k} w[o, c, k] * grad_y[n, o, t]   over t with t*s + k*d - p = i
//   grad_w[o, c, k] += sum_{n, t} grad_y[n, o, t] * x[n, c, t*s + k*d - p]
//   grad_b[o]       += sum_{n, t} grad_y[n, o, t]
//
// Kernels (256 threads each):
//   forward_tiled     block = one sample n, 128 outputs along L x 32 output channels. Loops over
//                     chunks of input channels; per chunk it stages the input tile with its halo
//                     ((128-1)*s + (K-1)*d + 1 values per channel, zeros for the padding) and the
//                     [32, chunk, K] weights in shared memory, then each thread accumulates a
//                     4 (positions, 32 apart) x 4 (channels) register tile. A warp shares one
//                     channel group, so weight reads are broadcasts and input reads consecutive.
//                     The first DNA layer (C_in = 4, K = 15) stages all its channels at once.
//   backward_input_tiled  the same tile shape over grad_x (128 positions x 32 input channels),
//                     gathering from a staged grad_y tile: each grad_x element is written by one
//                     thread, so there are no races and no atomics.
//   backward_weight_partial + sum_partials  grad_w as a deterministic two-pass reduction: the
//                     N*L_out axis is cut into S slices (S depends only on the shapes); block
//                     (tile of 32 o x 32 ck, slice) walks its slice in 64-wide steps, staging
//                     grad_y and an im2col tile of x in shared memory, and writes its partial sums;
//                     the second pass adds the S partials in slice order. Two runs: same bits.
//   backward_bias     one block per output channel, a fixed-order block sum in double.
//   forward_direct    one thread per output, for shapes whose tiles do not fit in shared memory
//                     (a huge stride or dilation).
#include "kernels/conv1d.h"
#include "kernels/cuda/conv1d_tiles.cuh"
#include "kernels/cuda/launch.cuh"

namespace dnagrad::kernels::cuda {

using namespace conv1d_detail;

namespace {

// ---- forward ----

// grid (ceil(L_out / 128), ceil(C_out / 32), N); `chunk` input channels staged at a time;
// `span` = (128 - 1)*s + (K - 1)*d + 1 input values per staged channel.
template <class T>
__global__ void __launch_bounds__(kThreads)
    forward_tiled(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ bias,
                  T* __restrict__ y, ConvShape s, int chunk, int span) {
  T* x_s = dynamic_smem<T>();   // [chunk][span]
  T* w_s = x_s + chunk * span;  // [kTileC][chunk][K]
  const int tx = threadIdx.x % kThreadsT, group = threadIdx.x / kThreadsT;
  const int n = blockIdx.z, o0 = blockIdx.y * kTileC, t0 = blockIdx.x * kTileT;
  const int in_start = t0 * s.stride - s.padding;  // input index of x_s[c][0]
  const int K = s.kernel;

  T acc[kPerThreadT][kPerThreadC] = {};
  for (int c0 = 0; c0 < s.c_in; c0 += chunk) {
    const int cc = min(chunk, s.c_in - c0);
    for (int e = threadIdx.x; e < cc * span; e += blockDim.x) {
      const int c = e / span, i = in_start + e % span;
      x_s[c * span + e % span] =
          (i >= 0 && i < s.len_in) ? x[(int64_t{n} * s.c_in + c0 + c) * s.len_in + i] : T(0);
    }
    for (int e = threadIdx.x; e < kTileC * cc * K; e += blockDim.x) {
      const int oo = e / (cc * K), rest = e % (cc * K);  // rest = c*K + k
      w_s[oo * chunk * K + rest] =
          o0 + oo < s.c_out ? w[(int64_t{o0 + oo} * s.c_in + c0) * K + rest] : T(0);
    }
    __syncthreads();
    for (int c = 0; c < cc; ++c) {
      const T* x_c = x_s + c * span + tx * s.stride;
      const T* w_c = w_s + (group * kPerThreadC * chunk + c) * K;
      for (int k = 0; k < K; ++k) {
        T xv[kPerThreadT], wv[kPerThreadC];
#pragma unroll
        for (int a = 0; a < kPerThreadT; ++a)
          xv[a] = x_c[a * kThreadsT * s.stride + k * s.dilation];
#pragma unroll
        for (int j = 0; j < kPerThreadC; ++j) wv[j] = w_c[j * chunk * K + k];
#pragma unroll
        for (int a = 0; a < kPerThreadT; ++a)
#pragma unroll
          for (int j = 0; j < kPerThreadC; ++j) acc[a][j] += wv[j] * xv[a];
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int j = 0; j < kPerThreadC; ++j) {
    const int o = o0 + group * kPerThreadC + j;
    if (o >= s.c_out) continue;
    const T b = bias ? bias[o] : T(0);
    T* y_o = y + (int64_t{n} * s.c_out + o) * s.len_out;
#pragma unroll
    for (int a = 0; a < kPerThreadT; ++a) {
      const int t = t0 + tx + a * kThreadsT;
      if (t < s.len_out) y_o[t] = acc[a][j] + b;
    }
  }
}

// One thread per output; used when a tile does not fit in shared memory.
template <class T>
__global__ void forward_direct(const T* __restrict__ x, const T* __restrict__ w,
                               const T* __restrict__ bias, T* __restrict__ y, ConvShape s) {
  const int64_t total = int64_t{s.n_batch} * s.c_out * s.len_out;
  for (int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; e < total;
       e += int64_t{gridDim.x} * blockDim.x) {
    const int t = static_cast<int>(e % s.len_out);
    const int o = static_cast<int>((e / s.len_out) % s.c_out);
    const int n = static_cast<int>(e / (int64_t{s.len_out} * s.c_out));
    T acc = 0;
    for (int c = 0; c < s.c_in; ++c) {
      const T* x_c = x + (int64_t{n} * s.c_in + c) * s.len_in;
      const T* w_oc = w + (int64_t{o} * s.c_in + c) * s.kernel;
      for (int k = 0; k < s.kernel; ++k) {
        const int i = t * s.stride + k * s.dilation - s.padding;
        if (i >= 0 && i < s.len_in) acc += w_oc[k] * x_c[i];
      }
    }
    y[e] = acc + (bias ? bias[o] : T(0));
  }
}

}  // namespace

void conv1d_forward(const Array& x, const Array& weight, const Array& bias, Array& y,
                    const Conv1dParams& p) {
  const ScopedDevice on_device(x.device().index);
  const char* op = "conv1d_forward";
  const ConvShape s = conv_shape(op, x, weight, y, p);
  if (bias.defined()) {
    DNAGRAD_CHECK(bias.dim() == 1 && bias.size(0) == s.c_out, op, ": expected bias [", s.c_out,
                  "], got ", bias.desc());
    require_same_device_dtype(op, x, {&bias});
  }
  if (y.numel() == 0) return;
  dispatch_float(x.dtype(), op, [&]<class T>() {
    const T* bias_data = bias.defined() ? bias.data<T>() : nullptr;
    const int span = (kTileT - 1) * s.stride + (s.kernel - 1) * s.dilation + 1;
    const int chunk = staged_channels(span + int64_t{kTileC} * s.kernel, sizeof(T), s.c_in);
    if (chunk == 0 || s.c_in == 0) {
      launch(forward_direct<T>, blocks_for(y.numel()), kThreads, 0, "conv1d forward_direct", op)(
          x.data<T>(), weight.data<T>(), bias_data, y.data<T>(), s);
      return;
    }
    const dim3 grid(ceil_div(s.len_out, kTileT), ceil_div(s.c_out, kTileC), s.n_batch);
    const size_t smem = sizeof(T) * (size_t(chunk) * span + size_t(kTileC) * chunk * s.kernel);
    launch(forward_tiled<T>, grid, kThreads, smem, "conv1d forward_tiled", op)(
        x.data<T>(), weight.data<T>(), bias_data, y.data<T>(), s, chunk, span);
  });
}

}  // namespace dnagrad::kernels::cuda
