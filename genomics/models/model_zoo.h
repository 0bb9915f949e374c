// The documents' models by name, for `dnagrad train / predict / evaluate` and the library.
//
//   name            model                                                        source
//   promoter        genomics::PromoterExpressionModel (two-layer head, one output)      seed 002
//   kmer-cnn        Conv1d(4→32, k3) → ReLU → flatten → Linear → T               seed 001
//   linear          flatten [4·L] → Linear → T                                   seed 001
//   tfbind          Conv1d(4→32, k8) → ReLU → flatten → Linear(32·(L−7) → T)     the course starter
//   cnn-classifier  3 × [Conv1d(k8) → BatchNorm → ReLU → MaxPool(2)] (32, 64, 64 filters)
//                   → flatten → Linear(→64) → ReLU → Dropout(0.3) → Linear(64 → T)
//   dilated-residual  stem Conv1d(4→64, k21) → 6 residual dilated Conv1d(k3, dilation 2..64)
//                   → mean over the length → Linear(64 → T); any L     dilated_residual.h
//   deepstarr       DeepSTARR: 4 conv blocks → 2 × [Linear(256) → BatchNorm → ReLU → Dropout]
//                   → Linear(256 → T); published with L = 249, T = 2    models/deepstarr.json
//   basset          Basset: 3 conv blocks → 2 × [Linear(1000) → BatchNorm → ReLU → Dropout]
//                   → Linear(1000 → T); published with L = 600, T = 164    models/basset.json
//
// The last two are architecture files (arch_config.h) compiled in; their state_dict names are
// those of ../shared/models/reference_models.py (conv.0.weight, dense.1.weight, ...).
//
// Sizes adapt to the input length L and the number of outputs T. Every model maps
// x [N, 4, L] to [N, T] except `promoter`, which (as in seed 002) returns [N]; callers that want
// [N, T] reshape. Parameter names follow the PyTorch originals (tfbind: conv, linear), so
// state_dicts load both ways.
//
// A model may also come from an architecture file (arch_config.h): then `architecture` holds it
// as JSON and `name` is its "name".
//
// A checkpoint records what it needs to rebuild its model in its metadata
// ("model", "input_length", "outputs", and "architecture" for a model from a file), so predict,
// evaluate and the interpretation commands can omit --model.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/checkpoint.h"
#include "nn/layers.h"

namespace dnagrad::genomics {

// Unset fields are empty / 0 (load_trained_model fills them from a checkpoint's metadata).
struct ModelSpec {
  std::string name;          // one of model_names()
  int64_t input_length = 0;  // L
  int64_t outputs = 0;       // T
  // Trained with --pad-with-mask (metadata "masked_pooling"): a record only; the model is the
  // same, and padded batches are run through forward_padded (padded_batch.h) by their lengths.
  bool masked_pooling = false;
  // Not empty: the model is built from this architecture (arch_config.h, one line of JSON), not
  // looked up by name.
  std::string architecture{};
};

const std::vector<std::string>& model_names();

// The JSON of a zoo model that is an architecture file (models/<name>.json), or nullptr.
const std::string* published_architecture(const std::string& name);

// Builds a freshly initialised model; throws for an unknown name (listing the known ones), an
// input too short for the architecture, or an output count the model cannot give.
std::shared_ptr<nn::Module> make_model(const ModelSpec& spec, Generator& gen);

// Whether the model takes inputs of any length (global pooling before its head: promoter) rather
// than only the length it was built for (a Linear reads every position). Models from an
// architecture file take their one length.
bool accepts_any_length(const ModelSpec& spec);

// {"model": name, "input_length": L, "outputs": T[, "architecture": JSON]} and back.
// spec_from_metadata throws naming `path` when a field is missing or malformed.
nn::Metadata spec_metadata(const ModelSpec& spec);
ModelSpec spec_from_metadata(const nn::Metadata& metadata, const std::string& path);

// The course's TF-binding starter (DNA_CNN): conv → ReLU → flatten → linear, one output per
// position by default. x [N, 4, L] → [N, T].
class TfBindCNN : public nn::Module {
 public:
  TfBindCNN(int64_t input_length, int64_t outputs, Generator& gen, int64_t filters = 32,
            int64_t kernel_size = 8);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Module> conv, relu, flatten, linear;
};

// A small classifier for labelled sequence tables. x [N, 4, L] → logits [N, T].
class CnnClassifier : public nn::Module {
 public:
  CnnClassifier(int64_t input_length, int64_t outputs, Generator& gen);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Sequential> features, classifier;
};

}  // namespace dnagrad::genomics
