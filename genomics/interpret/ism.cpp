// in_silico_mutagenesis: checks, the loop over sequences and windows, the reverse-complement
// average, and the Batched (and Naive) predictor. The Incremental one is ism_incremental.cpp, the
// first-layer one (CUDA models) ism_first_layer.cpp.
#include "genomics/interpret/ism.h"

#include <algorithm>

#include "genomics/interpret/attribution.h"
#include "genomics/interpret/ism_predictors.h"
#include "genomics/sequence.h"
#include "nn/inference.h"
#include "nn/layers.h"

namespace dnagrad::genomics {

namespace ism_detail {

void read_predictions(const Tensor& output, int64_t batch, int64_t output_index,
                      double* predictions) {
  const Array out = output.data().to(Device::cpu());
  DNAGRAD_CHECK((out.dim() == 1 || out.dim() == 2) && out.size(0) == batch,
                "in_silico_mutagenesis: the model returned ", out.desc(), " for a batch of ", batch,
                "; expected [", batch, "] or [", batch, ", T]");
  const int64_t outputs = out.dim() == 2 ? out.size(1) : 1;
  DNAGRAD_CHECK(output_index < outputs, "in_silico_mutagenesis: output_index ", output_index,
                " is out of range for the model's ", outputs, " output(s) (", out.desc(), ")");
  dispatch_float(out.dtype(), "in_silico_mutagenesis", [&]<class T>() {
    const T* values = out.data<T>();
    for (int64_t i = 0; i < batch; ++i) predictions[i] = values[i * outputs + output_index];
  });
}

namespace {

class BatchedPredictor final : public MutantPredictor {
 public:
  BatchedPredictor(nn::Module& model, int64_t output_index, int64_t batch_size, Device device)
      : model_(model), output_index_(output_index), batch_size_(batch_size), device_(device) {}

  double set_reference(const Array& x) override {
    reference_ = x;
    double prediction = 0;
    read_predictions(model_(Tensor(x.to(device_))), 1, output_index_, &prediction);
    return prediction;
  }

  // Every mutant's output stays on the model's device until the last batch is done: one read.
  void predict(std::span<const Mutant> mutants, double* predictions) override {
    const auto count = static_cast<int64_t>(mutants.size());
    if (count == 0) return;
    const Array outputs =
        nn::predict_in_batches(model_, count, batch_size_, [&](int64_t first, int64_t size) {
          return mutant_batch(
              mutants.subspan(static_cast<size_t>(first), static_cast<size_t>(size)));
        });
    read_predictions(Tensor(outputs), count, output_index_, predictions);
  }

 private:
  // The reference with each mutant's base at its position: [B, 4, L] on the CPU.
  Array mutant_batch(std::span<const Mutant> mutants) const {
    const int64_t batch = static_cast<int64_t>(mutants.size());
    const int64_t len = reference_.size(2);
    Array x = Array::empty({batch, 4, len}, reference_.dtype());  // [B, 4, L]
    dispatch_float(x.dtype(), "in_silico_mutagenesis", [&]<class T>() {
      const T* ref = reference_.data<T>();
      T* out = x.data<T>();
      for (int64_t i = 0; i < batch; ++i) {
        T* x_i = out + i * 4 * len;
        std::copy(ref, ref + 4 * len, x_i);
        for (int64_t b = 0; b < 4; ++b) x_i[b * len + mutants[i].position] = T(0);
        x_i[mutants[i].base * len + mutants[i].position] = T(1);
      }
    });
    return x;
  }

