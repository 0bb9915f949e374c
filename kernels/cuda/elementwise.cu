// Elementwise arithmetic on the GPU: the CUDA twins of kernels/cpu/elementwise.cpp, with the
// same contracts as kernels/elementwise.h:
//   binary_forward, unary_forward                      ASSIGN out / y;
//   binary_backward, unary_backward, accumulate,
//   accumulate_product                                 ACCUMULATE (+=) into their destination.
//
// Shapes: a and b broadcast NumPy-style (aligned from the right, extent 1 stretches) to out's
// shape; unary ops keep x's shape.
//
// Broadcasting works through strides, as on the CPU: seen from out's index space, each input has
// the strides of its own layout with 0 along the dimensions where it has extent 1. A Walk lists
// dimensions with the stride of out, a and b along each; extent-1 dimensions are dropped and
// neighbours merged where all three continue contiguously ([N, C, L] + [C, L] walks as
// [N, C*L] with strides out (C*L, 1), a (C*L, 1), b (0, 1)). Each kernel thread turns its flat
// index into the three offsets with one division per walked dimension but the outermost.
//
// Forward and the gradient of an input that was not stretched: one thread per element of out
// (grid-stride, 64-bit indices), each element written by one thread.
// Gradient of a stretched input (e.g. a bias [C, 1] added to [N, C, L]): grad[j] += the sum, over
// the dimensions the input was stretched along, of the per-element term on out's shape. The
// dimensions of out split into "kept" (the input's own, indexing j) and "summed" (indexing the
// terms k); segmented_sum.cuh adds the terms in double in an order fixed by the shapes alone (no
// floating-point atomics), so two runs give identical bits. The per-element term is computed in
// T before it joins the double sum, as on the CPU.
#include <string>

#include "kernels/checks.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/segmented_sum.cuh"
#include "kernels/elementwise.h"
#include "kernels/layout.h"

