// The first-layer ISM predictor (genomics/interpret/ism_predictors.h, make_first_layer_predictor):
// the GPU path of in_silico_mutagenesis for chains that start with a Conv1d over the 4 bases.
//
// A mutation changes one column of the one-hot input, so the first layer's output of a mutant is
// the reference's plus a weight difference at the (at most K) outputs whose receptive field
// holds that column (kernels/ism.h). Per sequence:
//   set_reference(x)  x [1, 4, L] on the device; reference_out = conv(x) [1, C_out, L_out], the
//                     model's own Conv1d; the rest of the chain on it gives the reference's
//                     prediction (the same layers as model.forward, in the same order).
//   predict(mutants)  per batch of at most batch_size mutants: out [B, C_out, L_out] =
//                     ism_first_layer_mutants(reference_out, ...), then the rest of the chain on
//                     out, in eval mode without a graph (in_silico_mutagenesis sets both).
// Everything stays on the model's device; only the predictions ([B] per batch) come back.
#include <vector>

#include "genomics/interpret/ism_predictors.h"
#include "kernels/ism.h"
#include "nn/layers.h"

namespace dnagrad::genomics::ism_detail {

namespace {

class FirstLayerPredictor final : public MutantPredictor {
 public:
  FirstLayerPredictor(std::vector<ChainElement> chain, int64_t output_index, int64_t batch_size,
                      Device device)
      : chain_(std::move(chain)),
        conv_(dynamic_cast<nn::Conv1d&>(*chain_.front().module)),
        output_index_(output_index),
        batch_size_(batch_size),
        device_(device) {}

  double set_reference(const Array& x) override {
    const Array onehot = x.to(device_);  // [1, 4, L]
    const Tensor first = conv_.forward(Tensor(onehot));
    reference_out_ = first.data().reshape({first.size(1), first.size(2)});  // [C_out, L_out]
    ref_onehot_ = onehot.reshape({4, onehot.size(2)});
    double prediction = 0;
    read_predictions(rest_of_chain(first), 1, output_index_, &prediction);
    return prediction;
  }

  void predict(std::span<const Mutant> mutants, double* predictions) override {
    const nn::Conv1dOptions& o = conv_.options;
    const kernels::Conv1dParams params{
        .stride = o.stride, .padding = o.padding, .dilation = o.dilation};
    std::vector<int64_t> positions, bases;
    for (size_t first = 0; first < mutants.size(); first += batch_size_) {
      const size_t count = std::min<size_t>(batch_size_, mutants.size() - first);
      positions.clear();
      bases.clear();
      for (const Mutant& m : mutants.subspan(first, count)) {
        positions.push_back(m.position);
        bases.push_back(m.base);
      }
      const auto batch = static_cast<int64_t>(count);
      Array out = Array::empty({batch, reference_out_.size(0), reference_out_.size(1)},
                               reference_out_.dtype(), device_);
      kernels::ism_first_layer_mutants(reference_out_, conv_.weight.data(), ref_onehot_, positions,
                                       bases, params, out);
      read_predictions(rest_of_chain(Tensor(out)), batch, output_index_, predictions + first);
    }
  }

 private:
  Tensor rest_of_chain(Tensor t) const {
    for (size_t i = 1; i < chain_.size(); ++i) t = chain_[i].module->forward(t);
    return t;
  }

  const std::vector<ChainElement> chain_;
  nn::Conv1d& conv_;
  const int64_t output_index_, batch_size_;
  const Device device_;
  Array reference_out_;  // [C_out, L_out]: the reference's first-layer output, bias included
  Array ref_onehot_;     // [4, L]: the reference on the device
};

}  // namespace

std::unique_ptr<MutantPredictor> make_first_layer_predictor(nn::Module& model, int64_t output_index,
                                                            int64_t batch_size, Device device) {
  std::vector<ChainElement> chain;
  flatten_chain(model, "", chain);
  const auto* conv = dynamic_cast<const nn::Conv1d*>(chain.front().module);
  // A model that is a lone Conv1d is a chain of one; its output is [1, C, L], which
  // read_predictions refuses as the Batched method would.
  if (!conv || conv->in_channels != 4) return nullptr;
  return std::make_unique<FirstLayerPredictor>(std::move(chain), output_index, batch_size, device);
}

}  // namespace dnagrad::genomics::ism_detail
