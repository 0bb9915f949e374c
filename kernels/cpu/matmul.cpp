// Matrix products and the fully connected layer on the CPU, through the one GEMM of
// kernels/cpu/gemm.h (BLIS, OpenBLAS or Eigen; it shares large products out to the OpenMP
// threads). Our arrays are row-major and contiguous, so each is passed as it lies; nothing is
// copied.
//
// Legend: c [M, P] = op(a) [M, K] · op(b) [K, P]; linear: x [N, I], weight [O, I], bias [O],
// y [N, O].
// matmul ASSIGNS c (or ADDS to it with accumulate = true); linear_forward ASSIGNS y;
// linear_backward ADDS to every gradient it is given.
#include "kernels/matmul.h"

#include <algorithm>

#include "kernels/checks.h"
#include "kernels/cpu/gemm.h"

namespace dnagrad::kernels::cpu {

void matmul(const Array& a, const Array& b, Array& c, bool trans_a, bool trans_b, bool accumulate) {
  const MatmulExtents e = check_matmul(a, b, c, trans_a, trans_b);
  dispatch_float(a.dtype(), "matmul", [&]<class T>() {
    gemm<T>(trans_a, trans_b, e.m, e.p, e.k, T(1), a.data<T>(), a.size(1), b.data<T>(), b.size(1),
            accumulate ? T(1) : T(0), c.data<T>(), e.p);
  });
}

// y = x W^T (+ bias on every row).
void linear_forward(const Array& x, const Array& weight, const Array& bias, Array& y) {
  check_linear_forward(x, weight, bias, y);
  const int64_t n = x.size(0), in = x.size(1), out = weight.size(0);
  dispatch_float(x.dtype(), "linear", [&]<class T>() {
    T* y_data = y.data<T>();  // [N, O]
    if (bias.defined()) {
      for (int64_t i = 0; i < n; ++i) std::copy_n(bias.data<T>(), out, y_data + i * out);
    }
    gemm<T>(false, true, n, out, in, T(1), x.data<T>(), in, weight.data<T>(), in,
            bias.defined() ? T(1) : T(0), y_data, out);
  });
}

// dx = g W [N, I], dW = g^T x [O, I], db = column sums of g [O] (summed in double).
void linear_backward(const Array& grad_y, const Array& x, const Array& weight, Array* grad_x,
                     Array* grad_weight, Array* grad_bias) {
  check_linear_backward(grad_y, x, weight, grad_x, grad_weight, grad_bias);
  const int64_t n = x.size(0), in = x.size(1), out = weight.size(0);
  dispatch_float(x.dtype(), "linear backward", [&]<class T>() {
    const T* g = grad_y.data<T>();  // [N, O]
    if (grad_x)
      gemm<T>(false, false, n, in, out, T(1), g, out, weight.data<T>(), in, T(1), grad_x->data<T>(),
              in);
    if (grad_weight)
      gemm<T>(true, false, out, in, n, T(1), g, out, x.data<T>(), in, T(1), grad_weight->data<T>(),
              in);
    if (grad_bias) {
      T* gb = grad_bias->data<T>();
      for (int64_t o = 0; o < out; ++o) {
        double total = 0;
        for (int64_t i = 0; i < n; ++i) total += static_cast<double>(g[i * out + o]);
        gb[o] += static_cast<T>(total);
      }
    }
  });
}

}  // namespace dnagrad::kernels::cpu