namespace dnagrad::kernels::cuda {

namespace {

// Runs f.template operator()<Op>() with Op the compile-time value of `op`, so each op gets its
// own kernel with no switch inside.
template <class F>
void visit_binary(BinaryOp op, F&& f) {
  switch (op) {
    case BinaryOp::Add:
      return f.template operator()<BinaryOp::Add>();
    case BinaryOp::Sub:
      return f.template operator()<BinaryOp::Sub>();
    case BinaryOp::Mul:
      return f.template operator()<BinaryOp::Mul>();
    case BinaryOp::Div:
      return f.template operator()<BinaryOp::Div>();
  }
}

template <class F>
void visit_unary(UnaryOp op, F&& f) {
  switch (op) {
    case UnaryOp::Neg:
      return f.template operator()<UnaryOp::Neg>();
    case UnaryOp::AddScalar:
      return f.template operator()<UnaryOp::AddScalar>();
    case UnaryOp::MulScalar:
      return f.template operator()<UnaryOp::MulScalar>();
    case UnaryOp::PowScalar:
      return f.template operator()<UnaryOp::PowScalar>();
    case UnaryOp::Exp:
      return f.template operator()<UnaryOp::Exp>();
    case UnaryOp::Log:
      return f.template operator()<UnaryOp::Log>();
    case UnaryOp::ReLU:
      return f.template operator()<UnaryOp::ReLU>();
    case UnaryOp::Sigmoid:
      return f.template operator()<UnaryOp::Sigmoid>();
    case UnaryOp::Tanh:
      return f.template operator()<UnaryOp::Tanh>();
  }
}

#define GRID_STRIDE(i, total)                                                   \
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < (total); \
       i += int64_t{gridDim.x} * blockDim.x)

// ---- walking broadcast shapes ----

// Dimensions a walk may have after dropping extent 1 and merging; more fails loudly.
constexpr int kMaxDims = 12;

// Dimensions (outermost first), each with its extent and the stride of out, a and b along it.
struct Walk {
  int ndim = 0;
  int64_t extent[kMaxDims] = {};
  int64_t out[kMaxDims] = {}, a[kMaxDims] = {}, b[kMaxDims] = {};
};

struct Offsets {
  int64_t out = 0, a = 0, b = 0;
};

// Adds to `at` the offsets of flat index i (row-major over w's extents; i < their product).
__device__ inline void advance(const Walk& w, int64_t i, Offsets& at) {
  for (int d = w.ndim - 1; d > 0; --d) {
    const int64_t index = i % w.extent[d];
    i /= w.extent[d];
    at.out += index * w.out[d];
    at.a += index * w.a[d];
    at.b += index * w.b[d];
  }
  if (w.ndim > 0) {  // what is left of i is the outermost index: no division needed
    at.out += i * w.out[0];
    at.a += i * w.a[0];
    at.b += i * w.b[0];
  }
}

// The Walk of dims (from kernels/layout.h); more than kMaxDims fails loudly.
Walk to_walk(const std::vector<BroadcastDim>& dims, const char* op, const Shape& a,
             const Shape& b) {
  DNAGRAD_CHECK(dims.size() <= static_cast<size_t>(kMaxDims), op,
                ": the CUDA kernel handles at most ", kMaxDims,
                " broadcast dimensions (after merging neighbours and dropping extent 1), got ",
                shape_str(a), " and ", shape_str(b));
  Walk w;
  for (const BroadcastDim& d : dims) {
    w.extent[w.ndim] = d.extent;
    w.out[w.ndim] = d.out;
    w.a[w.ndim] = d.a;
    w.b[w.ndim] = d.b;
    ++w.ndim;
  }
  return w;
}

// The walk over all of out.
Walk broadcast_walk(const Shape& a, const Shape& b, const Shape& out, const char* op) {
  return to_walk(kernels::broadcast_walk(a, b, out), op, a, b);
}

// For the gradient of the input of shape `in` (a or b): the walks over out's `kept` and `summed`
// dimensions (split_broadcast_walk in kernels/layout.h). Returns the number of terms per
// gradient element.
int64_t split_walk(const Shape& in, const Shape& a, const Shape& b, const Shape& out,
                   const char* op, Walk& kept, Walk& summed) {
  std::vector<BroadcastDim> kept_dims, summed_dims;
  const int64_t terms = split_broadcast_walk(in, a, b, out, kept_dims, summed_dims);
  kept = to_walk(kept_dims, op, a, b);
  summed = to_walk(summed_dims, op, a, b);
  return terms;
}

// ---- binary ops ----

template <BinaryOp Op, class T>
__device__ inline T binary_apply(T x, T y) {
  if constexpr (Op == BinaryOp::Add)
    return x + y;
  else if constexpr (Op == BinaryOp::Sub)
    return x - y;
  else if constexpr (Op == BinaryOp::Mul)
    return x * y;
  else
    return x / y;
}

// The per-element gradient term of input `Input` (0: a, 1: b), given g = dL/dout:
// d(a+b) = (g, g); d(a-b) = (g, -g); d(a*b) = (g*b, g*a); d(a/b) = (g/b, -g*a/b^2).
template <BinaryOp Op, int Input, class T>
__device__ inline T binary_grad_term(T g, T a, T b) {
  if constexpr (Op == BinaryOp::Add) {
    return g;
  } else if constexpr (Op == BinaryOp::Sub) {
    if constexpr (Input == 0)
      return g;
    else
      return -g;
  } else if constexpr (Op == BinaryOp::Mul) {
    if constexpr (Input == 0)
      return g * b;
    else
      return g * a;
  } else {
    if constexpr (Input == 0)
      return g / b;
    else
      return -g * a / (b * b);
  }
}

// out [walk] = a op b. Assigns. (a and b of the same shape walk as one contiguous dimension.)
template <class T, BinaryOp Op>
__global__ void binary_forward_kernel(const T* __restrict__ a, const T* __restrict__ b,
                                      T* __restrict__ out, int64_t n, Walk w) {
  GRID_STRIDE(o, n) {
    Offsets at;
    advance(w, o, at);
    out[o] = binary_apply<Op>(a[at.a], b[at.b]);
  }
}

// grad [out's shape] += term(g, a, b) for the input that was not stretched: it has out's
// element count and layout, so its index is out's index o. Accumulates.
template <class T, BinaryOp Op, int Input>
__global__ void binary_grad_in_place(const T* __restrict__ g, const T* __restrict__ a,
                                     const T* __restrict__ b, T* grad, int64_t n, Walk w) {
  GRID_STRIDE(o, n) {
    Offsets at;
    advance(w, o, at);
    grad[o] += binary_grad_term<Op, Input>(g[o], a[at.a], b[at.b]);
  }
}

// grad [input's shape] += term(g, a, b) summed over the stretched dimensions: a segmented_sum
// job whose output j is the input's element j and whose term k walks the summed dimensions.
template <class T, BinaryOp Op, int Input>
struct BroadcastGradJob {
  const T* g;
  const T* a;
  const T* b;
  T* grad;
  Walk kept, summed;

