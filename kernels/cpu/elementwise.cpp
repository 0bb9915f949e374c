// PLACEHOLDER: stubs until the CPU kernels of kernels/elementwise.h are written.
#include "kernels/elementwise.h"
namespace dnagrad::kernels::cpu {
void binary_forward(BinaryOp op, const Array& a, const Array& b, Array& out) { fail("binary_forward: not implemented yet"); }
void binary_backward(BinaryOp op, const Array& a, const Array& b, const Array& grad_out, Array* grad_a, Array* grad_b) { fail("binary_backward: not implemented yet"); }
void unary_forward(UnaryOp op, const Array& x, double scalar, Array& y) { fail("unary_forward: not implemented yet"); }
void unary_backward(UnaryOp op, const Array& x, const Array& y, double scalar, const Array& grad_y, Array& grad_x) { fail("unary_backward: not implemented yet"); }
void accumulate(Array& dst, const Array& src, double alpha) { fail("accumulate: not implemented yet"); }
void accumulate_product(Array& dst, const Array& a, const Array& b) { fail("accumulate_product: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
