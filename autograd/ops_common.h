// Private to autograd/: the helpers every forward op shares (ops.cpp, ops_layers.cpp). Each op
// checks its arguments with require_*, allocates its output with empty_like, runs the kernel, and
// hands the output to record(), which links a Node when a gradient will be needed.
#pragma once

#include <initializer_list>
#include <utility>
#include <vector>

#include "autograd/node.h"
#include "autograd/tensor.h"
#include "kernels/dispatch.h"

namespace dnagrad::ops_detail {

inline Array empty_like(const Array& a, const Shape& shape) {
  return Array::empty(shape, a.dtype(), a.device());
}

// Wraps `out` in a Tensor and, if any defined input requires a gradient (and gradients are
// enabled), links it to a new Node for `op`.
inline Tensor record(Array out, Op op, std::initializer_list<Tensor> inputs,
                     std::vector<Array> saved = {}, Attrs attrs = {}) {
  bool needs_grad = false;
  if (grad_enabled())
    for (const Tensor& t : inputs) needs_grad = needs_grad || (t.defined() && t.requires_grad());
  Tensor result(std::move(out), false);
  if (!needs_grad) return result;
  auto node = std::make_shared<Node>();
  node->op = op;
  for (const Tensor& t : inputs) node->inputs.push_back(t.defined() ? t.impl_ptr() : nullptr);
  node->saved = std::move(saved);
  node->attrs = std::move(attrs);
  node->out_shape = result.shape();
  node->out_dtype = result.dtype();
  result.impl()->grad_fn = std::move(node);
  result.impl()->requires_grad = true;
  return result;
}

inline void require_float(const Tensor& t, const char* op) {
  DNAGRAD_CHECK(t.defined(), op, ": got an undefined tensor");
  DNAGRAD_CHECK(t.dtype() != DType::I64, op, ": expected a float tensor, got ", t.data().desc());
}

inline void require_dims(const Tensor& t, int64_t ndim, const char* op, const char* legend) {
  DNAGRAD_CHECK(t.dim() == ndim, op, ": expected a ", ndim, "-D input ", legend, ", got ",
                t.data().desc());
}

inline void require_match(const Tensor& a, const Tensor& b, const char* op) {
  if (!b.defined()) return;
  kernels::require_same_device_dtype(op, a.data(), {&b.data()});
}

}  // namespace dnagrad::ops_detail
