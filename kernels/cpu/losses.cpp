// PLACEHOLDER: stubs until the CPU kernels of kernels/losses.h are written.
#include "kernels/losses.h"
namespace dnagrad::kernels::cpu {
void mse_forward(const Array& pred, const Array& target, Reduction r, Array& out) { fail("mse_forward: not implemented yet"); }
void mse_backward(const Array& pred, const Array& target, const Array& grad_out, Reduction r, Array* grad_pred, Array* grad_target) { fail("mse_backward: not implemented yet"); }
void bce_logits_forward(const Array& logits, const Array& target, Reduction r, Array& out) { fail("bce_logits_forward: not implemented yet"); }
void bce_logits_backward(const Array& logits, const Array& target, const Array& grad_out, Reduction r, Array* grad_logits, Array* grad_target) { fail("bce_logits_backward: not implemented yet"); }
void cross_entropy_forward(const Array& logits, const Array& target, Reduction r, Array& out) { fail("cross_entropy_forward: not implemented yet"); }
void cross_entropy_backward(const Array& logits, const Array& target, const Array& grad_out, Reduction r, Array& grad_logits) { fail("cross_entropy_backward: not implemented yet"); }
}  // namespace dnagrad::kernels::cpu
