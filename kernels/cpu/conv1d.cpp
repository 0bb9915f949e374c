// PLACEHOLDER: stubs until the CPU kernels of kernels/conv1d.h are written.
#include "kernels/conv1d.h"
namespace dnagrad::kernels::cpu {
void conv1d_forward(const Array& x, const Array& weight, const Array& bias, Array& y, const Conv1dParams& p) { fail("conv1d_forward: not implemented yet"); }
void conv1d_backward_input(const Array& grad_y, const Array& weight, Array& grad_x, const Conv1dParams& p) { fail("conv1d_backward_input: not implemented yet"); }
void conv1d_backward_weight(const Array& grad_y, const Array& x, Array& grad_weight, const Conv1dParams& p) { fail("conv1d_backward_weight: not implemented yet"); }
void conv1d_backward_bias(const Array& grad_y, Array& grad_bias) { fail("conv1d_backward_bias: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
