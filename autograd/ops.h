// The differentiable operations, PyTorch-style (torch.nn.functional names where they exist).
// Each one computes its output with a kernel and, when gradients are enabled and an input
// requires one, records a Node whose backward rule lives in autograd/backward_rules.cpp.
//
// Shape legend: N batch, C channels, L length, I/O in/out features.
#pragma once
#include <vector>

#include "autograd/tensor.h"
#include "core/rng.h"
#include "kernels/losses.h"

namespace dnagrad {

using kernels::Reduction;

// ---- elementwise arithmetic (broadcasting) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor neg(const Tensor& x);
Tensor add_scalar(const Tensor& x, double s);
Tensor mul_scalar(const Tensor& x, double s);
Tensor pow_scalar(const Tensor& x, double exponent);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& x) { return neg(x); }
inline Tensor operator+(const Tensor& x, double s) { return add_scalar(x, s); }
inline Tensor operator-(const Tensor& x, double s) { return add_scalar(x, -s); }
inline Tensor operator*(const Tensor& x, double s) { return mul_scalar(x, s); }
inline Tensor operator*(double s, const Tensor& x) { return mul_scalar(x, s); }
inline Tensor operator/(const Tensor& x, double s) { return mul_scalar(x, 1.0 / s); }

// ---- activations ----
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// Identity when !training or p == 0; otherwise zeroes each element with probability p and
// scales the rest by 1/(1-p), drawing from `gen`.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen);

// ---- linear algebra ----
Tensor matmul(const Tensor& a, const Tensor& b);  // [M, K] x [K, P] -> [M, P]
// x [N, I], weight [O, I], bias [O] or undefined -> [N, O]
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

// ---- convolution, normalisation, pooling (x is [N, C, L]) ----
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride = 1,
              int64_t padding = 0, int64_t dilation = 1);
// x [N, C, L] or [N, C]. In training mode normalises with batch statistics and updates the
// running statistics in place (when defined); in eval mode uses them.
Tensor batch_norm1d(const Tensor& x, const Tensor& weight, const Tensor& bias, Array& running_mean,
                    Array& running_var, bool training, double momentum = 0.1, double eps = 1e-5);
// stride 0 means stride = kernel (PyTorch's default).
Tensor max_pool1d(const Tensor& x, int64_t kernel, int64_t stride = 0, int64_t padding = 0,
                  int64_t dilation = 1);
Tensor avg_pool1d(const Tensor& x, int64_t kernel, int64_t stride = 0, int64_t padding = 0,
                  bool count_include_pad = true);
Tensor adaptive_avg_pool1d(const Tensor& x, int64_t out_size);
// max_pool1d(relu(batch_norm1d(x, ...)), kernel, stride, padding, dilation) as one op
// (kernels/bn_relu_maxpool.h): the same values, running statistics and gradients, in a few
// passes over x. x [N, C, L] on the CPU; pooling windows of at most 256.
Tensor batch_norm_relu_max_pool1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                  Array& running_mean, Array& running_var, bool training,
                                  double momentum, double eps, int64_t kernel, int64_t stride = 0,
                                  int64_t padding = 0, int64_t dilation = 1);

// ---- shapes ----
Tensor reshape(const Tensor& x, const Shape& shape);  // one extent may be -1
Tensor flatten(const Tensor& x, int64_t start_dim = 1, int64_t end_dim = -1);
Tensor squeeze(const Tensor& x, int64_t dim);  // removes a size-1 dim
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);

// ---- reductions ----
Tensor sum(const Tensor& x);  // every element -> []
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);

// ---- losses ----
Tensor mse_loss(const Tensor& pred, const Tensor& target, Reduction r = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction r = Reduction::Mean);
// logits [N, C]; target int64 [N] of class indices in [0, C).
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction r = Reduction::Mean);

}  // namespace dnagrad
