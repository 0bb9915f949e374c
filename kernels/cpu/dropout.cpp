// PLACEHOLDER: stubs until the CPU kernels of kernels/dropout.h are written.
#include "kernels/dropout.h"
namespace dnagrad::kernels::cpu {
void dropout_forward(const Array& x, double p, Generator& gen, Array& mask, Array& y) { fail("dropout_forward: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
