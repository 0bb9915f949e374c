// 1-D convolution on the CPU: im2col + one GEMM per sample (kernels/cpu/gemm.h), OpenMP over the
// batch.
//
// Legend: N batch, C_in / C_out channels, L_in / L_out lengths, K kernel size, CK = C_in * K.
//   x [N, C_in, L_in], weight [C_out, C_in, K] (= a row-major [C_out, CK] matrix),
//   bias [C_out], y [N, C_out, L_out]
// For each sample n (im2col.h builds col):
//   col[c*K + k, t] = x[n, c, t*stride + k*dilation - padding]   // [CK, L_out]
//   y[n]         = weight * col + bias                            // [C_out, L_out]
//                  (with im2col, one GEMM: [weight | bias] [C_out, CK+1] times col with a last
//                  row of ones [CK+1, L_out], so y is written once and never read back)
//   grad_col     = weight^T * grad_y[n]                           // [CK, L_out]
//   grad_x[n]   += col2im(grad_col)                               // [C_in, L_in]
//   grad_weight += grad_y[n] * col^T                              // [C_out, CK]
//   grad_bias   += row sums of grad_y[n]                          // [C_out]
//                  (with grad_weight: summed per sample right after its GEMM, while grad_y[n]
//                  is still in cache, instead of in a pass of its own)
// conv1d_forward ASSIGNS y; the three backward functions ACCUMULATE (+=) into their outputs.
// When K = 1, stride = 1 and padding = 0, col is x[n] itself and no copy is made.
//
// Threads: each OpenMP thread takes a fixed (static) slice of the batch, with its own col
// buffer, and the GEMM runs single-threaded inside. grad_weight: thread 0 adds its samples straight
// into grad_weight, every other thread into a private partial sum, and the partials are then added
// in thread order, so results are bitwise repeatable for a given thread count. With a batch of one
// (or a tiny problem) there is no parallel region, and gemm may share a large product out to the
// threads itself.
#include "kernels/conv1d.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/checks.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/im2col.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/wide_sum.h"