  __device__ Offsets base(int64_t j) const {
    Offsets at;
    advance(kept, j, at);
    return at;
  }
  __device__ double term(const Offsets& base, int64_t k) const {
    Offsets at = base;
    advance(summed, k, at);
    return double(binary_grad_term<Op, Input>(g[at.out], a[at.a], b[at.b]));
  }
  __device__ void finish(int64_t j, double total) const { grad[j] += static_cast<T>(total); }
};

// Adds input Input's gradient into `grad` (see the file comment for the two cases).
template <class T, BinaryOp Op, int Input>
void add_input_grad(const char* name, const Array& a, const Array& b, const Array& grad_out,
                    Array& grad) {
  const Shape& out_shape = grad_out.shape();
  const Shape& in_shape = Input == 0 ? a.shape() : b.shape();
  const int64_t n = grad_out.numel();
  if (shape_numel(in_shape) == n) {  // not stretched: add in place
    if (n == 0) return;
    launch(binary_grad_in_place<T, Op, Input>, blocks_for(n), kThreads, 0, "binary_grad_in_place",
           name)(grad_out.data<T>(), a.data<T>(), b.data<T>(), grad.data<T>(), n,
                 broadcast_walk(a.shape(), b.shape(), out_shape, name));
    return;
  }
  BroadcastGradJob<T, Op, Input> job{grad_out.data<T>(), a.data<T>(), b.data<T>(),
                                     grad.data<T>(),     {},          {}};
  const int64_t terms =
      split_walk(in_shape, a.shape(), b.shape(), out_shape, name, job.kept, job.summed);
  segmented_sum(job, shape_numel(in_shape), terms, a.device(), name);
}

// ---- unary ops ----

// float/double overloads of the math functions, spelled out so each type gets its own.
__device__ inline float dev_exp(float v) { return expf(v); }
__device__ inline double dev_exp(double v) { return exp(v); }
__device__ inline float dev_log(float v) { return logf(v); }
__device__ inline double dev_log(double v) { return log(v); }
__device__ inline float dev_tanh(float v) { return tanhf(v); }
__device__ inline double dev_tanh(double v) { return tanh(v); }
__device__ inline float dev_pow(float v, float e) { return powf(v, e); }
__device__ inline double dev_pow(double v, double e) { return pow(v, e); }
__device__ inline float dev_abs(float v) { return fabsf(v); }
__device__ inline double dev_abs(double v) { return fabs(v); }

template <UnaryOp Op>
constexpr bool needs_output = Op == UnaryOp::Exp || Op == UnaryOp::Sigmoid || Op == UnaryOp::Tanh;

// f(v) with the op's scalar s (AddScalar: v + s, MulScalar: v * s, PowScalar: v^s).
template <UnaryOp Op, class T>
__device__ inline T unary_apply(T v, T s) {
  if constexpr (Op == UnaryOp::Neg) {
    return -v;
  } else if constexpr (Op == UnaryOp::AddScalar) {
    return v + s;
  } else if constexpr (Op == UnaryOp::MulScalar) {
    return v * s;
  } else if constexpr (Op == UnaryOp::PowScalar) {
    return dev_pow(v, s);
  } else if constexpr (Op == UnaryOp::Exp) {
    return dev_exp(v);
  } else if constexpr (Op == UnaryOp::Log) {
    return dev_log(v);
  } else if constexpr (Op == UnaryOp::ReLU) {
    return v < T(0) ? T(0) : v;  // NaN stays NaN
  } else if constexpr (Op == UnaryOp::Sigmoid) {
    // 1 / (1 + e^-v) without overflow: with e = e^-|v|, 1/(1+e) for v >= 0, e/(1+e) below.
    const T e = dev_exp(-dev_abs(v));
    const T r = T(1) / (T(1) + e);
    return v >= T(0) ? r : e * r;
  } else {
    return dev_tanh(v);
  }
}

// f'(x) * gy, the amount unary_backward adds to grad_x (y is the forward output):
// neg -1, add_scalar 1, mul_scalar s, pow_scalar s*x^(s-1), exp y, log 1/x, relu [x > 0]
// (0 at x = 0), sigmoid y(1-y), tanh 1-y^2. Written in the CPU's order of operations.
template <UnaryOp Op, class T>
__device__ inline T unary_grad(T x, T y, T s, T gy) {
  if constexpr (Op == UnaryOp::Neg) {
    return -gy;
  } else if constexpr (Op == UnaryOp::AddScalar) {
    return gy;
  } else if constexpr (Op == UnaryOp::MulScalar) {
    return s * gy;
  } else if constexpr (Op == UnaryOp::PowScalar) {
    return s * dev_pow(x, s - T(1)) * gy;
  } else if constexpr (Op == UnaryOp::Exp) {
    return gy * y;
  } else if constexpr (Op == UnaryOp::Log) {
    return gy / x;
  } else if constexpr (Op == UnaryOp::ReLU) {
    return x > T(0) ? gy : T(0);
  } else if constexpr (Op == UnaryOp::Sigmoid) {
    return gy * y * (T(1) - y);
  } else {
    return gy * (T(1) - y * y);
  }
}

// y = f(x). Assigns.
template <class T, UnaryOp Op>
__global__ void unary_forward_kernel(const T* __restrict__ x, T* __restrict__ y, T s, int64_t n) {
  GRID_STRIDE(e, n) { y[e] = unary_apply<Op>(x[e], s); }
}

// grad_x += f'(x) * grad_y. Accumulates. y is read only by the ops that need it (else null).
template <class T, UnaryOp Op>
__global__ void unary_backward_kernel(const T* __restrict__ x, const T* __restrict__ y, T s,
                                      const T* __restrict__ grad_y, T* __restrict__ grad_x,
                                      int64_t n) {
  GRID_STRIDE(e, n) {
    T out = T(0);
    if constexpr (needs_output<Op>) out = y[e];
    grad_x[e] += unary_grad<Op>(x[e], out, s, grad_y[e]);
  }
}

// ---- accumulation ----

// dst[i] += alpha * src[i], src widened to dst's type first (float -> double or none). Accumulates.
template <class T, class TSrc>
__global__ void accumulate_kernel(T* dst, const TSrc* src, T alpha, int64_t n) {
  GRID_STRIDE(i, n) { dst[i] += alpha * static_cast<T>(src[i]); }
}

// dst[i] += a[i] * b[i]. Accumulates.
template <class T>
__global__ void accumulate_product_kernel(T* dst, const T* __restrict__ a, const T* __restrict__ b,
                                          int64_t n) {
  GRID_STRIDE(i, n) { dst[i] += a[i] * b[i]; }
}

#undef GRID_STRIDE

}  // namespace

