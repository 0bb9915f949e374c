// Batch normalisation over the channel axis of x [N, C, L] (or [N, C], treated as L = 1).
// Legend: N batch, C channels, L length; statistics per channel over the N*L values.
//   training: y = (x - mean_B) / sqrt(var_B + eps) * weight + bias, with the batch's biased
//             variance; running_mean/var <- (1 - momentum) * running + momentum * batch stat,
//             the running variance using the unbiased (N*L - 1) estimate, as PyTorch does.
//   eval:     the same with running_mean / running_var in place of the batch statistics.
// weight/bias may be undefined (affine = false); running stats may be undefined (not tracked).
#pragma once
#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

namespace cpu {
void batchnorm_forward_train(const Array& x, const Array& weight, const Array& bias,
                             Array& running_mean, Array& running_var, double momentum, double eps,
                             Array& y, Array& save_mean, Array& save_invstd);
void batchnorm_forward_eval(const Array& x, const Array& weight, const Array& bias,
                            const Array& running_mean, const Array& running_var, double eps,
                            Array& y);
void batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight,
                        const Array& mean, const Array& invstd, bool training, Array* grad_x,
                        Array* grad_weight, Array* grad_bias);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {
void batchnorm_forward_train(const Array& x, const Array& weight, const Array& bias,
                             Array& running_mean, Array& running_var, double momentum, double eps,
                             Array& y, Array& save_mean, Array& save_invstd);
void batchnorm_forward_eval(const Array& x, const Array& weight, const Array& bias,
                            const Array& running_mean, const Array& running_var, double eps,
                            Array& y);
void batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight,
                        const Array& mean, const Array& invstd, bool training, Array* grad_x,
                        Array* grad_weight, Array* grad_bias);
}  // namespace cuda
#endif

// Assigns y [N, C, L], save_mean [C] and save_invstd [C] = 1/sqrt(var_B + eps); updates the
// running statistics in place when they are defined.
inline void batchnorm_forward_train(const Array& x, const Array& weight, const Array& bias,
                                    Array& running_mean, Array& running_var, double momentum,
                                    double eps, Array& y, Array& save_mean, Array& save_invstd) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda())
    return cuda::batchnorm_forward_train(x, weight, bias, running_mean, running_var, momentum, eps,
                                         y, save_mean, save_invstd);
#endif
  require_cpu(x, "batchnorm_forward_train");
  cpu::batchnorm_forward_train(x, weight, bias, running_mean, running_var, momentum, eps, y,
                               save_mean, save_invstd);
}
// Assigns y using the running statistics.
inline void batchnorm_forward_eval(const Array& x, const Array& weight, const Array& bias,
                                   const Array& running_mean, const Array& running_var,
                                   double eps, Array& y) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda())
    return cuda::batchnorm_forward_eval(x, weight, bias, running_mean, running_var, eps, y);
#endif
  require_cpu(x, "batchnorm_forward_eval");
  cpu::batchnorm_forward_eval(x, weight, bias, running_mean, running_var, eps, y);
}
// Accumulates the gradients. `mean`/`invstd` [C] are the statistics the forward used:
// the batch's (training = true: the batch statistics depend on x, adding two terms to grad_x)
// or the running ones turned into invstd (training = false: a per-channel affine map).
// Any grad pointer may be null.
inline void batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight,
                               const Array& mean, const Array& invstd, bool training,
                               Array* grad_x, Array* grad_weight, Array* grad_bias) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda())
    return cuda::batchnorm_backward(grad_y, x, weight, mean, invstd, training, grad_x, grad_weight,
                                    grad_bias);
#endif
  require_cpu(x, "batchnorm_backward");
  cpu::batchnorm_backward(grad_y, x, weight, mean, invstd, training, grad_x, grad_weight,
                          grad_bias);
}

}  // namespace dnagrad::kernels