namespace dnagrad::kernels::cpu {

namespace {

struct ConvDims {
  int64_t n_batch, c_in, len_in, c_out, kernel, len_out;
  int64_t ck() const { return c_in * kernel; }
  // Threads pay off with several samples and enough multiply-adds to wake them for.
  bool parallel() const {
    return n_batch > 1 && n_batch * c_out * len_out * ck() >= kParallelGrain;
  }
  // col is x[n] itself: no unrolling needed.
  bool col_is_input(const Conv1dParams& p) const {
    return kernel == 1 && p.stride == 1 && p.padding == 0;
  }
};

// Checks the arguments (kernels/checks.h) and returns the extents.
ConvDims conv_dims(const char* op, const Array& x, const Array& weight, const Array& y,
                   const Conv1dParams& p) {
  const ConvExtents e = check_conv1d(op, x, weight, y, p);
  return {e.n_batch, e.c_in, e.len_in, e.c_out, e.kernel, e.len_out};
}

template <class T>
void forward_impl(const Array& x, const Array& weight, const Array& bias, Array& y,
                  const Conv1dParams& p, const ConvDims& d) {
  const T* x_data = x.data<T>();
  const T* bias_data = bias.defined() ? bias.data<T>() : nullptr;
  T* y_data = y.data<T>();
  const std::vector<Tap> taps = conv_taps(d.len_in, d.kernel, d.len_out, p);
  const bool unroll = !d.col_is_input(p);
  // With im2col and a bias, the bias rides in the GEMM as one more column of the weight
  // ([weight | bias], [C_out, CK+1]) against a last row of ones in col.
  const bool bias_in_gemm = unroll && bias_data;
  const int64_t rows = d.ck() + (bias_in_gemm ? 1 : 0);  // of col, and columns of w
  std::vector<T> w_with_bias;
  if (bias_in_gemm) {
    w_with_bias.resize(d.c_out * rows);
    for (int64_t o = 0; o < d.c_out; ++o) {
      std::copy_n(weight.data<T>() + o * d.ck(), d.ck(), w_with_bias.data() + o * rows);
      w_with_bias[o * rows + d.ck()] = bias_data[o];
    }
  }
  const T* w = bias_in_gemm ? w_with_bias.data() : weight.data<T>();  // [C_out, rows]

#pragma omp parallel if (d.parallel())
  {
    std::vector<T> col_buffer(unroll ? rows * d.len_out : 0);
    if (bias_in_gemm) std::fill_n(col_buffer.data() + d.ck() * d.len_out, d.len_out, T(1));
#pragma omp for schedule(static)
    for (int64_t n = 0; n < d.n_batch; ++n) {
      const T* x_n = x_data + n * d.c_in * d.len_in;
      if (unroll) im2col(x_n, d.c_in, d.len_in, d.len_out, taps, p.stride, col_buffer.data());
      const T* col = unroll ? col_buffer.data() : x_n;  // [rows, L_out]
      T* y_n = y_data + n * d.c_out * d.len_out;        // [C_out, L_out]
      const bool add_bias = bias_data && !bias_in_gemm;
      if (add_bias) {
        for (int64_t o = 0; o < d.c_out; ++o)
          std::fill_n(y_n + o * d.len_out, d.len_out, bias_data[o]);
      }
      // y_n (+)= w · col; beta 0 assigns (the bias is in the GEMM, or there is none).
      gemm<T>(false, false, d.c_out, d.len_out, rows, T(1), w, rows, col, d.len_out,
              add_bias ? T(1) : T(0), y_n, d.len_out);
    }
  }
}

template <class T>
void backward_input_impl(const Array& grad_y, const Array& weight, Array& grad_x,
                         const Conv1dParams& p, const ConvDims& d) {
  const T* gy_data = grad_y.data<T>();
  T* gx_data = grad_x.data<T>();
  const T* w = weight.data<T>();  // [C_out, CK]
  const std::vector<Tap> taps = conv_taps(d.len_in, d.kernel, d.len_out, p);
  const bool unroll = !d.col_is_input(p);

#pragma omp parallel if (d.parallel())
  {
    std::vector<T> col_buffer(unroll ? d.ck() * d.len_out : 0);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < d.n_batch; ++n) {
      const T* gy_n = gy_data + n * d.c_out * d.len_out;  // [C_out, L_out]
      T* gx_n = gx_data + n * d.c_in * d.len_in;          // [C_in, L_in]
      if (unroll) {
        // grad_col [CK, L_out] = w^T · gy_n, then folded back onto gx_n.
        gemm<T>(true, false, d.ck(), d.len_out, d.c_out, T(1), w, d.ck(), gy_n, d.len_out, T(0),
                col_buffer.data(), d.len_out);
        col2im(col_buffer.data(), d.c_in, d.len_in, d.len_out, taps, p.stride, gx_n);
      } else {
        gemm<T>(true, false, d.c_in, d.len_in, d.c_out, T(1), w, d.ck(), gy_n, d.len_out, T(1),
                gx_n, d.len_in);
      }
    }
  }
}

template <class T>
void backward_weight_impl(const Array& grad_y, const Array& x, Array& grad_weight, Array* grad_bias,
                          const Conv1dParams& p, const ConvDims& d) {
  const T* gy_data = grad_y.data<T>();
  const T* x_data = x.data<T>();
  const int64_t w_size = d.c_out * d.ck();
  const std::vector<Tap> taps = conv_taps(d.len_in, d.kernel, d.len_out, p);
  const bool unroll = !d.col_is_input(p);
  const int n_threads = d.parallel() ? omp_get_max_threads() : 1;
  // partials[(tid - 1) * w_size ...]: the sums of threads 1, 2, ...; thread 0 uses grad_weight.
  std::vector<T> partials(static_cast<size_t>(n_threads - 1) * w_size, T(0));
  // bias_sums[tid * C_out + o]: thread tid's sum of grad_y[n, o, :] over its samples, in double.
  std::vector<double> bias_sums(grad_bias ? static_cast<size_t>(n_threads) * d.c_out : 0, 0.0);
  int used_threads = 1;

#pragma omp parallel num_threads(n_threads) if (n_threads > 1)
  {
    const int tid = omp_get_thread_num();
#pragma omp single
    used_threads = omp_get_num_threads();
    T* sum_data = tid == 0 ? grad_weight.data<T>() : partials.data() + (tid - 1) * w_size;
    std::vector<T> col_buffer(unroll ? d.ck() * d.len_out : 0);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < d.n_batch; ++n) {
      const T* x_n = x_data + n * d.c_in * d.len_in;
      if (unroll) im2col(x_n, d.c_in, d.len_in, d.len_out, taps, p.stride, col_buffer.data());
      const T* col = unroll ? col_buffer.data() : x_n;    // [CK, L_out]
      const T* gy_n = gy_data + n * d.c_out * d.len_out;  // [C_out, L_out]
      // sum [C_out, CK] += gy_n · col^T
      gemm<T>(false, true, d.c_out, d.ck(), d.len_out, T(1), gy_n, d.len_out, col, d.len_out, T(1),
              sum_data, d.ck());
      if (!grad_bias) continue;
      for (int64_t o = 0; o < d.c_out; ++o) {  // grad_y[n] is still in cache
        const T* row = gy_n + o * d.len_out;
        bias_sums[tid * d.c_out + o] +=
            wide_sum(d.len_out, [&](int64_t t) { return static_cast<double>(row[t]); });
      }
    }
  }

