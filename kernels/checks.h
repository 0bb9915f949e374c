// Argument checks shared by the CPU and CUDA twins of each kernel family: both validate the
// same way, here, and throw dnagrad::Error naming the op and the shapes, so errors read the same
// on every device.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/array.h"
#include "kernels/conv1d.h"
#include "kernels/elementwise.h"
#include "kernels/ism.h"
#include "kernels/losses.h"
#include "kernels/pooling.h"

namespace dnagrad::kernels {

struct ConvExtents {
  int64_t n_batch, c_in, len_in, c_out, kernel, len_out;
};
// x [N, C_in, L_in], weight [C_out, C_in, K] and y [N, C_out, L_out] (or their gradients) must
// fit together under p, on one device with one dtype.
ConvExtents check_conv1d(const char* op, const Array& x, const Array& weight, const Array& y,
                         const Conv1dParams& p);

struct IsmExtents {
  int64_t mutants, c_out, len, len_out, kernel;
};
// The arguments of ism_first_layer_mutants (kernels/ism.h): reference_out [C_out, L_out], weight
// [C_out, 4, K], ref_onehot [4, L] and out [M, C_out, L_out] fit together under p (check_conv1d's
// rules), on one device with one dtype; M positions in [0, L) and M bases in [0, 4).
IsmExtents check_ism_first_layer_mutants(const Array& reference_out, const Array& weight,
                                         const Array& ref_onehot,
                                         std::span<const int64_t> positions,
                                         std::span<const int64_t> bases, const Conv1dParams& p,
                                         const Array& out);

struct PoolExtents {
  int64_t rows, len_in, len_out;  // rows = N * C
};
// x [N, C, L] and y [N, C, L_out] under p (the dilated window must fit the padded input).
PoolExtents check_pool1d(const char* op, const Array& x, const Array& y, const Pool1dParams& p);
// x [N, C, L] and y [N, C, out], L and out >= 1.
PoolExtents check_adaptive_pool1d(const char* op, const Array& x, const Array& y);

struct BatchNormExtents {
  int64_t n_batch, channels, len;  // [N, C] inputs have len 1
};
// Every argument of the batchnorm kernel of the same name (kernels/batchnorm.h): x [N, C, L] or
// [N, C]; [C] vectors of x's dtype on x's device (weight, bias and the running statistics may be
// undefined where the contract allows); outputs and gradients shaped like their inputs.
BatchNormExtents check_batchnorm_forward_train(const Array& x, const Array& weight,
                                               const Array& bias, const Array& running_mean,
                                               const Array& running_var, const Array& y,
                                               const Array& save_mean, const Array& save_invstd);
BatchNormExtents check_batchnorm_forward_eval(const Array& x, const Array& weight,
                                              const Array& bias, const Array& running_mean,
                                              const Array& running_var, const Array& y);
BatchNormExtents check_batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight,
                                          const Array& mean, const Array& invstd,
                                          const Array* grad_x, const Array* grad_weight,
                                          const Array* grad_bias);

// ---- elementwise (kernels/elementwise.h) ----

// The op's name in errors ("add", "relu", ...).
const char* binary_name(BinaryOp op);
const char* unary_name(UnaryOp op);
// a, b and out on one device with one dtype; a and b broadcast to out's shape, which is returned.
Shape check_binary_forward(const char* name, const Array& a, const Array& b, const Array& out);
// grad_out has a and b's broadcast shape (returned); each gradient buffer (may be null) its
// input's shape.
Shape check_binary_backward(const char* name, const Array& a, const Array& b, const Array& grad_out,
                            const Array* grad_a, const Array* grad_b);
void check_unary_forward(const char* name, const Array& x, const Array& y);
// grad_y and grad_x shaped like x; y, the forward output, only where op reads it (exp, sigmoid,
// tanh). Returns whether it does.
bool check_unary_backward(const char* name, UnaryOp op, const Array& x, const Array& y,
                          const Array& grad_y, const Array& grad_x);
// dst and src on one device, of one type or float64 += float32.
void check_accumulate(const Array& dst, const Array& src);
void check_accumulate_product(const Array& dst, const Array& a, const Array& b);

// ---- losses (kernels/losses.h) ----

// mse and bce with logits: pred and target of one shape; out one loss per element (None) or
// shape [] (Mean, Sum); all on one device with one dtype.
void check_loss_forward(const char* op, const Array& pred, const Array& target, Reduction r,
                        const Array& out);
// The same for grad_out; each gradient buffer (may be null) shaped like its input, `pred_name`
// naming the first input in errors ("prediction", "logits").
void check_loss_backward(const char* op, const Array& pred, const Array& target,
                         const Array& grad_out, Reduction r, const Array* grad_pred,
                         const char* pred_name, const Array* grad_target);
// cross-entropy: logits [N, C] and int64 class indices target [N] on the logits' device. Whether
// each index is in [0, C) the caller checks next, where target lives.
void check_class_target(const char* op, const Array& logits, const Array& target);
// After the class checks: out [N] (None) or [] of the logits' device and dtype.
void check_cross_entropy_forward(const char* op, const Array& logits, Reduction r,
                                 const Array& out);
// After the class checks: grad_out as out above, grad_logits shaped like logits.
void check_cross_entropy_backward(const char* op, const Array& logits, const Array& grad_out,
                                  Reduction r, const Array& grad_logits);

// ---- permute, matmul and linear, reduce_sum, softmax, optimizers, dropout ----

// perm is a permutation of x's dimensions and y has x's shape permuted by it.
void check_permute(const Array& x, const std::vector<int64_t>& perm, const Array& y);

struct MatmulExtents {
  int64_t m, k, p;
};
// 2-D a, b and c with op(a) [M, K] · op(b) [K, P] -> c [M, P], op = transpose where asked.
MatmulExtents check_matmul(const Array& a, const Array& b, const Array& c, bool trans_a,
                           bool trans_b);
// x [N, I], weight [O, I], bias [O] (or undefined), y [N, O].
void check_linear_forward(const Array& x, const Array& weight, const Array& bias, const Array& y);
// grad_y [N, O]; each gradient buffer (may be null) shaped like what it is the gradient of.
void check_linear_backward(const Array& grad_y, const Array& x, const Array& weight,
                           const Array* grad_x, const Array* grad_weight, const Array* grad_bias);

// `reduced` must have full's shape without `dim`, or with it set to 1 (keepdim: same memory
// layout); one element for dim = -1 (every element). One device, one dtype.
void check_reduce_sum(const char* op, const Array& full, int dim, const Array& reduced);

// The op's name in errors: "log_softmax" or "softmax".
const char* softmax_name(bool log);
void check_softmax_forward(const char* name, const Array& x, int dim, const Array& y);
void check_softmax_backward(const char* name, const Array& y, const Array& grad_y, int dim,
                            const Array& grad_x);

// An optimizer's state tensor (`what`: "the gradient", "exp_avg", ...) is defined and has the
// parameter's shape, device and dtype.
// sum_of_squares / clip_scale: x float, total a float64 [1] array on x's device.
void check_norm_total(const char* op, const Array& x, const Array& total);
void check_optimizer_state(const char* op, const Array& param, const Array& state,
                           const char* what);

// p in [0, 1); mask and y shaped like x; one device, one dtype.
void check_dropout(const Array& x, double p, const Array& mask, const Array& y);

}  // namespace dnagrad::kernels
