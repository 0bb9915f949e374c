// The machinery behind in_silico_mutagenesis (genomics/interpret/ism.h), shared by ism.cpp and
// ism_incremental.cpp and visible to the tests. Not part of the public API.
//
// A MutantPredictor answers "what does the model predict for these mutants of one sequence?".
// ism.cpp sets one sequence as the reference and asks for all its mutants at once:
//   double ref = predictor.set_reference(x);      // x [1, 4, L], the model's dtype, CPU
//   predictor.predict(mutants, predictions);      // predictions[i] for mutants[i]
// and the predictor cuts them into batches of at most batch_size.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "nn/module.h"

namespace dnagrad::genomics::ism_detail {

// Column `position` of the sequence replaced by e_base (base 0..3 = A, C, G, T).
struct Mutant {
  int64_t position;
  int64_t base;
};

class MutantPredictor {
 public:
  virtual ~MutantPredictor() = default;
  // Takes the sequence x [1, 4, L] (kept until the next call) and returns its prediction.
  virtual double set_reference(const Array& x) = 0;
  // Assigns predictions[i], the prediction for mutants[i] of the reference sequence.
  virtual void predict(std::span<const Mutant> mutants, double* predictions) = 0;
};

// The model read as a chain of layers: the module itself, or (when its forward is the chain of
// its children, nn::Module::forward_is_chain_of_children) its children in order, nested chains
// flattened. `name` is the state_dict prefix ("" for the model itself).
struct ChainElement {
  std::string name;
  nn::Module* module;
};
void flatten_chain(nn::Module& module, const std::string& name, std::vector<ChainElement>& out);

// Whole mutant sequences through model.forward, batch_size at a time (Naive: batch_size 1).
// `device` is where the model's parameters live.
std::unique_ptr<MutantPredictor> make_batched_predictor(nn::Module& model, int64_t output_index,
                                                        int64_t batch_size, Device device);

// The windowed computation of ism_incremental.cpp for a CPU model whose floating-point dtype is
// `dtype`, or null when it does not apply (no layer to compute on windows before the first one
// that mixes all positions).
std::unique_ptr<MutantPredictor> make_incremental_predictor(nn::Module& model, int64_t output_index,
                                                            int64_t batch_size, DType dtype);

// For a chain whose first layer is a Conv1d over the 4 bases (on any device; used on CUDA): per
// sequence the reference's first-layer output is computed once with the model's conv, and per
// batch of batch_size mutants their first-layer outputs are built from it by
// kernels::ism_first_layer_mutants (reference + weight difference, no convolution) and the rest
// of the chain runs on them as usual. Null for other models.
std::unique_ptr<MutantPredictor> make_first_layer_predictor(nn::Module& model, int64_t output_index,
                                                            int64_t batch_size, Device device);

// How the incremental ISM splits `model`: the layers it computes on windows, by their
// state_dict prefixes ("conv_layers.0", ...), and the first layer it runs on whole activations.
struct IncrementalPlan {
  std::vector<std::string> windowed;
  std::string mixing;        // "" when the chain ends with a windowed layer
  bool mean_update = false;  // mixing is AdaptiveAvgPool1d(1): its mean is updated per window
};
IncrementalPlan incremental_plan(nn::Module& model);

// output [B] or [B, T] (any device) -> predictions[i] = output[i, output_index]. Throws naming
// the shape when it is neither or output_index is not below T.
void read_predictions(const Tensor& output, int64_t batch, int64_t output_index,
                      double* predictions);

}  // namespace dnagrad::genomics::ism_detail
