// Version 0 of Conv1d (see conv1d.h): the definition, looped.
#include "kernels/reference/conv1d.h"

#include <vector>

#include "kernels/reference/common.h"

namespace dnagrad::kernels::reference {

namespace {

// The input index that output t reads through tap k, or -1 when it falls in the padding.
int64_t tap_index(int64_t t, int64_t k, int64_t len_in, const Conv1dParams& p) {
  const int64_t i = t * p.stride + k * p.dilation - p.padding;
  return i >= 0 && i < len_in ? i : -1;
}

}  // namespace

void conv1d_forward(const Array& x, const Array& weight, const Array& bias, Array& y,
                    const Conv1dParams& p) {
  const int64_t n_batch = x.size(0), c_in = x.size(1), len_in = x.size(2);
  const int64_t c_out = weight.size(0), kernel = weight.size(2);
  const int64_t len_out = p.out_length(len_in, kernel);
  require_output("conv1d_forward", "y", y, {n_batch, c_out, len_out});
  const std::vector<double> xv = x.to_vector(), wv = weight.to_vector();
  const std::vector<double> bv = bias.defined() ? bias.to_vector() : std::vector<double>(c_out);
  double* yv = y.data<double>();
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t o = 0; o < c_out; ++o)
      for (int64_t t = 0; t < len_out; ++t) {
        double sum = bv[o];
        for (int64_t c = 0; c < c_in; ++c)
          for (int64_t k = 0; k < kernel; ++k) {
            const int64_t i = tap_index(t, k, len_in, p);
            if (i >= 0) sum += wv[(o * c_in + c) * kernel + k] * xv[(n * c_in + c) * len_in + i];
          }
        yv[(n * c_out + o) * len_out + t] = sum;  // assigned
      }
}

void conv1d_backward_input(const Array& grad_y, const Array& weight, Array& grad_x,
                           const Conv1dParams& p) {
  const int64_t n_batch = grad_y.size(0), c_out = grad_y.size(1), len_out = grad_y.size(2);
  const int64_t c_in = weight.size(1), kernel = weight.size(2), len_in = grad_x.size(2);
  require_output("conv1d_backward_input", "grad_x", grad_x, {n_batch, c_in, len_in});
  const std::vector<double> gv = grad_y.to_vector(), wv = weight.to_vector();
  double* gx = grad_x.data<double>();
  // Each output element y[n, o, t] received weight[o, c, k] * x[n, c, i]: send its gradient back
  // along the same taps.
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t o = 0; o < c_out; ++o)
      for (int64_t t = 0; t < len_out; ++t)
        for (int64_t c = 0; c < c_in; ++c)
          for (int64_t k = 0; k < kernel; ++k) {
            const int64_t i = tap_index(t, k, len_in, p);
            if (i >= 0)  // accumulated
              gx[(n * c_in + c) * len_in + i] +=
                  wv[(o * c_in + c) * kernel + k] * gv[(n * c_out + o) * len_out + t];
          }
}

void conv1d_backward_weight(const Array& grad_y, const Array& x, Array& grad_weight,
                            const Conv1dParams& p) {
  const int64_t n_batch = x.size(0), c_in = x.size(1), len_in = x.size(2);
  const int64_t c_out = grad_y.size(1), len_out = grad_y.size(2), kernel = grad_weight.size(2);
  require_output("conv1d_backward_weight", "grad_weight", grad_weight, {c_out, c_in, kernel});
  const std::vector<double> gv = grad_y.to_vector(), xv = x.to_vector();
  double* gw = grad_weight.data<double>();
  for (int64_t o = 0; o < c_out; ++o)
    for (int64_t c = 0; c < c_in; ++c)
      for (int64_t k = 0; k < kernel; ++k) {
        double sum = 0;
        for (int64_t n = 0; n < n_batch; ++n)
          for (int64_t t = 0; t < len_out; ++t) {
            const int64_t i = tap_index(t, k, len_in, p);
            if (i >= 0) sum += xv[(n * c_in + c) * len_in + i] * gv[(n * c_out + o) * len_out + t];
          }
        gw[(o * c_in + c) * kernel + k] += sum;  // accumulated
      }
}

void conv1d_backward_bias(const Array& grad_y, Array& grad_bias) {
  const int64_t n_batch = grad_y.size(0), c_out = grad_y.size(1), len_out = grad_y.size(2);
  require_output("conv1d_backward_bias", "grad_bias", grad_bias, {c_out});
  const std::vector<double> gv = grad_y.to_vector();
  double* gb = grad_bias.data<double>();
  for (int64_t o = 0; o < c_out; ++o) {
    double sum = 0;
    for (int64_t n = 0; n < n_batch; ++n)
      for (int64_t t = 0; t < len_out; ++t) sum += gv[(n * c_out + o) * len_out + t];
    gb[o] += sum;  // accumulated
  }
}

}  // namespace dnagrad::kernels::reference
