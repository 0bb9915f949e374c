// Private to genomics/interpret/: what ism_chain.cpp hands ism_incremental.cpp (whose header
// explains the method): the model's chain, split into the leading windowed layers, each described
// by a WindowedLayer (which input positions reach which outputs), and the first mixing layer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "genomics/interpret/ism_predictors.h"
#include "nn/module.h"

namespace dnagrad::genomics::ism_detail {

inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// A layer the incremental ISM computes on windows. Pointwise layers keep the window as it is.
struct WindowedLayer {
  enum class Kind { Conv, BatchNormEval, ReLU, Identity, MaxPool, AvgPool };
  Kind kind;
  // Conv and pools: output t reads input positions t*stride - padding + k*dilation, k < kernel.
  int64_t kernel = 1, stride = 1, padding = 0, dilation = 1;
  bool count_include_pad = true;  // AvgPool
  Array taps{};                   // Conv: [K*C_out, C_in], row k*C_out + o = weight[o, :, k]
  // BatchNormEval: copies of the module's weight and bias (undefined: affine = false) and running
  // statistics, each [C], and its eps.
  Array weight{}, bias{}, running_mean{}, running_var{};
  double eps = 0;

  bool pointwise() const {
    return kind == Kind::BatchNormEval || kind == Kind::ReLU || kind == Kind::Identity;
  }
  // The output positions that input position `first` (`last`) reaches first (last), unclipped.
  int64_t first_output(int64_t first) const {
    return ceil_div(first + padding - (kernel - 1) * dilation, stride);
  }
  int64_t last_output(int64_t last) const { return floor_div(last + padding, stride); }
  // The most output positions a run of `reach` changed input positions can change.
  int64_t widest_reach(int64_t reach) const {
    if (pointwise()) return reach;
    int64_t widest = 0;
    for (int64_t r = 0; r < stride; ++r)  // the count depends on the run's start modulo stride
      widest = std::max(widest, last_output(r + reach - 1) - first_output(r) + 1);
    return widest;
  }
};

// The chain and how it splits: layers[i] is chain[i] for i < layers.size(); chain[layers.size()]
// (if any) is the first mixing layer.
struct Split {
  std::vector<ChainElement> chain;
  std::vector<WindowedLayer> layers;
  bool mean_update = false;
};

// Reads `model` as a chain and splits it (ism_chain.cpp); T is the model's float type.
template <class T>
Split split_chain(nn::Module& model);

}  // namespace dnagrad::genomics::ism_detail