  nn::Module& model_;
  const int64_t output_index_, batch_size_;
  const Device device_;
  Array reference_;  // [1, 4, L]
};

}  // namespace

std::unique_ptr<MutantPredictor> make_batched_predictor(nn::Module& model, int64_t output_index,
                                                        int64_t batch_size, Device device) {
  return std::make_unique<BatchedPredictor>(model, output_index, batch_size, device);
}

}  // namespace ism_detail

namespace {

using ism_detail::Mutant;
using ism_detail::MutantPredictor;

// The reference base of column p of x [N, 4, L] (sequence n): 0..3, or -1 for an all-zero
// column (N). Throws for anything else.
template <class T>
int64_t reference_base(const T* x, int64_t n, int64_t len, int64_t p) {
  const T* column = x + n * 4 * len + p;
  int64_t base = -1, ones = 0;
  bool valid = true;
  for (int64_t b = 0; b < 4; ++b) {
    const T v = column[b * len];
    if (v == T(1)) base = b, ++ones;
    valid = valid && (v == T(0) || v == T(1));
  }
  DNAGRAD_CHECK(valid && ones <= 1, "in_silico_mutagenesis: sequence ", n, " (0-based), position ",
                p, ": the column (", column[0], ", ", column[len], ", ", column[2 * len], ", ",
                column[3 * len], ") is neither one-hot nor all zero (N)");
  return base;
}

// ISM of one strand: ism[(n * 4 + b) * W + j] for position start + j, W = end - start.
std::vector<double> strand_ism(MutantPredictor& predictor, const Array& x, int64_t start,
                               int64_t end) {
  const int64_t n_seqs = x.size(0), len = x.size(2), width = end - start;
  std::vector<double> ism(n_seqs * 4 * width, 0.0);  // the reference base stays exactly 0
  std::vector<Mutant> mutants;
  std::vector<double> predictions;
  for (int64_t n = 0; n < n_seqs; ++n) {
    mutants.clear();
    dispatch_float(x.dtype(), "in_silico_mutagenesis", [&]<class T>() {
      for (int64_t p = start; p < end; ++p) {
        const int64_t ref = reference_base(x.data<T>(), n, len, p);
        for (int64_t b = 0; b < 4; ++b)
          if (b != ref) mutants.push_back({p, b});
      }
    });
    if (mutants.empty()) continue;
    Array sequence = Array::empty({1, 4, len}, x.dtype());
    std::copy_n(static_cast<const char*>(x.raw()) + n * sequence.bytes(), sequence.bytes(),
                static_cast<char*>(sequence.raw()));
    const double reference = predictor.set_reference(sequence);
    predictions.resize(mutants.size());
    predictor.predict(mutants, predictions.data());
    for (size_t i = 0; i < mutants.size(); ++i)
      ism[(n * 4 + mutants[i].base) * width + mutants[i].position - start] =
          predictions[i] - reference;
  }
  return ism;
}

std::unique_ptr<MutantPredictor> make_predictor(nn::Module& model, const IsmOptions& options,
                                                DType dtype, Device device) {
  const int64_t batch_size = options.method == IsmMethod::Naive ? 1 : options.batch_size;
  if (options.method == IsmMethod::Incremental && device.is_cpu()) {
    if (auto incremental =
            ism_detail::make_incremental_predictor(model, options.output_index, batch_size, dtype))
      return incremental;
  }
  if (options.method != IsmMethod::Naive && device.is_cuda()) {
    if (auto first_layer =
            ism_detail::make_first_layer_predictor(model, options.output_index, batch_size, device))
      return first_layer;
  }
  return ism_detail::make_batched_predictor(model, options.output_index, batch_size, device);
}

}  // namespace

Array in_silico_mutagenesis(nn::Module& model, const Array& onehot, const IsmOptions& options) {
  const int64_t start = options.start;
  const int64_t end = check_scoring_inputs("in_silico_mutagenesis", onehot, options.start,
                                           options.end, options.batch_size, options.output_index);
  const int64_t len = onehot.size(2);
  DNAGRAD_CHECK(!nn::normalizes_by_batch_in_eval(model),
                "in_silico_mutagenesis: a BatchNorm1d without running statistics normalises each "
                "batch by itself, so ISM is not defined for this model");

  const std::vector<Tensor> params = model.parameters();
  const DType dtype = params.empty() ? DType::F32 : params.front().dtype();
  const Device device = params.empty() ? Device::cpu() : params.front().device();
  const Array x = onehot.to(Device::cpu()).to(dtype);  // [N, 4, L] in the model's dtype

  NoGrad no_grad;
  nn::EvalMode eval_mode(model);
  auto predictor = make_predictor(model, options, dtype, device);
  std::vector<double> ism = strand_ism(*predictor, x, start, end);
  if (options.rc_average) {
    // Base b at p on x is base 3 - b at L - 1 - p on rc(x): window [L - end, L - start), read
    // back to front.
    const std::vector<double> rc =
        strand_ism(*predictor, reverse_complement_one_hot(x), len - end, len - start);
    const int64_t width = end - start;
    for (int64_t n = 0; n < x.size(0); ++n)
      for (int64_t b = 0; b < 4; ++b)
        for (int64_t j = 0; j < width; ++j) {
          double& value = ism[(n * 4 + b) * width + j];
          value = 0.5 * (value + rc[(n * 4 + 3 - b) * width + width - 1 - j]);
        }
  }
  return Array::from_vector({x.size(0), 4, end - start}, ism, dtype);
}

}  // namespace dnagrad::genomics
