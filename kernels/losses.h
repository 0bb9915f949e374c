// Loss functions. Reduction as in PyTorch: None keeps one loss per element (per row for
// cross-entropy), Mean averages them, Sum adds them.
//   mse:            (pred - target)^2
//   bce_with_logits: max(z, 0) - z*t + log(1 + exp(-|z|))       (stable for any z)
//   cross_entropy:  logsumexp(z_row) - z_row[target]            (logits [N, C], target int64 [N])
#pragma once
#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

enum class Reduction { None = 0, Mean = 1, Sum = 2 };

namespace cpu {
void mse_forward(const Array& pred, const Array& target, Reduction r, Array& out);
void mse_backward(const Array& pred, const Array& target, const Array& grad_out, Reduction r,
                  Array* grad_pred, Array* grad_target);
void bce_logits_forward(const Array& logits, const Array& target, Reduction r, Array& out);
void bce_logits_backward(const Array& logits, const Array& target, const Array& grad_out,
                         Reduction r, Array* grad_logits, Array* grad_target);
void cross_entropy_forward(const Array& logits, const Array& target, Reduction r, Array& out);
void cross_entropy_backward(const Array& logits, const Array& target, const Array& grad_out,
                            Reduction r, Array& grad_logits);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {  // kernels/cuda/losses.cu
void mse_forward(const Array& pred, const Array& target, Reduction r, Array& out);
void mse_backward(const Array& pred, const Array& target, const Array& grad_out, Reduction r,
                  Array* grad_pred, Array* grad_target);
void bce_logits_forward(const Array& logits, const Array& target, Reduction r, Array& out);
void bce_logits_backward(const Array& logits, const Array& target, const Array& grad_out,
                         Reduction r, Array* grad_logits, Array* grad_target);
void cross_entropy_forward(const Array& logits, const Array& target, Reduction r, Array& out);
void cross_entropy_backward(const Array& logits, const Array& target, const Array& grad_out,
                            Reduction r, Array& grad_logits);
}  // namespace cuda
#endif

// Assigns out: shape [] for Mean/Sum, pred's shape for None.
inline void mse_forward(const Array& pred, const Array& target, Reduction r, Array& out) {
#ifdef DNAGRAD_WITH_CUDA
  if (pred.device().is_cuda()) return cuda::mse_forward(pred, target, r, out);
#endif
  require_cpu(pred, "mse_forward");
  cpu::mse_forward(pred, target, r, out);
}
// Accumulates; either gradient may be null.
inline void mse_backward(const Array& pred, const Array& target, const Array& grad_out, Reduction r,
                         Array* grad_pred, Array* grad_target) {
#ifdef DNAGRAD_WITH_CUDA
  if (pred.device().is_cuda())
    return cuda::mse_backward(pred, target, grad_out, r, grad_pred, grad_target);
#endif
  require_cpu(pred, "mse_backward");
  cpu::mse_backward(pred, target, grad_out, r, grad_pred, grad_target);
}
// Assigns out; target holds probabilities in [0, 1] with logits' shape.
inline void bce_logits_forward(const Array& logits, const Array& target, Reduction r, Array& out) {
#ifdef DNAGRAD_WITH_CUDA
  if (logits.device().is_cuda()) return cuda::bce_logits_forward(logits, target, r, out);
#endif
  require_cpu(logits, "bce_logits_forward");
  cpu::bce_logits_forward(logits, target, r, out);
}
// Accumulates: grad_logits += (sigmoid(z) - t) * g; grad_target += -z * g.
inline void bce_logits_backward(const Array& logits, const Array& target, const Array& grad_out,
                                Reduction r, Array* grad_logits, Array* grad_target) {
#ifdef DNAGRAD_WITH_CUDA
  if (logits.device().is_cuda())
    return cuda::bce_logits_backward(logits, target, grad_out, r, grad_logits, grad_target);
#endif
  require_cpu(logits, "bce_logits_backward");
  cpu::bce_logits_backward(logits, target, grad_out, r, grad_logits, grad_target);
}
// Assigns out: [] for Mean/Sum, [N] for None. Throws naming the row for a class index outside
// [0, C).
inline void cross_entropy_forward(const Array& logits, const Array& target, Reduction r,
                                  Array& out) {
#ifdef DNAGRAD_WITH_CUDA
  if (logits.device().is_cuda()) return cuda::cross_entropy_forward(logits, target, r, out);
#endif
  require_cpu(logits, "cross_entropy_forward");
  cpu::cross_entropy_forward(logits, target, r, out);
}
// Accumulates: grad_logits[n, c] += (softmax(z_n)[c] - [c == t_n]) * g_n.
inline void cross_entropy_backward(const Array& logits, const Array& target, const Array& grad_out,
                                   Reduction r, Array& grad_logits) {
#ifdef DNAGRAD_WITH_CUDA
  if (logits.device().is_cuda())
    return cuda::cross_entropy_backward(logits, target, grad_out, r, grad_logits);
#endif
  require_cpu(logits, "cross_entropy_backward");
  cpu::cross_entropy_backward(logits, target, grad_out, r, grad_logits);
}

}  // namespace dnagrad::kernels
