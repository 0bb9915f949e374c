// PLACEHOLDER: stubs until the CPU kernels of kernels/optim.h are written.
#include "kernels/optim.h"
namespace dnagrad::kernels::cpu {
void sgd_update(Array& param, const Array& grad, Array& momentum_buf, bool first_step, const SgdConfig& c) { fail("sgd_update: not implemented yet"); }
void adam_update(Array& param, const Array& grad, Array& exp_avg, Array& exp_avg_sq, int64_t step, const AdamConfig& c) { fail("adam_update: not implemented yet"); }
double sum_of_squares(const Array& x) { fail("sum_of_squares: not implemented yet"); }
void scale_inplace(Array& x, double factor) { fail("scale_inplace: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
