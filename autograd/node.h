// The graph. Every op that runs while gradients are enabled and has at least one input that
// requires a gradient records a Node: which op it was, its inputs, the arrays its backward rule
// will need ("saved"), and the op's settings ("attrs"). The output Tensor points at the Node
// (grad_fn); the Node points at its inputs. backward() walks these links in reverse.
#pragma once
#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "autograd/tensor.h"
#include "core/error.h"
#include "kernels/conv1d.h"
#include "kernels/losses.h"
#include "kernels/pooling.h"

namespace dnagrad {

// Every differentiable op. Keep in sync with op_name() and the rule table (backward_rules.cpp);
// a static_assert there checks the count.
// clang-format off
enum class Op : uint8_t {
  Add, Sub, Mul, Div,                              // broadcasting binary arithmetic
  Neg, AddScalar, MulScalar, PowScalar, Exp, Log,  // unary arithmetic
  ReLU, Sigmoid, Tanh,                             // activations
  Softmax, LogSoftmax, Dropout,
  MatMul, Linear,
  Conv1d, BatchNorm1d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d,
  BatchNormReluMaxPool1d,                          // the three in a row, fused
  Reshape, Permute,
  Sum, Mean,
  MSELoss, BCEWithLogits, CrossEntropy,
  Count  // not an op: the number of ops
};
// clang-format on

const char* op_name(Op op);

// The settings a backward rule needs: one named struct per op family. A Node holds the one of
// its op (ops without settings hold NoAttrs); a rule reads it with attrs_of<...>(node).
struct NoAttrs {};
struct ScalarAttrs {  // the unary ops: AddScalar/MulScalar/PowScalar's operand (0 for the others)
  double operand = 0;
};
struct SoftmaxAttrs {  // Softmax, LogSoftmax
  int64_t dim = 0;     // the normalised dimension, >= 0
};
struct ReduceAttrs {  // Sum, Mean
  int64_t dim = -1;   // the reduced dimension, or -1 for every element
  double scale = 1;   // y = scale * sum: 1 for Sum, 1 / count for Mean
};
struct ConvAttrs {  // Conv1d
  kernels::Conv1dParams params;
};
struct BatchNormAttrs {   // BatchNorm1d
  bool training = false;  // batch statistics (they depend on x) or running ones (constants)
};
struct PoolAttrs {  // MaxPool1d, AvgPool1d
  kernels::Pool1dParams params;
};
struct BnReluPoolAttrs {  // BatchNormReluMaxPool1d
  bool training = false;
  kernels::Pool1dParams pool;
};
struct PermuteAttrs {  // Permute
  std::vector<int64_t> perm;
};
struct LossAttrs {  // MSELoss, BCEWithLogits, CrossEntropy
  kernels::Reduction reduction = kernels::Reduction::Mean;
};
using Attrs = std::variant<NoAttrs, ScalarAttrs, SoftmaxAttrs, ReduceAttrs, ConvAttrs,
                           BatchNormAttrs, PoolAttrs, BnReluPoolAttrs, PermuteAttrs, LossAttrs>;

struct Node {
  Op op;
  std::vector<std::shared_ptr<TensorImpl>> inputs;  // in the op's argument order
  std::vector<Array> saved;                         // what the rule needs, documented per op
  Attrs attrs;
  Shape out_shape;
  DType out_dtype = DType::F32;
  bool released = false;  // set after backward ran through it (saved arrays freed)
};

// The settings of node n's op as the struct A; throws naming the op when it recorded another.
template <class A>
const A& attrs_of(const Node& n) {
  const A* a = std::get_if<A>(&n.attrs);
  DNAGRAD_CHECK(a != nullptr, "backward: op '", op_name(n.op),
                "' recorded other settings than its backward rule reads");
  return *a;
}

}  // namespace dnagrad
