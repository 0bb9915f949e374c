// The graph. Every op that runs while gradients are enabled and has at least one input that
// requires a gradient records a Node: which op it was, its inputs, the arrays its backward rule
// will need ("saved"), and the op's settings ("attrs"). The output Tensor points at the Node
// (grad_fn); the Node points at its inputs. backward() walks these links in reverse.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "autograd/tensor.h"

namespace dnagrad {

// Every differentiable op. Keep in sync with op_name() and the rule table (backward_rules.cpp);
// a static_assert there checks the count.
enum class Op : uint8_t {
  Add, Sub, Mul, Div,                              // broadcasting binary arithmetic
  Neg, AddScalar, MulScalar, PowScalar, Exp, Log,  // unary arithmetic
  ReLU, Sigmoid, Tanh,                             // activations
  Softmax, LogSoftmax, Dropout,
  MatMul, Linear,
  Conv1d, BatchNorm1d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d,
  Reshape, Permute,
  Sum, Mean,
  MSELoss, BCEWithLogits, CrossEntropy,
  Count  // not an op: the number of ops
};

const char* op_name(Op op);

// Op settings a backward rule needs. Each op uses the fields named beside it.
struct Attrs {
  int64_t kernel = 0, stride = 1, padding = 0, dilation = 1;  // Conv1d, pooling
  int64_t dim = -1;          // Softmax, LogSoftmax; Sum/Mean (-1 with all_dims = every dim)
  bool all_dims = false;     // Sum, Mean over every element
  bool keepdim = false;      // Sum, Mean
  bool flag = false;         // BatchNorm1d: training; AvgPool1d: count_include_pad
  double scalar = 0;         // AddScalar/MulScalar/PowScalar operand; BatchNorm1d eps
  int reduction = 1;         // losses: kernels::Reduction as int
  std::vector<int64_t> perm; // Permute
};

struct Node {
  Op op;
  std::vector<std::shared_ptr<TensorImpl>> inputs;  // in the op's argument order
  std::vector<Array> saved;                         // what the rule needs, documented per op
  Attrs attrs;
  Shape out_shape;
  DType out_dtype = DType::F32;
  bool released = false;  // set after backward ran through it (saved arrays freed)
};

}  // namespace dnagrad
