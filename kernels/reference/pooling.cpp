// Version 0 of 1-D pooling (see pooling.h): the definitions, looped row by row.
#include "kernels/reference/pooling.h"

#include <cmath>
#include <vector>

#include "core/error.h"
#include "kernels/reference/common.h"

namespace dnagrad::kernels::reference {

namespace {

// The window of output t as indices into [0, len): the padding dropped.
std::vector<int64_t> window(int64_t t, int64_t len, const Pool1dParams& p) {
  std::vector<int64_t> indices;
  for (int64_t k = 0; k < p.kernel; ++k) {
    const int64_t i = t * p.stride - p.padding + k * p.dilation;
    if (i >= 0 && i < len) indices.push_back(i);
  }
  return indices;
}

double avg_divisor(const std::vector<int64_t>& window, const Pool1dParams& p) {
  return p.count_include_pad ? static_cast<double>(p.kernel) : static_cast<double>(window.size());
}

// Adaptive bin i of `out` over a row of `len`: [begin, end).
int64_t bin_begin(int64_t i, int64_t len, int64_t out) {
  return static_cast<int64_t>(std::floor(static_cast<double>(i * len) / static_cast<double>(out)));
}
int64_t bin_end(int64_t i, int64_t len, int64_t out) {
  return static_cast<int64_t>(
      std::ceil(static_cast<double>((i + 1) * len) / static_cast<double>(out)));
}

}  // namespace

void maxpool1d_forward(const Array& x, Array& y, Array& argmax, const Pool1dParams& p) {
  const int64_t rows = x.size(0) * x.size(1), len = x.size(2), len_out = p.out_length(len);
  const Shape y_shape{x.size(0), x.size(1), len_out};
  require_output("maxpool1d_forward", "y", y, y_shape);
  DNAGRAD_CHECK(
      argmax.dtype() == DType::I64 && argmax.device().is_cpu() && argmax.shape() == y_shape,
      "reference::maxpool1d_forward: argmax must be int64", shape_str(y_shape), " on cpu, got ",
      argmax.desc());
  const std::vector<double> xv = x.to_vector();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < len_out; ++t) {
      int64_t best = -1;
      for (int64_t i : window(t, len, p)) {
        const double v = xv[r * len + i];
        const bool best_is_nan = best >= 0 && std::isnan(xv[r * len + best]);
        if (best < 0 || (!best_is_nan && (v > xv[r * len + best] || std::isnan(v)))) best = i;
      }
      y.data<double>()[r * len_out + t] = xv[r * len + best];  // assigned
      argmax.data<int64_t>()[r * len_out + t] = best;
    }
}

void maxpool1d_backward(const Array& grad_y, const Array& argmax, Array& grad_x) {
  const int64_t rows = grad_y.size(0) * grad_y.size(1), len_out = grad_y.size(2);
  const int64_t len = grad_x.size(2);
  require_output("maxpool1d_backward", "grad_x", grad_x, grad_x.shape());
  const std::vector<double> gv = grad_y.to_vector(), arg = argmax.to_vector();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < len_out; ++t) {
      const auto i = static_cast<int64_t>(arg[r * len_out + t]);
      DNAGRAD_CHECK(i >= 0 && i < len, "reference::maxpool1d_backward: argmax ", i, " outside [0, ",
                    len, ")");
      grad_x.data<double>()[r * len + i] += gv[r * len_out + t];  // accumulated
    }
}

void avgpool1d_forward(const Array& x, Array& y, const Pool1dParams& p) {
  const int64_t rows = x.size(0) * x.size(1), len = x.size(2), len_out = p.out_length(len);
  require_output("avgpool1d_forward", "y", y, {x.size(0), x.size(1), len_out});
  const std::vector<double> xv = x.to_vector();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < len_out; ++t) {
      const std::vector<int64_t> w = window(t, len, p);
      double sum = 0;
      for (int64_t i : w) sum += xv[r * len + i];
      y.data<double>()[r * len_out + t] = sum / avg_divisor(w, p);  // assigned
    }
}

void avgpool1d_backward(const Array& grad_y, Array& grad_x, const Pool1dParams& p) {
  const int64_t rows = grad_y.size(0) * grad_y.size(1), len_out = grad_y.size(2);
  const int64_t len = grad_x.size(2);
  require_output("avgpool1d_backward", "grad_x", grad_x, grad_x.shape());
  const std::vector<double> gv = grad_y.to_vector();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < len_out; ++t) {
      const std::vector<int64_t> w = window(t, len, p);
      for (int64_t i : w)  // accumulated
        grad_x.data<double>()[r * len + i] += gv[r * len_out + t] / avg_divisor(w, p);
    }
}

void adaptive_avgpool1d_forward(const Array& x, Array& y) {
  const int64_t rows = x.size(0) * x.size(1), len = x.size(2), out = y.size(2);
  require_output("adaptive_avgpool1d_forward", "y", y, {x.size(0), x.size(1), out});
  const std::vector<double> xv = x.to_vector();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < out; ++i) {
      const int64_t begin = bin_begin(i, len, out), end = bin_end(i, len, out);
      double sum = 0;
      for (int64_t j = begin; j < end; ++j) sum += xv[r * len + j];
      y.data<double>()[r * out + i] = sum / static_cast<double>(end - begin);  // assigned
    }
}

void adaptive_avgpool1d_backward(const Array& grad_y, Array& grad_x) {
  const int64_t rows = grad_y.size(0) * grad_y.size(1), out = grad_y.size(2);
  const int64_t len = grad_x.size(2);
  require_output("adaptive_avgpool1d_backward", "grad_x", grad_x, grad_x.shape());
  const std::vector<double> gv = grad_y.to_vector();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < out; ++i) {
      const int64_t begin = bin_begin(i, len, out), end = bin_end(i, len, out);
      for (int64_t j = begin; j < end; ++j)  // accumulated
        grad_x.data<double>()[r * len + j] += gv[r * out + i] / static_cast<double>(end - begin);
    }
}

}  // namespace dnagrad::kernels::reference
