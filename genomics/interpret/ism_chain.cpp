// Incremental ISM, step one: read the model as a chain of layers (nested Sequentials flattened)
// and split it into the leading "windowed" layers, each turned into a WindowedLayer (a
// convolution's weight [C_out, C_in, K] restacked as taps [K*C_out, C_in], a BatchNorm1d's
// statistics copied), and the first "mixing" layer. ism_incremental.cpp explains the method and
// runs the split; incremental_plan reports it to the tests and the CLI.
#include <optional>
#include <string>
#include <vector>

#include "genomics/interpret/ism_predictors.h"
#include "genomics/interpret/ism_windows.h"
#include "nn/layers.h"

namespace dnagrad::genomics::ism_detail {

void flatten_chain(nn::Module& module, const std::string& name, std::vector<ChainElement>& out) {
  if (module.named_children().empty() || !module.forward_is_chain_of_children()) {
    out.push_back({name, &module});
    return;
  }
  for (const auto& [child_name, child] : module.named_children())
    flatten_chain(*child, name.empty() ? child_name : name + "." + child_name, out);
}

namespace {

// BatchNorm1d in eval mode: a per-channel affine map, computed by the kernel on the windows.
WindowedLayer batchnorm_eval(const nn::BatchNorm1d& bn) {
  auto copy = [](const Array& a) { return a.defined() ? a.clone() : Array(); };
  return WindowedLayer{.kind = WindowedLayer::Kind::BatchNormEval,
                       .weight = bn.weight.defined() ? copy(bn.weight.data()) : Array(),
                       .bias = bn.bias.defined() ? copy(bn.bias.data()) : Array(),
                       .running_mean = copy(bn.running_mean),
                       .running_var = copy(bn.running_var),
                       .eps = bn.options.eps};
}

// weight [C_out, C_in, K] -> taps [K*C_out, C_in]: the K matrices weight[:, :, k] stacked.
template <class T>
Array stacked_taps(const Array& weight) {
  const int64_t c_out = weight.size(0), c_in = weight.size(1), kernel = weight.size(2);
  Array taps = Array::empty({kernel * c_out, c_in}, weight.dtype());
  const T* w = weight.data<T>();
  T* out = taps.data<T>();
  for (int64_t o = 0; o < c_out; ++o)
    for (int64_t c = 0; c < c_in; ++c)
      for (int64_t k = 0; k < kernel; ++k)
        out[(k * c_out + o) * c_in + c] = w[(o * c_in + c) * kernel + k];
  return taps;
}

template <class T>
std::optional<WindowedLayer> as_windowed(nn::Module& module) {
  using Kind = WindowedLayer::Kind;
  if (auto* conv = dynamic_cast<nn::Conv1d*>(&module)) {
    const nn::Conv1dOptions& o = conv->options;
    return WindowedLayer{.kind = Kind::Conv,
                         .kernel = conv->kernel_size,
                         .stride = o.stride,
                         .padding = o.padding,
                         .dilation = o.dilation,
                         .taps = stacked_taps<T>(conv->weight.data())};
  }
  if (auto* bn = dynamic_cast<nn::BatchNorm1d*>(&module)) return batchnorm_eval(*bn);
  if (dynamic_cast<nn::ReLU*>(&module)) return WindowedLayer{.kind = Kind::ReLU};
  if (dynamic_cast<nn::Dropout*>(&module)) return WindowedLayer{.kind = Kind::Identity};
  if (auto* pool = dynamic_cast<nn::MaxPool1d*>(&module)) {
    return WindowedLayer{.kind = Kind::MaxPool,
                         .kernel = pool->kernel_size,
                         .stride = pool->stride == 0 ? pool->kernel_size : pool->stride,
                         .padding = pool->padding,
                         .dilation = pool->dilation};
  }
  if (auto* pool = dynamic_cast<nn::AvgPool1d*>(&module)) {
    return WindowedLayer{.kind = Kind::AvgPool,
                         .kernel = pool->kernel_size,
                         .stride = pool->stride == 0 ? pool->kernel_size : pool->stride,
                         .padding = pool->padding,
                         .count_include_pad = pool->count_include_pad};
  }
  return std::nullopt;
}

}  // namespace

template <class T>
Split split_chain(nn::Module& model) {
  Split split;
  flatten_chain(model, "", split.chain);
  for (const ChainElement& element : split.chain) {
    std::optional<WindowedLayer> layer = as_windowed<T>(*element.module);
    if (!layer) break;
    split.layers.push_back(std::move(*layer));
  }
  if (split.layers.size() < split.chain.size()) {
    const auto* pool =
        dynamic_cast<const nn::AdaptiveAvgPool1d*>(split.chain[split.layers.size()].module);
    split.mean_update = pool && pool->output_size == 1;
  }
  return split;
}

template Split split_chain<float>(nn::Module& model);
template Split split_chain<double>(nn::Module& model);

IncrementalPlan incremental_plan(nn::Module& model) {
  IncrementalPlan plan;
  const std::vector<Tensor> params = model.parameters();
  dispatch_float(params.empty() ? DType::F32 : params.front().dtype(), "incremental_plan",
                 [&]<class T>() {
                   const Split split = split_chain<T>(model);
                   for (size_t i = 0; i < split.layers.size(); ++i)
                     plan.windowed.push_back(split.chain[i].name);
                   if (split.layers.size() < split.chain.size())
                     plan.mixing = split.chain[split.layers.size()].name;
                   plan.mean_update = split.mean_update;
                 });
  return plan;
}

}  // namespace dnagrad::genomics::ism_detail