void binary_forward(BinaryOp op, const Array& a, const Array& b, Array& out) {
  const ScopedDevice on_device(a.device().index);
  const char* name = binary_name(op);
  const Shape shape = check_binary_forward(name, a, b, out);
  const int64_t n = out.numel();
  if (n == 0) return;
  const Walk walk = broadcast_walk(a.shape(), b.shape(), shape, name);
  dispatch_float(a.dtype(), name, [&]<class T>() {
    visit_binary(op, [&]<BinaryOp Op>() {
      launch(binary_forward_kernel<T, Op>, blocks_for(n), kThreads, 0, "binary_forward_kernel",
             name)(a.data<T>(), b.data<T>(), out.data<T>(), n, walk);
    });
  });
}

void binary_backward(BinaryOp op, const Array& a, const Array& b, const Array& grad_out,
                     Array* grad_a, Array* grad_b) {
  const ScopedDevice on_device(a.device().index);
  const std::string name = cat(binary_name(op), " backward");
  const Shape shape = check_binary_backward(name.c_str(), a, b, grad_out, grad_a, grad_b);
  dispatch_float(a.dtype(), name.c_str(), [&]<class T>() {
    visit_binary(op, [&]<BinaryOp Op>() {
      // a's gradient, then b's, in stream order (so even grad_a == grad_b is race-free).
      if (grad_a) add_input_grad<T, Op, 0>(name.c_str(), a, b, grad_out, *grad_a);
      if (grad_b) add_input_grad<T, Op, 1>(name.c_str(), a, b, grad_out, *grad_b);
    });
  });
}

