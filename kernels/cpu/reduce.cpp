// PLACEHOLDER: stubs until the CPU kernels of kernels/reduce.h are written.
#include "kernels/reduce.h"
namespace dnagrad::kernels::cpu {
void reduce_sum(const Array& x, int dim, double scale, Array& y) { fail("reduce_sum: not implemented yet"); }
void reduce_sum_backward(const Array& grad_y, int dim, double scale, Array& grad_x) { fail("reduce_sum_backward: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
