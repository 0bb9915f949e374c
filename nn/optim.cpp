#include "nn/optim.h"

#include <cmath>

#include "kernels/optim.h"

namespace dnagrad::nn {

// ---- Optimizer ----

Optimizer::Optimizer(std::vector<Tensor> params, double lr) : params_(std::move(params)) {
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    DNAGRAD_CHECK(p.defined() && p.requires_grad() && p.is_leaf(), "Optimizer: parameter ", i,
                  " is not a leaf tensor that requires a gradient");
  }
  set_lr(lr);
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

void Optimizer::set_lr(double lr) {
  DNAGRAD_CHECK(lr >= 0, "Optimizer: learning rate must be >= 0, got ", lr);
  lr_ = lr;
}

// ---- SGD ----

SGD::SGD(std::vector<Tensor> params, SgdOptions options)
    : Optimizer(std::move(params), options.lr),
      options_(options),
      momentum_buffers_(params_.size()) {
  DNAGRAD_CHECK(options.momentum >= 0 && options.weight_decay >= 0,
                "SGD: momentum and weight_decay ", "must be >= 0, got ", options.momentum, " and ",
                options.weight_decay);
  DNAGRAD_CHECK(!options.nesterov || (options.momentum > 0 && options.dampening == 0),
                "SGD: nesterov momentum requires momentum > 0 and dampening = 0");
}

void SGD::step() {
  kernels::SgdConfig config{lr(), options_.momentum, options_.dampening, options_.weight_decay,
                            options_.nesterov};
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    if (!p.grad().defined()) continue;
    Array& buffer = momentum_buffers_[i];
    const bool first_step = !buffer.defined();
    if (first_step && config.momentum != 0)  // the kernel assigns it on the first step
      buffer = Array::empty(p.shape(), p.dtype(), p.device());
    kernels::sgd_update(p.data(), p.grad(), buffer, first_step, config);
  }
}

// ---- Adam and AdamW ----

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::move(params), options, false) {}

Adam::Adam(std::vector<Tensor> params, AdamOptions options, bool decoupled_weight_decay)
    : Optimizer(std::move(params), options.lr),
      options_(options),
      decoupled_(decoupled_weight_decay),
      state_(params_.size()) {
  const char* name = decoupled_ ? "AdamW" : "Adam";
  DNAGRAD_CHECK(options.beta1 >= 0 && options.beta1 < 1 && options.beta2 >= 0 && options.beta2 < 1,
                name, ": betas must be in [0, 1), got ", options.beta1, " and ", options.beta2);
  DNAGRAD_CHECK(options.eps >= 0 && options.weight_decay >= 0, name,
                ": eps and weight_decay must be >= 0, got ", options.eps, " and ",
                options.weight_decay);
}

void Adam::step() {
  kernels::AdamConfig config{lr(),         options_.beta1,        options_.beta2,
                             options_.eps, options_.weight_decay, decoupled_};
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    if (!p.grad().defined()) continue;
    State& s = state_[i];
    if (s.step == 0) {
      s.exp_avg = Array::zeros(p.shape(), p.dtype(), p.device());
      s.exp_avg_sq = Array::zeros(p.shape(), p.dtype(), p.device());
    }
    s.step += 1;
    kernels::adam_update(p.data(), p.grad(), s.exp_avg, s.exp_avg_sq, s.step, config);
  }
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions o)
    : Adam(std::move(params), AdamOptions{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay}, true) {}

// ---- gradient clipping ----

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  DNAGRAD_CHECK(max_norm > 0, "clip_grad_norm: max_norm must be > 0, got ", max_norm);
  double sum_sq = 0;
  for (const Tensor& p : params)
    if (p.grad().defined()) sum_sq += kernels::sum_of_squares(p.grad());
  const double norm = std::sqrt(sum_sq);
  const double factor = max_norm / (norm + 1e-6);
  if (std::isfinite(norm) && factor < 1)
    for (const Tensor& p : params)
      if (p.grad().defined()) {
        Array grad = p.grad();  // shares memory with the parameter's gradient
        kernels::scale_inplace(grad, factor);
      }
  return norm;
}

}  // namespace dnagrad::nn
