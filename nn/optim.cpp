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

namespace {

// Splits "12.exp_avg" into (12, "exp_avg"); throws naming the entry when it is not of that form
// or names a parameter the optimizer does not have.
std::pair<size_t, std::string> parse_state_name(const std::string& name, size_t n_params) {
  const size_t dot = name.find('.');
  size_t index = 0;
  bool ok = dot != std::string::npos && dot > 0;
  for (size_t i = 0; ok && i < dot; ++i) {
    ok = name[i] >= '0' && name[i] <= '9';
    index = index * 10 + static_cast<size_t>(name[i] - '0');
  }
  DNAGRAD_CHECK(ok && index < n_params, "optimizer state: unexpected entry '", name, "' (",
                n_params, " parameters)");
  return {index, name.substr(dot + 1)};
}

// A copy of `saved` for parameter p's buffer: same shape as p, on p's device and in its dtype.
Array state_like(const Tensor& p, const Array& saved, const std::string& name) {
  DNAGRAD_CHECK(saved.shape() == p.shape(), "optimizer state: '", name, "' has shape ",
                shape_str(saved.shape()), ", the parameter has ", shape_str(p.shape()));
  Array out = Array::empty(p.shape(), p.dtype(), p.device());
  out.copy_from(saved.to(p.dtype()));
  return out;
}

}  // namespace

StateDict SGD::state_dict() const {
  StateDict out;
  for (size_t i = 0; i < params_.size(); ++i)
    if (momentum_buffers_[i].defined())
      out.emplace_back(cat(i, ".momentum_buffer"), momentum_buffers_[i]);
  return out;
}

void SGD::load_state_dict(const StateDict& state) {
  std::vector<Array> buffers(params_.size());
  for (const auto& [name, array] : state) {
    const auto [i, field] = parse_state_name(name, params_.size());
    DNAGRAD_CHECK(field == "momentum_buffer", "optimizer state: unexpected entry '", name,
                  "' for SGD");
    buffers[i] = state_like(params_[i], array, name);
  }
  momentum_buffers_ = std::move(buffers);
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

StateDict Adam::state_dict() const {
  StateDict out;
  for (size_t i = 0; i < params_.size(); ++i) {
    const State& s = state_[i];
    if (s.step == 0) continue;
    out.emplace_back(cat(i, ".exp_avg"), s.exp_avg);
    out.emplace_back(cat(i, ".exp_avg_sq"), s.exp_avg_sq);
    out.emplace_back(cat(i, ".step"), Array::scalar(static_cast<double>(s.step), DType::I64));
  }
  return out;
}

void Adam::load_state_dict(const StateDict& state) {
  std::vector<State> loaded(params_.size());
  for (const auto& [name, array] : state) {
    const auto [i, field] = parse_state_name(name, params_.size());
    if (field == "exp_avg") {
      loaded[i].exp_avg = state_like(params_[i], array, name);
    } else if (field == "exp_avg_sq") {
      loaded[i].exp_avg_sq = state_like(params_[i], array, name);
    } else if (field == "step") {
      DNAGRAD_CHECK(array.numel() == 1, "optimizer state: '", name, "' must be a scalar");
      loaded[i].step = static_cast<int64_t>(array.to(DType::F64).data<double>()[0]);
    } else {
      fail("optimizer state: unexpected entry '", name, "' for Adam");
    }
  }
  for (size_t i = 0; i < loaded.size(); ++i) {
    const bool complete = loaded[i].exp_avg.defined() && loaded[i].exp_avg_sq.defined();
    DNAGRAD_CHECK(loaded[i].step == 0
                      ? !loaded[i].exp_avg.defined() && !loaded[i].exp_avg_sq.defined()
                      : complete && loaded[i].step > 0,
                  "optimizer state: parameter ", i, " has an incomplete Adam state");
  }
  state_ = std::move(loaded);
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions o)
    : Adam(std::move(params), AdamOptions{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay}, true) {}

// ---- gradient clipping ----

Array clip_grad_norm_no_sync(const std::vector<Tensor>& params, double max_norm) {
  DNAGRAD_CHECK(max_norm > 0, "clip_grad_norm: max_norm must be > 0, got ", max_norm);
  Device device = Device::cpu();
  for (const Tensor& p : params)
    if (p.grad().defined()) {
      device = p.grad().device();
      break;
    }
  Array total_sq = Array::zeros({1}, DType::F64, device);  // sum of every g^2, on the device
  for (const Tensor& p : params)
    if (p.grad().defined()) {
      DNAGRAD_CHECK(p.grad().device() == device, "clip_grad_norm: gradients on ", device.str(),
                    " and ", p.grad().device().str(), ": clip each device's parameters apart");
      kernels::sum_of_squares(p.grad(), total_sq);
    }
  for (const Tensor& p : params)
    if (p.grad().defined()) {
      Array grad = p.grad();  // shares memory with the parameter's gradient
      kernels::clip_scale(grad, total_sq, max_norm);
    }
  return total_sq;
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  return std::sqrt(clip_grad_norm_no_sync(params, max_norm).to(Device::cpu()).data<double>()[0]);
}

}  // namespace dnagrad::nn
