// cuDNN's batch normalisation on our BatchNorm shapes: a REFERENCE for tests and
// `dnagrad bench kernels`, never used by the library (see kernels/cudnn/info.h).
//
// Same legend and contracts as kernels/batchnorm.h, through cuDNN's CUDNN_BATCHNORM_SPATIAL mode
// (statistics per channel over N and L) on x [N, C, L] as NCHW [N, C, 1, L] ([N, C]: L = 1):
//   forward_train  ASSIGNS y, save_mean, save_invstd (cuDNN's "saved inverse variance" is
//                  1/sqrt(var + eps), our invstd) and updates the running statistics in place.
//                  cuDNN's exponentialAverageFactor is PyTorch's momentum:
//                  running = (1 - momentum) * running + momentum * batch statistic, and cuDNN's
//                  running variance takes the UNBIASED batch variance (M / (M - 1)), as PyTorch
//                  and our kernels do.
//   forward_eval   ASSIGNS y from the running statistics.
//   backward       training mode only (cuDNN has no eval-mode backward): ACCUMULATES into grad_x,
//                  grad_weight and grad_bias (cuDNN's betaDataDiff = betaParamDiff = 1), using the
//                  saved mean/invstd of the forward.
// cuDNN always wants a scale and a bias: undefined weight/bias (affine = false) are passed as
// ones/zeros. Running statistics may be undefined (not tracked); then both must be.
// The legacy cudnnBatchNormalization* functions are deprecated in cuDNN 9 but still present.
#pragma once
#include <memory>

#include "core/array.h"

namespace dnagrad::kernels::cudnn {

class BatchNorm {
 public:
  // For x of x_shape [N, C, L] or [N, C], of `dtype` on the CUDA device `device`.
  BatchNorm(const Shape& x_shape, DType dtype, Device device);
  ~BatchNorm();
  BatchNorm(const BatchNorm&) = delete;
  BatchNorm& operator=(const BatchNorm&) = delete;

  void forward_train(const Array& x, const Array& weight, const Array& bias, Array& running_mean,
                     Array& running_var, double momentum, double eps, Array& y, Array& save_mean,
                     Array& save_invstd);
  void forward_eval(const Array& x, const Array& weight, const Array& bias,
                    const Array& running_mean, const Array& running_var, double eps, Array& y);
  // Null grad pointers are computed into scratch and dropped.
  void backward(const Array& grad_y, const Array& x, const Array& weight, const Array& save_mean,
                const Array& save_invstd, double eps, Array* grad_x, Array* grad_weight,
                Array* grad_bias);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnagrad::kernels::cudnn
