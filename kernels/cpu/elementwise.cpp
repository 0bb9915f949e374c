// Elementwise arithmetic on the CPU: broadcasting binary ops (add, sub, mul, div), unary ops and
// activations, and the two accumulation helpers the backward rules use.
//
// Shapes: a and b broadcast NumPy-style (aligned from the right, extent 1 stretches) to out's
// shape; unary ops keep x's shape.
// Forward functions ASSIGN out / y. Backward functions, accumulate and accumulate_product ADD (+=).
//
// Broadcasting works through strides: seen from out's index space, each input has the strides of
// its own layout with 0 along the dimensions where it has extent 1, so out element o reads
// a[offset_a(o)] and b[offset_b(o)]. An input's gradient is the per-element term on out's shape
// summed (in double) over the dimensions that input was stretched along.

#include "kernels/elementwise.h"

#include <Eigen/Core>
#include <cmath>
#include <memory>

#include "kernels/checks.h"
#include "kernels/cpu/parallel.h"
#include "kernels/layout.h"

namespace dnagrad::kernels::cpu {

namespace {

template <class T>
using Vec = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstVec = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// Runs run(f) with f the scalar function of `op`, so each op gets its own compiled loop.
template <class Run>
void visit_binary(BinaryOp op, Run&& run) {
  switch (op) {
    case BinaryOp::Add:
      return run([](auto x, auto y) { return x + y; });
    case BinaryOp::Sub:
      return run([](auto x, auto y) { return x - y; });
    case BinaryOp::Mul:
      return run([](auto x, auto y) { return x * y; });
    case BinaryOp::Div:
      return run([](auto x, auto y) { return x / y; });
  }
}

// out's shape with each input's strides into it (0 along broadcast dimensions), simplified by
// broadcast_walk (kernels/layout.h): extent-1 dimensions dropped and neighbours merged where both
// inputs walk them contiguously, e.g. [N, C, L] + [C, L] becomes [N, C*L] with strides (C*L, 1)
// and (0, 1).
struct BroadcastPlan {
  Shape shape;
  std::vector<int64_t> stride_a, stride_b;
  int64_t numel = 0;
};

BroadcastPlan make_plan(const Shape& a, const Shape& b, const Shape& out) {
  BroadcastPlan plan;
  plan.numel = shape_numel(out);
  for (const BroadcastDim& d : broadcast_walk(a, b, out)) {
    plan.shape.push_back(d.extent);
    plan.stride_a.push_back(d.a);
    plan.stride_b.push_back(d.b);
  }
  if (plan.shape.empty()) plan = {{1}, {0}, {0}, plan.numel};
  return plan;
}

// Calls body(o, ia, ib) for every element o of out with its offsets ia into a and ib into b.
// Rows of the innermost dimension are cut into kChunk pieces, the unit of parallel work.
template <class Body>
void for_each_broadcast(const BroadcastPlan& plan, Body&& body) {
  if (plan.numel == 0) return;
  const int64_t ndim = static_cast<int64_t>(plan.shape.size());
  const int64_t inner = plan.shape.back();
  const int64_t step_a = plan.stride_a.back(), step_b = plan.stride_b.back();
  const int64_t pieces_per_row = (inner + kChunk - 1) / kChunk;
  const int64_t rows = plan.numel / inner;
  parallel_for(rows * pieces_per_row, std::min(inner, kChunk), [&](int64_t task) {
    const int64_t row = task / pieces_per_row;
    const int64_t begin = (task % pieces_per_row) * kChunk, end = std::min(inner, begin + kChunk);
    int64_t ia = 0, ib = 0, rest = row;
    for (int64_t d = ndim - 2; d >= 0; --d) {
      const int64_t index = rest % plan.shape[d];
      rest /= plan.shape[d];
      ia += index * plan.stride_a[d];
      ib += index * plan.stride_b[d];
    }
    const int64_t o = row * inner;
    for (int64_t i = begin; i < end; ++i) body(o + i, ia + i * step_a, ib + i * step_b);
  });
}

// grad [in_shape] += full [out_shape] summed over the dimensions where in_shape has extent 1
// and out_shape does not. Each gradient element sums its own positions in double, in order.
template <class T>
void sum_to_shape(const T* full, const Shape& out_shape, const Shape& in_shape, T* grad) {
  const size_t ndim = out_shape.size();
  Shape in_padded(ndim - in_shape.size(), 1);
  in_padded.insert(in_padded.end(), in_shape.begin(), in_shape.end());
  const std::vector<int64_t> out_strides = contiguous_strides(out_shape);
  // Offsets in `full` of every combination of the summed dimensions, innermost fastest.
  std::vector<int64_t> summed_offsets{0};
  for (size_t d = 0; d < ndim; ++d) {
    if (in_padded[d] != 1 || out_shape[d] == 1) continue;
    std::vector<int64_t> longer;
    longer.reserve(summed_offsets.size() * out_shape[d]);
    for (int64_t base : summed_offsets)
      for (int64_t k = 0; k < out_shape[d]; ++k) longer.push_back(base + k * out_strides[d]);
    summed_offsets = std::move(longer);
  }
  const int64_t n_summed = static_cast<int64_t>(summed_offsets.size());
  parallel_for(shape_numel(in_shape), n_summed, [&](int64_t j) {
    int64_t base = 0, rest = j;
    for (size_t d = ndim; d-- > 0;) {
      base += (rest % in_padded[d]) * out_strides[d];
      rest /= in_padded[d];
    }
    double total = 0;
    for (int64_t off : summed_offsets) total += full[base + off];
    grad[j] += static_cast<T>(total);
  });
}

// grad [in_shape] += term(g, a, b) evaluated on out's shape and summed back to in_shape.
template <class T, class Term>
void add_broadcast_grad(const BroadcastPlan& plan, const Shape& out_shape, const T* g, const T* a,
                        const T* b, const Shape& in_shape, T* grad, Term term) {
  if (shape_numel(in_shape) == plan.numel) {  // this input was not stretched: add in place
    for_each_broadcast(
        plan, [&](int64_t o, int64_t ia, int64_t ib) { grad[o] += term(g[o], a[ia], b[ib]); });
    return;
  }
  const std::unique_ptr<T[]> full(new T[plan.numel]);  // every element is assigned below
  for_each_broadcast(
      plan, [&](int64_t o, int64_t ia, int64_t ib) { full[o] = term(g[o], a[ia], b[ib]); });
  sum_to_shape(full.get(), out_shape, in_shape, grad);
}

// x^exponent through std::pow, exactly as PyTorch's CPU kernel computes it.
template <class T>
struct Pow {
  T exponent;
  T operator()(T v) const { return std::pow(v, exponent); }
};

// y = 1 / (1 + e^-x) without overflow: with e = e^-|x|, y = 1/(1+e) for x >= 0, e/(1+e) below.
template <class T>
void sigmoid_chunk(const ConstVec<T>& x, Vec<T>& y) {
  const Eigen::Array<T, Eigen::Dynamic, 1> e = (-x.abs()).exp();
  const Eigen::Array<T, Eigen::Dynamic, 1> r = T(1) / (T(1) + e);
  y = (x >= T(0)).select(r, e * r);
}

}  // namespace

void binary_forward(BinaryOp op, const Array& a, const Array& b, Array& out) {
  const char* name = binary_name(op);
  const Shape shape = check_binary_forward(name, a, b, out);
  dispatch_float(a.dtype(), name, [&]<class T>() {
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* po = out.data<T>();
    visit_binary(op, [&](auto f) {
      if (a.shape() == b.shape()) {  // the common case: one contiguous loop
        parallel_chunks(out.numel(), [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i], pb[i]);
        });
      } else {
        for_each_broadcast(make_plan(a.shape(), b.shape(), shape),
                           [&](int64_t o, int64_t ia, int64_t ib) { po[o] = f(pa[ia], pb[ib]); });
      }
    });
  });
}

