// attribution(): input gradients batch by batch, the reverse-complement average and the window.
#include "genomics/interpret/attribution.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "genomics/sequence.h"
#include "nn/layers.h"

namespace dnagrad::genomics {

namespace {

// d model(x)[n, output_index] / d x for every sequence of x [N, 4, L] (CPU, the model's dtype),
// batch_size sequences per pass on `device`: [N, 4, L] on the CPU.
Array input_gradients(nn::Module& model, const Array& x, int64_t output_index, int64_t batch_size,
                      Device device) {
  const int64_t n = x.size(0), len = x.size(2);
  const size_t sequence_bytes = static_cast<size_t>(4 * len) * dtype_size(x.dtype());
  Array grad = Array::empty(x.shape(), x.dtype());
  for (int64_t first = 0; first < n; first += batch_size) {
    const int64_t batch = std::min(batch_size, n - first);
    Array chunk = Array::empty({batch, 4, len}, x.dtype());  // [B, 4, L]
    std::memcpy(chunk.raw(), static_cast<const char*>(x.raw()) + first * sequence_bytes,
                batch * sequence_bytes);
    Tensor input(chunk.to(device), /*requires_grad=*/true);
    const Tensor output = model(input);
    output.backward(output_seed(output, batch, output_index));
    const Array g = input.grad().to(Device::cpu());
    std::memcpy(static_cast<char*>(grad.raw()) + first * sequence_bytes, g.raw(),
                batch * sequence_bytes);
  }
  return grad;
}

}  // namespace

InputGradientMode::InputGradientMode(nn::Module& model)
    : eval_mode_(model), parameters_(model.parameters()) {
  for (Tensor& p : parameters_) {
    required_.push_back(p.requires_grad());
    p.requires_grad_(false);
  }
}

InputGradientMode::~InputGradientMode() {
  for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].requires_grad_(required_[i]);
}

Array output_seed(const Tensor& output, int64_t batch, int64_t output_index) {
  DNAGRAD_CHECK((output.dim() == 1 || output.dim() == 2) && output.size(0) == batch,
                "attribution: the model returned ", output.data().desc(), " for a batch of ", batch,
                "; expected [", batch, "] or [", batch, ", T]");
  const int64_t outputs = output.dim() == 2 ? output.size(1) : 1;
  DNAGRAD_CHECK(output_index < outputs, "attribution: output_index ", output_index,
                " is out of range for the model's ", outputs, " output(s) (", output.data().desc(),
                ")");
  Array seed = Array::zeros(output.shape(), output.dtype());
  dispatch_float(seed.dtype(), "attribution", [&]<class T>() {
    for (int64_t i = 0; i < batch; ++i) seed.data<T>()[i * outputs + output_index] = T(1);
  });
  return seed.to(output.device());
}

Array attribution(nn::Module& model, const Array& onehot, const AttributionOptions& options) {
  const int64_t start = options.start;
  const int64_t end = check_scoring_inputs("attribution", onehot, options.start, options.end,
                                           options.batch_size, options.output_index);
  DNAGRAD_CHECK(options.method != AttributionMethod::DeepLiftShap,
                "attribution: DeepLIFT/DeepSHAP contributions come from deeplift_shap() "
                "(genomics/interpret/deeplift_shap.h)");
  const DType dtype = check_attribution_model("attribution", model);
  const std::vector<Tensor> params = model.parameters();
  const Device device = params.empty() ? Device::cpu() : params.front().device();
  const Array x = onehot.to(Device::cpu()).to(dtype);  // [N, 4, L] in the model's dtype

  InputGradientMode mode(model);
  Array grad = input_gradients(model, x, options.output_index, options.batch_size, device);
  if (options.rc_average) {
    const Array rc_grad = reverse_complement_one_hot(input_gradients(
        model, reverse_complement_one_hot(x), options.output_index, options.batch_size, device));
    dispatch_float(dtype, "attribution", [&]<class T>() {
      T* g = grad.data<T>();
      const T* r = rc_grad.data<T>();
      for (int64_t i = 0; i < grad.numel(); ++i) g[i] = T(0.5) * (g[i] + r[i]);
    });
  }
  if (options.method == AttributionMethod::GradientTimesInput) {
    dispatch_float(dtype, "attribution", [&]<class T>() {
      T* g = grad.data<T>();
      const T* in = x.data<T>();
      // + 0 turns the -0 of a negative gradient times 0 into 0 (files then never show "-0").
      for (int64_t i = 0; i < grad.numel(); ++i) g[i] = g[i] * in[i] + T(0);
    });
  }
  return slice_positions(grad, start, end);
}

