// Matrix products and the fully connected layer on the CPU, through Eigen's GEMM (which uses the
// OpenMP threads set by set_num_threads). Our arrays are row-major, so each one is an Eigen Map of
// a RowMajor matrix over the same memory; nothing is copied.
//
// Legend: c [M, P] = op(a) [M, K] · op(b) [K, P]; linear: x [N, I], weight [O, I], bias [O],
// y [N, O].
// matmul ASSIGNS c (or ADDS to it with accumulate = true); linear_forward ASSIGNS y;
// linear_backward ADDS to every gradient it is given.
#include "kernels/matmul.h"

#include <Eigen/Core>

#include "kernels/checks.h"

namespace dnagrad::kernels::cpu {

namespace {

template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatrixMap = Eigen::Map<RowMatrix<T>>;
template <class T>
using ConstMatrixMap = Eigen::Map<const RowMatrix<T>>;
template <class T>
using RowVectorMap = Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>;
template <class T>
using ConstRowVectorMap = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;

template <class T>
ConstMatrixMap<T> as_matrix(const Array& a) {
  return ConstMatrixMap<T>(a.data<T>(), a.size(0), a.size(1));
}

template <class T>
MatrixMap<T> as_mutable_matrix(Array& a) {
  return MatrixMap<T>(a.data<T>(), a.size(0), a.size(1));
}

}  // namespace

void matmul(const Array& a, const Array& b, Array& c, bool trans_a, bool trans_b, bool accumulate) {
  check_matmul(a, b, c, trans_a, trans_b);
  dispatch_float(a.dtype(), "matmul", [&]<class T>() {
    const ConstMatrixMap<T> A = as_matrix<T>(a), B = as_matrix<T>(b);
    MatrixMap<T> C = as_mutable_matrix<T>(c);
    auto product = [&](const auto& lhs, const auto& rhs) {
      if (accumulate)
        C.noalias() += lhs * rhs;
      else
        C.noalias() = lhs * rhs;
    };
    if (trans_a && trans_b)
      product(A.transpose(), B.transpose());
    else if (trans_a)
      product(A.transpose(), B);
    else if (trans_b)
      product(A, B.transpose());
    else
      product(A, B);
  });
}

// y = x W^T (+ bias on every row).
void linear_forward(const Array& x, const Array& weight, const Array& bias, Array& y) {
  check_linear_forward(x, weight, bias, y);
  const int64_t out_features = weight.size(0);
  dispatch_float(x.dtype(), "linear", [&]<class T>() {
    MatrixMap<T> Y = as_mutable_matrix<T>(y);
    Y.noalias() = as_matrix<T>(x) * as_matrix<T>(weight).transpose();  // [N, O]
    if (bias.defined()) Y.rowwise() += ConstRowVectorMap<T>(bias.data<T>(), out_features);
  });
}

// dx = g W [N, I], dW = g^T x [O, I], db = column sums of g [O] (summed in double).
void linear_backward(const Array& grad_y, const Array& x, const Array& weight, Array* grad_x,
                     Array* grad_weight, Array* grad_bias) {
  check_linear_backward(grad_y, x, weight, grad_x, grad_weight, grad_bias);
  const int64_t out_features = weight.size(0);
  dispatch_float(x.dtype(), "linear backward", [&]<class T>() {
    const ConstMatrixMap<T> G = as_matrix<T>(grad_y);
    if (grad_x) as_mutable_matrix<T>(*grad_x).noalias() += G * as_matrix<T>(weight);
    if (grad_weight)
      as_mutable_matrix<T>(*grad_weight).noalias() += G.transpose() * as_matrix<T>(x);
    if (grad_bias) {
      const Eigen::Matrix<double, 1, Eigen::Dynamic> sums =
          G.template cast<double>().colwise().sum();
      RowVectorMap<T>(grad_bias->data<T>(), out_features) += sums.template cast<T>();
    }
  });
}

}  // namespace dnagrad::kernels::cpu