// d(a+b) = (g, g); d(a-b) = (g, -g); d(a*b) = (g*b, g*a); d(a/b) = (g/b, -g*a/b^2).
void binary_backward(BinaryOp op, const Array& a, const Array& b, const Array& grad_out,
                     Array* grad_a, Array* grad_b) {
  const std::string name = cat(binary_name(op), " backward");
  const Shape shape = check_binary_backward(name.c_str(), a, b, grad_out, grad_a, grad_b);
  dispatch_float(a.dtype(), name.c_str(), [&]<class T>() {
    const BroadcastPlan plan = make_plan(a.shape(), b.shape(), shape);
    const T* g = grad_out.data<T>();
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    auto add_grad = [&](Array* grad, const Shape& in_shape, auto term) {
      if (grad) add_broadcast_grad(plan, shape, g, pa, pb, in_shape, grad->data<T>(), term);
    };
    switch (op) {
      case BinaryOp::Add:
        add_grad(grad_a, a.shape(), [](T gv, T, T) { return gv; });
        add_grad(grad_b, b.shape(), [](T gv, T, T) { return gv; });
        break;
      case BinaryOp::Sub:
        add_grad(grad_a, a.shape(), [](T gv, T, T) { return gv; });
        add_grad(grad_b, b.shape(), [](T gv, T, T) { return -gv; });
        break;
      case BinaryOp::Mul:
        add_grad(grad_a, a.shape(), [](T gv, T, T bv) { return gv * bv; });
        add_grad(grad_b, b.shape(), [](T gv, T av, T) { return gv * av; });
        break;
      case BinaryOp::Div:
        add_grad(grad_a, a.shape(), [](T gv, T, T bv) { return gv / bv; });
        add_grad(grad_b, b.shape(), [](T gv, T av, T bv) { return -gv * av / (bv * bv); });
        break;
    }
  });
}

