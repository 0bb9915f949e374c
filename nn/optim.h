// Optimizers with torch.optim's update rules, and gradient-norm clipping.
//
// An optimizer holds handles to the parameters (Tensors share their data) and per-parameter
// state. step() updates every parameter that has a gradient (one without is skipped, its state
// untouched, as in PyTorch) and leaves the gradients as they are; zero_grad() drops them.
// A typical step:
//   opt.zero_grad(); loss = ...; loss.backward(); clip_grad_norm(params, 1.0); opt.step();
// The arithmetic is one fused kernel per parameter (kernels/optim.h).
#pragma once
#include <vector>

#include "autograd/tensor.h"
#include "nn/module.h"

namespace dnagrad::nn {

class Optimizer {
 public:
  Optimizer(std::vector<Tensor> params, double lr);
  virtual ~Optimizer() = default;

  virtual void step() = 0;
  void zero_grad();  // set_to_none, as PyTorch's default

  double lr() const { return lr_; }
  void set_lr(double lr);  // schedulers call this between steps
  const std::vector<Tensor>& params() const { return params_; }

  // The per-parameter state, named "<parameter index>.<buffer>" as in PyTorch's
  // optimizer.state_dict()["state"] (SGD: momentum_buffer; Adam/AdamW: exp_avg, exp_avg_sq and
  // step, an int64 scalar). A parameter that has not been stepped has no entries. The arrays
  // share memory with the optimizer. load_state_dict copies a saved state back (CPU arrays are
  // fine for device parameters) and throws, changing nothing, on unknown names or shapes: with
  // the learning rate (saved separately), that is all a resumed run needs.
  virtual StateDict state_dict() const = 0;
  virtual void load_state_dict(const StateDict& state) = 0;

 protected:
  std::vector<Tensor> params_;

 private:
  double lr_;
};

// g = grad + weight_decay * p
// with momentum:  buf = g on the first step, else momentum * buf + (1 - dampening) * g
//                 g = nesterov ? g + momentum * buf : buf
// p -= lr * g
struct SgdOptions {
  double lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening = 0
};

class SGD : public Optimizer {
 public:
  explicit SGD(std::vector<Tensor> params, SgdOptions options = {});
  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 private:
  SgdOptions options_;
  std::vector<Array> momentum_buffers_;  // one per parameter, made on its first step
};

// Adam (Kingma & Ba), per parameter at step t = 1, 2, ...:
//   g = grad + weight_decay * p          (Adam: weight decay is an L2 term in the gradient)
//   m = beta1 * m + (1 - beta1) * g      v = beta2 * v + (1 - beta2) * g^2
//   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// AdamW (Loshchilov & Hutter) instead decays the weights directly, p *= 1 - lr * weight_decay,
// before the same step with g = grad; its PyTorch default weight_decay is 0.01.
struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
};
struct AdamWOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 1e-2;
};

class Adam : public Optimizer {
 public:
  explicit Adam(std::vector<Tensor> params, AdamOptions options = {});
  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;
  int64_t step_count(size_t param_index) const { return state_.at(param_index).step; }

 protected:
  Adam(std::vector<Tensor> params, AdamOptions options, bool decoupled_weight_decay);

 private:
  struct State {
    Array exp_avg, exp_avg_sq;  // m and v, made (zeros) on the parameter's first step
    int64_t step = 0;
  };
  AdamOptions options_;
  bool decoupled_;
  std::vector<State> state_;
};

class AdamW : public Adam {
 public:
  explicit AdamW(std::vector<Tensor> params, AdamWOptions options = {});
};

// Scales all gradients together so their joint 2-norm is at most max_norm, as PyTorch's
// clip_grad_norm_: norm = sqrt(sum over every element of every grad of g^2); when
// max_norm / (norm + 1e-6) < 1 every grad is multiplied by that factor. Parameters without a
// gradient are skipped. Returns the norm before clipping (NaN or Inf if a gradient holds one,
// in which case nothing is scaled). Reading the norm back waits for the device once.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);
// The same clipping without waiting for the device (for a training loop on a GPU): returns the
// squared norm as a float64 [1] array on the gradients' device, to read back when wanted.
Array clip_grad_norm_no_sync(const std::vector<Tensor>& params, double max_norm);

}  // namespace dnagrad::nn