void unary_forward(UnaryOp op, const Array& x, double scalar, Array& y) {
  const ScopedDevice on_device(x.device().index);
  const char* name = unary_name(op);
  check_unary_forward(name, x, y);
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_float(x.dtype(), name, [&]<class T>() {
    visit_unary(op, [&]<UnaryOp Op>() {
      launch(unary_forward_kernel<T, Op>, blocks_for(n), kThreads, 0, "unary_forward_kernel", name)(
          x.data<T>(), y.data<T>(), static_cast<T>(scalar), n);
    });
  });
}

void unary_backward(UnaryOp op, const Array& x, const Array& y, double scalar, const Array& grad_y,
                    Array& grad_x) {
  const ScopedDevice on_device(x.device().index);
  const std::string name = cat(unary_name(op), " backward");
  const bool needs_y = check_unary_backward(name.c_str(), op, x, y, grad_y, grad_x);
  if (op == UnaryOp::PowScalar && scalar == 0) return;  // d(x^0)/dx = 0, as in PyTorch
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_float(x.dtype(), name.c_str(), [&]<class T>() {
    const T* out = needs_y ? y.data<T>() : nullptr;
    visit_unary(op, [&]<UnaryOp Op>() {
      launch(unary_backward_kernel<T, Op>, blocks_for(n), kThreads, 0, "unary_backward_kernel",
             name.c_str())(x.data<T>(), out, static_cast<T>(scalar), grad_y.data<T>(),
                           grad_x.data<T>(), n);
    });
  });
}

void accumulate(Array& dst, const Array& src, double alpha) {
  const ScopedDevice on_device(dst.device().index);
  check_accumulate(dst, src);
  const int64_t n = dst.numel();
  if (n == 0) return;
  if (dst.dtype() != src.dtype()) {  // float64 += float32
    launch(accumulate_kernel<double, float>, blocks_for(n), kThreads, 0, "accumulate_kernel",
           "accumulate")(dst.data<double>(), src.data<float>(), alpha, n);
    return;
  }
  dispatch_float(dst.dtype(), "accumulate", [&]<class T>() {
    launch(accumulate_kernel<T, T>, blocks_for(n), kThreads, 0, "accumulate_kernel", "accumulate")(
        dst.data<T>(), src.data<T>(), static_cast<T>(alpha), n);
  });
}

void accumulate_product(Array& dst, const Array& a, const Array& b) {
  const ScopedDevice on_device(dst.device().index);
  check_accumulate_product(dst, a, b);
  const int64_t n = dst.numel();
  if (n == 0) return;
  dispatch_float(dst.dtype(), "accumulate_product", [&]<class T>() {
    launch(accumulate_product_kernel<T>, blocks_for(n), kThreads, 0, "accumulate_product_kernel",
           "accumulate_product")(dst.data<T>(), a.data<T>(), b.data<T>(), n);
  });
}

}  // namespace dnagrad::kernels::cuda
