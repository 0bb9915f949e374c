// 1-D convolution on the GPU, the backward passes (the forward and the description of every
// kernel are in conv1d.cu; tile sizes and shared helpers in conv1d_tiles.cuh). Same contracts as
// kernels/conv1d.h: conv1d_backward_input, _weight and _bias ACCUMULATE (+=) into their outputs.
//
// Legend: N batch, C_in / C_out channels, L_in / L_out lengths, K kernel size, CK = C_in * K,
// s stride, p padding, d dilation.
//   grad_x[n, c, i] += sum_{o, k} w[o, c, k] * grad_y[n, o, t]   over t with t*s + k*d - p = i
//   grad_w[o, c, k] += sum_{n, t} grad_y[n, o, t] * x[n, c, t*s + k*d - p]
//   grad_b[o]       += sum_{n, t} grad_y[n, o, t]
//
// Kernels: backward_input_tiled (or backward_input_direct when the tiles do not fit),
// backward_weight_partial + sum_partials (a deterministic two-pass reduction), backward_bias.
#include <algorithm>

#include "kernels/checks.h"
#include "kernels/conv1d.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/conv1d_tiles.cuh"
#include "kernels/cuda/launch.cuh"

namespace dnagrad::kernels::cuda {

using namespace conv1d_detail;

namespace {

// ---- grad-input ----

// grid (ceil(L_in / 128), ceil(C_in / 32), N); `chunk` output channels staged at a time;
// `span` grad_y values per staged channel, covering every t that reaches the block's inputs.
template <class T>
__global__ void __launch_bounds__(kThreads)
    backward_input_tiled(const T* __restrict__ gy, const T* __restrict__ w, T* __restrict__ gx,
                         ConvShape s, int chunk, int span) {
  T* g_s = dynamic_smem<T>();   // [chunk][span]
  T* w_s = g_s + chunk * span;  // [chunk][kTileC][K]
  const int tx = threadIdx.x % kThreadsT, group = threadIdx.x / kThreadsT;
  const int n = blockIdx.z, c0 = blockIdx.y * kTileC, i0 = blockIdx.x * kTileT;
  const int K = s.kernel;
  // g_s[o][j] holds grad_y[n, o, t_lo + j]; t_lo*s is at most the smallest i + p - k*d.
  const int t_lo = floor_div(i0 + s.padding - (K - 1) * s.dilation, s.stride);
  // rel[a] = i + p - t_lo*s for this thread's positions (>= (K-1)*d >= 0).
  int rel[kPerThreadT];
#pragma unroll
  for (int a = 0; a < kPerThreadT; ++a)
    rel[a] = i0 + tx + a * kThreadsT + s.padding - t_lo * s.stride;

  T acc[kPerThreadT][kPerThreadC] = {};
  for (int o0 = 0; o0 < s.c_out; o0 += chunk) {
    const int oc = min(chunk, s.c_out - o0);
    for (int e = threadIdx.x; e < oc * span; e += blockDim.x) {
      const int o = e / span, t = t_lo + e % span;
      g_s[e] =
          (t >= 0 && t < s.len_out) ? gy[(int64_t{n} * s.c_out + o0 + o) * s.len_out + t] : T(0);
    }
    for (int e = threadIdx.x; e < oc * kTileC * K; e += blockDim.x) {
      const int o = e / (kTileC * K), rest = e % (kTileC * K);  // rest = c*K + k
      const int c = rest / K;
      w_s[e] = c0 + c < s.c_in ? w[(int64_t{o0 + o} * s.c_in + c0) * K + rest] : T(0);
    }
    __syncthreads();
    for (int o = 0; o < oc; ++o) {
      const T* g_o = g_s + o * span;
      const T* w_o = w_s + (o * kTileC + group * kPerThreadC) * K;
      for (int k = 0; k < K; ++k) {
        T wv[kPerThreadC];
#pragma unroll
        for (int j = 0; j < kPerThreadC; ++j) wv[j] = w_o[j * K + k];
#pragma unroll
        for (int a = 0; a < kPerThreadT; ++a) {
          const int r = rel[a] - k * s.dilation;  // = (t - t_lo) * s when t is integral
          if (s.stride != 1 && r % s.stride != 0) continue;
          const T g = g_o[s.stride == 1 ? r : r / s.stride];
#pragma unroll
          for (int j = 0; j < kPerThreadC; ++j) acc[a][j] += wv[j] * g;
        }
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int j = 0; j < kPerThreadC; ++j) {
    const int c = c0 + group * kPerThreadC + j;
    if (c >= s.c_in) continue;
    T* gx_c = gx + (int64_t{n} * s.c_in + c) * s.len_in;
#pragma unroll
    for (int a = 0; a < kPerThreadT; ++a) {
      const int i = i0 + tx + a * kThreadsT;
      if (i < s.len_in) gx_c[i] += acc[a][j];
    }
  }
}

// One thread per grad_x element (gathers, so no races); used when a tile does not fit.
template <class T>
__global__ void backward_input_direct(const T* __restrict__ gy, const T* __restrict__ w,
                                      T* __restrict__ gx, ConvShape s) {
  const int64_t total = int64_t{s.n_batch} * s.c_in * s.len_in;
  for (int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; e < total;
       e += int64_t{gridDim.x} * blockDim.x) {
    const int i = static_cast<int>(e % s.len_in);
    const int c = static_cast<int>((e / s.len_in) % s.c_in);
    const int n = static_cast<int>(e / (int64_t{s.len_in} * s.c_in));
    T acc = 0;
    for (int o = 0; o < s.c_out; ++o) {
      const T* gy_o = gy + (int64_t{n} * s.c_out + o) * s.len_out;
      const T* w_oc = w + (int64_t{o} * s.c_in + c) * s.kernel;
      for (int k = 0; k < s.kernel; ++k) {
        const int num = i + s.padding - k * s.dilation;
        if (num < 0 || num % s.stride != 0) continue;
        const int t = num / s.stride;
        if (t < s.len_out) acc += w_oc[k] * gy_o[t];
      }
    }
    gx[e] += acc;
  }
}

// ---- grad-weight ----

// grid (ceil(CK / 32), ceil(C_out / 32), S). Block (tile, slice) sums over r = n*L_out + t in
// [slice * slice_len, min(R, (slice + 1) * slice_len)) and writes out[slice][o][ck]; with
// S = 1, `out` is grad_weight itself and the block adds instead.
template <class T>
__global__ void __launch_bounds__(kThreads)
    backward_weight_partial(const T* __restrict__ gy, const T* __restrict__ x, T* __restrict__ out,
                            ConvShape s, int slice_len, bool accumulate) {
  DNAGRAD_SHARED(T, g_s, [kWTile][kRStep]);        // [o][r]
  DNAGRAD_SHARED(T, col_s, [kWTile][kRStep + 1]);  // [ck][r], padded against bank conflicts
  const int tx = threadIdx.x % kWTile, ty = threadIdx.x / kWTile;  // ck, o (8 rows of threads)
  constexpr int kRowsO = kThreads / kWTile;                        // 8
  constexpr int kPerThreadO = kWTile / kRowsO;                     // 4
  const int ck0 = blockIdx.x * kWTile, o0 = blockIdx.y * kWTile;
  const int ck_count = s.ck();
  const int64_t r_total = int64_t{s.n_batch} * s.len_out;
  const int64_t r_begin = int64_t{blockIdx.z} * slice_len;
  const int64_t r_end = min(r_total, r_begin + slice_len);

  T acc[kPerThreadO] = {};
  for (int64_t r0 = r_begin; r0 < r_end; r0 += kRStep) {
    for (int e = threadIdx.x; e < kWTile * kRStep; e += blockDim.x) {
      const int row = e / kRStep, rr = e % kRStep;
      const int64_t r = r0 + rr;
      const bool in_r = r < r_end;
      const int n = in_r ? static_cast<int>(r / s.len_out) : 0;
      const int t = in_r ? static_cast<int>(r % s.len_out) : 0;
      const int o = o0 + row;
      g_s[row][rr] = in_r && o < s.c_out ? gy[(int64_t{n} * s.c_out + o) * s.len_out + t] : T(0);
      const int ck = ck0 + row;
      T xv = 0;
      if (in_r && ck < ck_count) {
        const int c = ck / s.kernel, k = ck % s.kernel;
        const int i = t * s.stride + k * s.dilation - s.padding;
        if (i >= 0 && i < s.len_in) xv = x[(int64_t{n} * s.c_in + c) * s.len_in + i];
      }
      col_s[row][rr] = xv;
    }
    __syncthreads();
#pragma unroll 8
    for (int rr = 0; rr < kRStep; ++rr) {
      const T cv = col_s[tx][rr];
#pragma unroll
      for (int j = 0; j < kPerThreadO; ++j) acc[j] += g_s[ty + j * kRowsO][rr] * cv;
    }
    __syncthreads();
  }
  const int ck = ck0 + tx;
  if (ck >= ck_count) return;
  const int64_t w_size = int64_t{s.c_out} * ck_count;
  T* out_slice = out + (accumulate ? 0 : blockIdx.z * w_size);
#pragma unroll
  for (int j = 0; j < kPerThreadO; ++j) {
    const int o = o0 + ty + j * kRowsO;
    if (o >= s.c_out) continue;
    if (accumulate)
      out_slice[int64_t{o} * ck_count + ck] += acc[j];
    else
      out_slice[int64_t{o} * ck_count + ck] = acc[j];
  }
}

// grad_w[i] += sum over slices of partial[slice][i], in slice order.
template <class T>
__global__ void sum_partials(const T* __restrict__ partial, T* __restrict__ gw, int64_t w_size,
                             int slices) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < w_size;
       i += int64_t{gridDim.x} * blockDim.x) {
    T total = 0;
    for (int sl = 0; sl < slices; ++sl) total += partial[sl * w_size + i];
    gw[i] += total;
  }
}

// ---- grad-bias ----

// One block per output channel (grid-stride over channels); fixed-order sum in double.
template <class T>
__global__ void __launch_bounds__(kThreads)
    backward_bias(const T* __restrict__ gy, T* __restrict__ gb, int n_batch, int c_out, int len) {
  for (int o = blockIdx.x; o < c_out; o += gridDim.x) {
    double total = 0;
    for (int64_t e = threadIdx.x; e < int64_t{n_batch} * len; e += blockDim.x) {
      const int64_t n = e / len, t = e % len;
      total += static_cast<double>(gy[(n * c_out + o) * len + t]);
    }
    total = block_sum(total);
    if (threadIdx.x == 0) gb[o] += static_cast<T>(total);
  }
}

}  // namespace

void conv1d_backward_input(const Array& grad_y, const Array& weight, Array& grad_x,
                           const Conv1dParams& p) {
  const ScopedDevice on_device(grad_y.device().index);
  const char* op = "conv1d_backward_input";
  const ConvShape s = conv_shape(op, grad_x, weight, grad_y, p);
  if (grad_x.numel() == 0 || grad_y.numel() == 0) return;
  dispatch_float(grad_y.dtype(), op, [&]<class T>() {
    const int span = (kTileT - 1 + (s.kernel - 1) * s.dilation) / s.stride + 2;
    const int chunk = staged_channels(span + int64_t{kTileC} * s.kernel, sizeof(T), s.c_out);
    if (chunk == 0) {
      launch(backward_input_direct<T>, blocks_for(grad_x.numel()), kThreads, 0,
             "conv1d backward_input_direct",
             op)(grad_y.data<T>(), weight.data<T>(), grad_x.data<T>(), s);
      return;
    }
    const dim3 grid(ceil_div(s.len_in, kTileT), ceil_div(s.c_in, kTileC), s.n_batch);
    const size_t smem = sizeof(T) * (size_t(chunk) * span + size_t(chunk) * kTileC * s.kernel);
    launch(backward_input_tiled<T>, grid, kThreads, smem, "conv1d backward_input_tiled", op)(
        grad_y.data<T>(), weight.data<T>(), grad_x.data<T>(), s, chunk, span);
  });
}

void conv1d_backward_weight(const Array& grad_y, const Array& x, Array& grad_weight,
                            const Conv1dParams& p) {
  const ScopedDevice on_device(grad_y.device().index);
  const char* op = "conv1d_backward_weight";
  const ConvShape s = conv_shape(op, x, grad_weight, grad_y, p);
  if (grad_weight.numel() == 0 || grad_y.numel() == 0) return;
  // Slices of the N*L_out axis: enough blocks to fill the GPU, each at least one step long.
  // S depends on the shapes only, so the summation order (and the bits) is fixed.
  const int64_t r_total = int64_t{s.n_batch} * s.len_out;
  const int64_t tiles = int64_t{ceil_div(s.ck(), kWTile)} * ceil_div(s.c_out, kWTile);
  const int64_t wanted = std::clamp<int64_t>((2048 + tiles - 1) / tiles, 1, 1024);
  const int64_t steps = (r_total + kRStep - 1) / kRStep;
  const int64_t slice_len = ((steps + wanted - 1) / wanted) * kRStep;
  const int slices = static_cast<int>((r_total + slice_len - 1) / slice_len);
  const dim3 grid(ceil_div(s.ck(), kWTile), ceil_div(s.c_out, kWTile), slices);
  dispatch_float(grad_y.dtype(), op, [&]<class T>() {
    if (slices == 1) {
      launch(backward_weight_partial<T>, grid, kThreads, 0, "conv1d backward_weight_partial", op)(
          grad_y.data<T>(), x.data<T>(), grad_weight.data<T>(), s, static_cast<int>(slice_len),
          true);
      return;
    }
    Array partial = Array::empty({slices, grad_weight.numel()}, grad_y.dtype(), grad_y.device());
    launch(backward_weight_partial<T>, grid, kThreads, 0, "conv1d backward_weight_partial", op)(
        grad_y.data<T>(), x.data<T>(), partial.data<T>(), s, static_cast<int>(slice_len), false);
    launch(sum_partials<T>, blocks_for(grad_weight.numel()), kThreads, 0, "conv1d sum_partials",
           op)(partial.data<T>(), grad_weight.data<T>(), grad_weight.numel(), slices);
  });
}

void conv1d_backward_bias(const Array& grad_y, Array& grad_bias) {
  const ScopedDevice on_device(grad_y.device().index);
  const char* op = "conv1d_backward_bias";
  DNAGRAD_CHECK(grad_y.dim() == 3 && grad_bias.dim() == 1 && grad_bias.size(0) == grad_y.size(1),
                op, ": expected grad_y [N, C_out, L_out] and grad_bias [C_out], got ",
                grad_y.desc(), " and ", grad_bias.desc());
  require_same_device_dtype(op, grad_y, {&grad_bias});
  const int64_t c_out = grad_y.size(1);
  if (c_out == 0) return;
  dispatch_float(grad_y.dtype(), op, [&]<class T>() {
    launch(backward_bias<T>, static_cast<unsigned>(std::min<int64_t>(c_out, 65535)), kThreads, 0,
           "conv1d backward_bias", op)(grad_y.data<T>(), grad_bias.data<T>(),
                                       static_cast<int>(grad_y.size(0)), static_cast<int>(c_out),
                                       static_cast<int>(grad_y.size(2)));
  });
}

}  // namespace dnagrad::kernels::cuda
