// PLACEHOLDER: stubs until the CPU kernels of kernels/pooling.h are written.
#include "kernels/pooling.h"
namespace dnagrad::kernels::cpu {
void maxpool1d_forward(const Array& x, Array& y, Array& argmax, const Pool1dParams& p) { fail("maxpool1d_forward: not implemented yet"); }
void maxpool1d_backward(const Array& grad_y, const Array& argmax, Array& grad_x) { fail("maxpool1d_backward: not implemented yet"); }
void avgpool1d_forward(const Array& x, Array& y, const Pool1dParams& p) { fail("avgpool1d_forward: not implemented yet"); }
void avgpool1d_backward(const Array& grad_y, Array& grad_x, const Pool1dParams& p) { fail("avgpool1d_backward: not implemented yet"); }
void adaptive_avgpool1d_forward(const Array& x, Array& y) { fail("adaptive_avgpool1d_forward: not implemented yet"); }
void adaptive_avgpool1d_backward(const Array& grad_y, Array& grad_x) { fail("adaptive_avgpool1d_backward: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
