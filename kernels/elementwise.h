// Elementwise arithmetic and activations.
//   Forward functions ASSIGN their output (which must already have the right shape).
//   Backward functions ACCUMULATE (+=) into the gradient buffers they are given.
// Binary ops broadcast NumPy-style; their backward sums the gradient over broadcast dimensions
// so each grad has its input's shape.
#pragma once
#include "core/array.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

enum class BinaryOp { Add, Sub, Mul, Div };
enum class UnaryOp { Neg, AddScalar, MulScalar, PowScalar, Exp, Log, ReLU, Sigmoid, Tanh };

namespace cpu {
void binary_forward(BinaryOp op, const Array& a, const Array& b, Array& out);
void binary_backward(BinaryOp op, const Array& a, const Array& b, const Array& grad_out,
                     Array* grad_a, Array* grad_b);
void unary_forward(UnaryOp op, const Array& x, double scalar, Array& y);
void unary_backward(UnaryOp op, const Array& x, const Array& y, double scalar, const Array& grad_y,
                    Array& grad_x);
void accumulate(Array& dst, const Array& src, double alpha);
void accumulate_product(Array& dst, const Array& a, const Array& b);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {  // the same contracts, for arrays on a CUDA device (kernels/cuda/elementwise.cu)
void binary_forward(BinaryOp op, const Array& a, const Array& b, Array& out);
void binary_backward(BinaryOp op, const Array& a, const Array& b, const Array& grad_out,
                     Array* grad_a, Array* grad_b);
void unary_forward(UnaryOp op, const Array& x, double scalar, Array& y);
void unary_backward(UnaryOp op, const Array& x, const Array& y, double scalar, const Array& grad_y,
                    Array& grad_x);
void accumulate(Array& dst, const Array& src, double alpha);
void accumulate_product(Array& dst, const Array& a, const Array& b);
}  // namespace cuda
#endif

// out = a op b, out shaped broadcast(a, b). Assigns.
inline void binary_forward(BinaryOp op, const Array& a, const Array& b, Array& out) {
#ifdef DNAGRAD_WITH_CUDA
  if (a.device().is_cuda()) return cuda::binary_forward(op, a, b, out);
#endif
  require_cpu(a, "binary_forward");
  cpu::binary_forward(op, a, b, out);
}
// grad_a += dL/da, grad_b += dL/db (either may be null). Accumulates.
inline void binary_backward(BinaryOp op, const Array& a, const Array& b, const Array& grad_out,
                            Array* grad_a, Array* grad_b) {
#ifdef DNAGRAD_WITH_CUDA
  if (a.device().is_cuda()) return cuda::binary_backward(op, a, b, grad_out, grad_a, grad_b);
#endif
  require_cpu(a, "binary_backward");
  cpu::binary_backward(op, a, b, grad_out, grad_a, grad_b);
}
// y = f(x) where f is the op with its scalar (AddScalar: x + s, MulScalar: x * s,
// PowScalar: x^s; others ignore s). Assigns.
inline void unary_forward(UnaryOp op, const Array& x, double scalar, Array& y) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::unary_forward(op, x, scalar, y);
#endif
  require_cpu(x, "unary_forward");
  cpu::unary_forward(op, x, scalar, y);
}
// grad_x += f'(x) * grad_y. `y` is the forward output (sigmoid/tanh/exp use it). Accumulates.
inline void unary_backward(UnaryOp op, const Array& x, const Array& y, double scalar,
                           const Array& grad_y, Array& grad_x) {
#ifdef DNAGRAD_WITH_CUDA
  if (x.device().is_cuda()) return cuda::unary_backward(op, x, y, scalar, grad_y, grad_x);
#endif
  require_cpu(x, "unary_backward");
  cpu::unary_backward(op, x, y, scalar, grad_y, grad_x);
}
// dst += alpha * src, same number of elements. Accumulates. Both of one type, or dst float64
// and src float32: each element is widened before the multiply, so a float64 running sum of
// float32 values (the trainer's epoch loss) is kept on the device without losing digits.
inline void accumulate(Array& dst, const Array& src, double alpha = 1.0) {
#ifdef DNAGRAD_WITH_CUDA
  if (dst.device().is_cuda()) return cuda::accumulate(dst, src, alpha);
#endif
  require_cpu(dst, "accumulate");
  cpu::accumulate(dst, src, alpha);
}
// dst += a * b elementwise, all the same number of elements. Accumulates.
inline void accumulate_product(Array& dst, const Array& a, const Array& b) {
#ifdef DNAGRAD_WITH_CUDA
  if (dst.device().is_cuda()) return cuda::accumulate_product(dst, a, b);
#endif
  require_cpu(dst, "accumulate_product");
  cpu::accumulate_product(dst, a, b);
}

}  // namespace dnagrad::kernels