DType check_attribution_model(const char* what, const nn::Module& model) {
  DNAGRAD_CHECK(grad_enabled(), what,
                ": gradients are disabled here (inside a NoGrad scope); attributions need the "
                "graph");
  DNAGRAD_CHECK(!nn::normalizes_by_batch_in_eval(model), what,
                ": a BatchNorm1d without running statistics normalises each batch by itself, so "
                "attributions would depend on the batch");
  const std::vector<Tensor> params = model.parameters();
  return params.empty() ? DType::F32 : params.front().dtype();
}

int64_t check_scoring_inputs(const char* what, const Array& onehot, int64_t start, int64_t end,
                             int64_t batch_size, int64_t output_index) {
  DNAGRAD_CHECK(
      onehot.defined() && onehot.dim() == 3 && onehot.size(1) == 4 && onehot.dtype() != DType::I64,
      what, ": expected one-hot sequences float32 [N, 4, L], got ",
      onehot.defined() ? onehot.desc() : "an undefined array");
  const int64_t len = onehot.size(2), resolved_end = end == -1 ? len : end;
  DNAGRAD_CHECK(0 <= start && start <= resolved_end && resolved_end <= len, what, ": the window [",
                start, ", ", end, ") is not inside the sequence length ", len);
  DNAGRAD_CHECK(batch_size >= 1, what, ": batch_size must be >= 1, got ", batch_size);
  DNAGRAD_CHECK(output_index >= 0, what, ": output_index must be >= 0, got ", output_index);
  return resolved_end;
}

Array slice_positions(const Array& x, int64_t start, int64_t end) {
  DNAGRAD_CHECK(x.defined() && x.dim() == 3 && 0 <= start && start <= end && end <= x.size(2),
                "slice_positions: cannot take positions [", start, ", ", end, ") of ",
                x.defined() ? x.desc() : "an undefined array");
  const int64_t rows = x.size(0) * x.size(1), len = x.size(2), width = end - start;
  Array out = Array::empty({x.size(0), x.size(1), width}, x.dtype());
  dispatch_float(x.dtype(), "slice_positions", [&]<class T>() {
    for (int64_t r = 0; r < rows; ++r)
      std::copy_n(x.data<T>() + r * len + start, width, out.data<T>() + r * width);
  });
  return out;
}

Array reference_base_scores(const Array& scores, const Array& onehot, ScoreKind kind) {
  DNAGRAD_CHECK(scores.defined() && onehot.defined() && scores.dim() == 3 && scores.size(1) == 4 &&
                    scores.shape() == onehot.shape(),
                "reference_base_scores: expected scores and one-hot of one shape [N, 4, W], got ",
                scores.defined() ? scores.desc() : "undefined", " and ",
                onehot.defined() ? onehot.desc() : "undefined");
  const Array s = scores.to(DType::F64), x = onehot.to(DType::F64);
  const int64_t n = s.size(0), width = s.size(2);
  std::vector<double> out(static_cast<size_t>(s.numel()), 0.0);
  const double* sv = s.data<double>();
  const double* xv = x.data<double>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < width; ++j) {
      const int64_t column = i * 4 * width + j;  // element (i, 0, j); base b adds b * width
      for (int64_t b = 0; b < 4; ++b) {
        if (xv[column + b * width] == 0) continue;  // not the reference base (or an N column)
        double value = sv[column + b * width];
        if (kind == ScoreKind::Ism) {
          value = 0;
          for (int64_t other = 0; other < 4; ++other) value -= sv[column + other * width] / 3;
        }
        out[static_cast<size_t>(column + b * width)] = value;
      }
    }
  return Array::from_vector(s.shape(), out, scores.dtype());
}

}  // namespace dnagrad::genomics