  T* gw = grad_weight.data<T>();
  for (int t = 1; t < used_threads; ++t) {
    const T* partial = partials.data() + (t - 1) * w_size;
    parallel_for(w_size, 1, [&](int64_t i) { gw[i] += partial[i]; });
  }
  if (!grad_bias) return;
  T* gb = grad_bias->data<T>();
  for (int64_t o = 0; o < d.c_out; ++o) {
    double total = 0;
    for (int t = 0; t < used_threads; ++t) total += bias_sums[t * d.c_out + o];
    gb[o] += static_cast<T>(total);
  }
}

template <class T>
void backward_bias_impl(const Array& grad_y, Array& grad_bias) {
  const int64_t n_batch = grad_y.size(0), c_out = grad_y.size(1), len = grad_y.size(2);
  const T* gy = grad_y.data<T>();
  T* gb = grad_bias.data<T>();
  parallel_for(c_out, n_batch * len, [&](int64_t o) {
    double total = 0;  // summed in double over N * L_out values
    for (int64_t n = 0; n < n_batch; ++n) {
      const T* row = gy + (n * c_out + o) * len;  // [L_out]
      total += wide_sum(len, [&](int64_t t) { return static_cast<double>(row[t]); });
    }
    gb[o] += static_cast<T>(total);
  });
}

void check_conv1d_bias_grad(const Array& grad_y, const Array& grad_bias) {
  DNAGRAD_CHECK(
      grad_y.dim() == 3 && grad_bias.dim() == 1 && grad_bias.size(0) == grad_y.size(1),
      "conv1d_backward_bias: expected grad_y [N, C_out, L_out] and grad_bias [C_out], got ",
      grad_y.desc(), " and ", grad_bias.desc());
  require_same_device_dtype("conv1d_backward_bias", grad_y, {&grad_bias});
}

}  // namespace

void conv1d_forward(const Array& x, const Array& weight, const Array& bias, Array& y,
                    const Conv1dParams& p) {
  const ConvDims d = conv_dims("conv1d_forward", x, weight, y, p);
  if (bias.defined()) {
    DNAGRAD_CHECK(bias.dim() == 1 && bias.size(0) == d.c_out, "conv1d_forward: expected bias [",
                  d.c_out, "], got ", bias.desc());
    require_same_device_dtype("conv1d_forward", x, {&bias});
  }
  dispatch_float(x.dtype(), "conv1d_forward",
                 [&]<class T>() { forward_impl<T>(x, weight, bias, y, p, d); });
}

void conv1d_backward_input(const Array& grad_y, const Array& weight, Array& grad_x,
                           const Conv1dParams& p) {
  const ConvDims d = conv_dims("conv1d_backward_input", grad_x, weight, grad_y, p);
  dispatch_float(grad_y.dtype(), "conv1d_backward_input",
                 [&]<class T>() { backward_input_impl<T>(grad_y, weight, grad_x, p, d); });
}

void conv1d_backward_weight(const Array& grad_y, const Array& x, Array& grad_weight,
                            const Conv1dParams& p, Array* grad_bias) {
  const ConvDims d = conv_dims("conv1d_backward_weight", x, grad_weight, grad_y, p);
  if (grad_bias) check_conv1d_bias_grad(grad_y, *grad_bias);
  dispatch_float(grad_y.dtype(), "conv1d_backward_weight", [&]<class T>() {
    backward_weight_impl<T>(grad_y, x, grad_weight, grad_bias, p, d);
  });
}

void conv1d_backward_bias(const Array& grad_y, Array& grad_bias) {
  check_conv1d_bias_grad(grad_y, grad_bias);
  dispatch_float(grad_y.dtype(), "conv1d_backward_bias",
                 [&]<class T>() { backward_bias_impl<T>(grad_y, grad_bias); });
}

}  // namespace dnagrad::kernels::cpu
