// PLACEHOLDER: stubs until the CPU kernels of kernels/matmul.h are written.
#include "kernels/matmul.h"
namespace dnagrad::kernels::cpu {
void matmul(const Array& a, const Array& b, Array& c, bool trans_a, bool trans_b, bool accumulate) { fail("matmul: not implemented yet"); }
void linear_forward(const Array& x, const Array& weight, const Array& bias, Array& y) { fail("linear_forward: not implemented yet"); }
void linear_backward(const Array& grad_y, const Array& x, const Array& weight, Array* grad_x, Array* grad_weight, Array* grad_bias) { fail("linear_backward: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
