// PLACEHOLDER: stubs until the CPU kernels of kernels/batchnorm.h are written.
#include "kernels/batchnorm.h"
namespace dnagrad::kernels::cpu {
void batchnorm_forward_train(const Array& x, const Array& weight, const Array& bias, Array& running_mean, Array& running_var, double momentum, double eps, Array& y, Array& save_mean, Array& save_invstd) { fail("batchnorm_forward_train: not implemented yet"); }
void batchnorm_forward_eval(const Array& x, const Array& weight, const Array& bias, const Array& running_mean, const Array& running_var, double eps, Array& y) { fail("batchnorm_forward_eval: not implemented yet"); }
void batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight, const Array& mean, const Array& invstd, bool training, Array* grad_x, Array* grad_weight, Array* grad_bias) { fail("batchnorm_backward: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
