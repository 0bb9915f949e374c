// Version 0 of BatchNorm (see batchnorm.h): the definition, looped channel by channel.
#include "kernels/reference/batchnorm.h"

#include <cmath>
#include <vector>

#include "kernels/reference/common.h"

namespace dnagrad::kernels::reference {

namespace {

// Extents of x [N, C, L] or [N, C] (L = 1) and the flat index of x[n, c, t].
struct Layout {
  int64_t n_batch, channels, len;
  explicit Layout(const Array& x)
      : n_batch(x.size(0)), channels(x.size(1)), len(x.dim() == 3 ? x.size(2) : 1) {}
  int64_t at(int64_t n, int64_t c, int64_t t) const { return (n * channels + c) * len + t; }
  int64_t count() const { return n_batch * len; }  // M, the values per channel
};

// A [C] parameter as doubles; `fill` where it is undefined (weight 1, bias 0).
std::vector<double> per_channel(const Array& a, int64_t channels, double fill) {
  return a.defined() ? a.to_vector() : std::vector<double>(channels, fill);
}

// y = (x - mean[c]) * invstd[c] * weight[c] + bias[c]. Assigns y.
void normalise(const Array& x, const std::vector<double>& mean, const std::vector<double>& invstd,
               const Array& weight, const Array& bias, Array& y) {
  const Layout s(x);
  require_output("batchnorm", "y", y, x.shape());
  const std::vector<double> xv = x.to_vector(), w = per_channel(weight, s.channels, 1),
                            b = per_channel(bias, s.channels, 0);
  double* yv = y.data<double>();
  for (int64_t n = 0; n < s.n_batch; ++n)
    for (int64_t c = 0; c < s.channels; ++c)
      for (int64_t t = 0; t < s.len; ++t) {
        const int64_t i = s.at(n, c, t);
        yv[i] = (xv[i] - mean[c]) * invstd[c] * w[c] + b[c];
      }
}

}  // namespace

void batchnorm_forward_train(const Array& x, const Array& weight, const Array& bias,
                             Array& running_mean, Array& running_var, double momentum, double eps,
                             Array& y, Array& save_mean, Array& save_invstd) {
  const Layout s(x);
  const std::vector<double> xv = x.to_vector();
  const double m = static_cast<double>(s.count());
  std::vector<double> mean(s.channels, 0.0), var(s.channels, 0.0), invstd(s.channels);
  for (int64_t c = 0; c < s.channels; ++c) {
    for (int64_t n = 0; n < s.n_batch; ++n)
      for (int64_t t = 0; t < s.len; ++t) mean[c] += xv[s.at(n, c, t)];
    mean[c] /= m;
    for (int64_t n = 0; n < s.n_batch; ++n)  // second pass: no cancellation
      for (int64_t t = 0; t < s.len; ++t) {
        const double d = xv[s.at(n, c, t)] - mean[c];
        var[c] += d * d;
      }
    var[c] /= m;
    invstd[c] = 1 / std::sqrt(var[c] + eps);
  }
  normalise(x, mean, invstd, weight, bias, y);

  require_output("batchnorm_forward_train", "save_mean", save_mean, {s.channels});
  require_output("batchnorm_forward_train", "save_invstd", save_invstd, {s.channels});
  for (int64_t c = 0; c < s.channels; ++c) {
    save_mean.data<double>()[c] = mean[c];
    save_invstd.data<double>()[c] = invstd[c];
  }
  if (!running_mean.defined()) return;  // statistics not tracked
  require_output("batchnorm_forward_train", "running_mean", running_mean, {s.channels});
  require_output("batchnorm_forward_train", "running_var", running_var, {s.channels});
  for (int64_t c = 0; c < s.channels; ++c) {
    double& rm = running_mean.data<double>()[c];
    double& rv = running_var.data<double>()[c];
    rm = (1 - momentum) * rm + momentum * mean[c];
    rv = (1 - momentum) * rv + momentum * var[c] * m / (m - 1);
  }
}

void batchnorm_forward_eval(const Array& x, const Array& weight, const Array& bias,
                            const Array& running_mean, const Array& running_var, double eps,
                            Array& y) {
  std::vector<double> invstd = running_var.to_vector();
  for (double& v : invstd) v = 1 / std::sqrt(v + eps);
  normalise(x, running_mean.to_vector(), invstd, weight, bias, y);
}

void batchnorm_backward(const Array& grad_y, const Array& x, const Array& weight, const Array& mean,
                        const Array& invstd, bool training, Array* grad_x, Array* grad_weight,
                        Array* grad_bias) {
  const Layout s(x);
  const std::vector<double> xv = x.to_vector(), gv = grad_y.to_vector(),
                            w = per_channel(weight, s.channels, 1), mu = mean.to_vector(),
                            inv = invstd.to_vector();
  const double m = static_cast<double>(s.count());
  if (grad_x) require_output("batchnorm_backward", "grad_x", *grad_x, x.shape());
  if (grad_weight) require_output("batchnorm_backward", "grad_weight", *grad_weight, {s.channels});
  if (grad_bias) require_output("batchnorm_backward", "grad_bias", *grad_bias, {s.channels});
  for (int64_t c = 0; c < s.channels; ++c) {
    double sum_g = 0, sum_g_xhat = 0;  // S1, S2
    for (int64_t n = 0; n < s.n_batch; ++n)
      for (int64_t t = 0; t < s.len; ++t) {
        const int64_t i = s.at(n, c, t);
        sum_g += gv[i];
        sum_g_xhat += gv[i] * (xv[i] - mu[c]) * inv[c];
      }
    if (grad_bias) grad_bias->data<double>()[c] += sum_g;  // accumulated
    if (grad_weight) grad_weight->data<double>()[c] += sum_g_xhat;
    if (!grad_x) continue;
    for (int64_t n = 0; n < s.n_batch; ++n)
      for (int64_t t = 0; t < s.len; ++t) {
        const int64_t i = s.at(n, c, t);
        const double xhat = (xv[i] - mu[c]) * inv[c];
        grad_x->data<double>()[i] +=
            training ? w[c] * inv[c] / m * (m * gv[i] - sum_g - xhat * sum_g_xhat)
                     : w[c] * inv[c] * gv[i];
      }
  }
}

}  // namespace dnagrad::kernels::reference
