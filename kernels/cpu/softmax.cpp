// PLACEHOLDER: stubs until the CPU kernels of kernels/softmax.h are written.
#include "kernels/softmax.h"
namespace dnagrad::kernels::cpu {
void softmax_forward(const Array& x, int dim, bool log, Array& y) { fail("softmax_forward: not implemented yet"); }
void softmax_backward(const Array& y, const Array& grad_y, int dim, bool log, Array& grad_x) { fail("softmax_backward: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