void unary_forward(UnaryOp op, const Array& x, double scalar, Array& y) {
  const char* name = unary_name(op);
  check_unary_forward(name, x, y);
  dispatch_float(x.dtype(), name, [&]<class T>() {
    const T s = static_cast<T>(scalar);
    parallel_chunks(x.numel(), [&](int64_t begin, int64_t end) {
      const ConstVec<T> in(x.data<T>() + begin, end - begin);
      Vec<T> out(y.data<T>() + begin, end - begin);
      switch (op) {
        case UnaryOp::Neg:
          out = -in;
          break;
        case UnaryOp::AddScalar:
          out = in + s;
          break;
        case UnaryOp::MulScalar:
          out = in * s;
          break;
        case UnaryOp::PowScalar:
          out = in.unaryExpr(Pow<T>{s});
          break;
        case UnaryOp::Exp:
          out = in.exp();
          break;
        case UnaryOp::Log:
          out = in.log();
          break;
        case UnaryOp::ReLU:
          out = (in < T(0)).select(T(0), in);
          break;  // NaN stays NaN
        case UnaryOp::Sigmoid:
          sigmoid_chunk(in, out);
          break;
        case UnaryOp::Tanh:
          out = in.tanh();
          break;
      }
    });
  });
}

// f'(x): neg -1, add_scalar 1, mul_scalar s, pow_scalar s*x^(s-1) (0 when s = 0, as in PyTorch),
// exp y, log 1/x, relu [x > 0] (0 at x = 0), sigmoid y(1-y), tanh 1-y^2.
void unary_backward(UnaryOp op, const Array& x, const Array& y, double scalar, const Array& grad_y,
                    Array& grad_x) {
  const std::string name = cat(unary_name(op), " backward");
  const bool needs_output = check_unary_backward(name.c_str(), op, x, y, grad_y, grad_x);
  if (op == UnaryOp::PowScalar && scalar == 0) return;
  dispatch_float(x.dtype(), name.c_str(), [&]<class T>() {
    const T s = static_cast<T>(scalar);
    parallel_chunks(x.numel(), [&](int64_t begin, int64_t end) {
      const int64_t len = end - begin;
      const ConstVec<T> in(x.data<T>() + begin, len), gy(grad_y.data<T>() + begin, len);
      const ConstVec<T> out(needs_output ? y.data<T>() + begin : nullptr, needs_output ? len : 0);
      Vec<T> gx(grad_x.data<T>() + begin, len);
      switch (op) {
        case UnaryOp::Neg:
          gx -= gy;
          break;
        case UnaryOp::AddScalar:
          gx += gy;
          break;
        case UnaryOp::MulScalar:
          gx += s * gy;
          break;
        case UnaryOp::PowScalar:
          gx += s * in.unaryExpr(Pow<T>{s - T(1)}) * gy;
          break;
        case UnaryOp::Exp:
          gx += gy * out;
          break;
        case UnaryOp::Log:
          gx += gy / in;
          break;
        case UnaryOp::ReLU:
          gx += (in > T(0)).select(gy, T(0));
          break;
        case UnaryOp::Sigmoid:
          gx += gy * out * (T(1) - out);
          break;
        case UnaryOp::Tanh:
          gx += gy * (T(1) - out.square());
          break;
      }
    });
  });
}

void accumulate(Array& dst, const Array& src, double alpha) {
  check_accumulate(dst, src);
  if (dst.dtype() != src.dtype()) {  // float64 += float32: widen, then multiply in double
    parallel_chunks(dst.numel(), [&](int64_t begin, int64_t end) {
      Vec<double> d(dst.data<double>() + begin, end - begin);
      const ConstVec<float> s(src.data<float>() + begin, end - begin);
      d += alpha * s.cast<double>();
    });
    return;
  }
  dispatch_float(dst.dtype(), "accumulate", [&]<class T>() {
    const T scale = static_cast<T>(alpha);
    parallel_chunks(dst.numel(), [&](int64_t begin, int64_t end) {
      Vec<T> d(dst.data<T>() + begin, end - begin);
      const ConstVec<T> s(src.data<T>() + begin, end - begin);
      if (alpha == 1.0)
        d += s;
      else
        d += scale * s;
    });
  });
}

void accumulate_product(Array& dst, const Array& a, const Array& b) {
  check_accumulate_product(dst, a, b);
  dispatch_float(dst.dtype(), "accumulate_product", [&]<class T>() {
    parallel_chunks(dst.numel(), [&](int64_t begin, int64_t end) {
      Vec<T> d(dst.data<T>() + begin, end - begin);
      const ConstVec<T> pa(a.data<T>() + begin, end - begin), pb(b.data<T>() + begin, end - begin);
      d += pa * pb;
    });
  });
}

}  // namespace dnagrad::kernels::cpu
