// Architectures from a JSON file (`dnagrad train --model-config arch.json`, `dnagrad model show`):
// a model described as layers in order, optionally grouped in named blocks, built into an
// nn::Sequential whose state_dict names are PyTorch's for the equivalent nn.Sequential.
//
//   {"name": "small-cnn",
//    "layers": [
//      {"type": "block", "name": "features", "layers": [
//        {"type": "conv", "filters": 16, "kernel": 7, "padding": "same"},
//        {"type": "batchnorm"}, {"type": "relu"}, {"type": "maxpool", "kernel": 2},
//        {"type": "flatten"}]},
//      {"type": "block", "name": "classifier", "layers": [
//        {"type": "dropout", "p": 0.2}, {"type": "head"}]}]}
//
// Each entry of "layers" becomes one child of its Sequential, named by its "name" or else by its
// index ("0", "1", ...): the conv above is `features.0` (parameters features.0.weight,
// features.0.bias), as in torch.nn.Sequential(OrderedDict(features=nn.Sequential(...), ...)).
// docs/models.md lists every type and key, the PyTorch module each becomes, and how `model show`
// counts.
//
// Shapes are inferred at build time for the input length: per sequence, [C, L] until a flatten,
// then [F]. An impossible graph is an error naming the layer by its module path and the shapes
// ("layer features.4 (conv): kernel 8 spans 8 positions, more than the length 5 it gets from
// layer features.3 (maxpool)"); an unknown key or type, or a value of the wrong kind, is an error
// naming the key and its place in the file ("arch.json: layers[0].layers[2]: unknown key
// 'kernal' for a maxpool layer").
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "nn/layers.h"

namespace dnagrad::genomics {

// One entry of "layers", its keys checked and its defaults filled in (PyTorch's defaults).
struct ArchLayer {
  std::string type;   // conv, batchnorm, relu, sigmoid, tanh, maxpool, avgpool, adaptive_avgpool,
                      // global_avgpool, flatten, dropout, linear, head, block
  std::string name;   // the child's name in its Sequential: "name", or else its index
  std::string where;  // its place in the file, "layers[0].layers[3]", for errors
  // conv, maxpool, avgpool ("padding": "same" sets same_padding; padding is then computed)
  int64_t filters = 0, kernel = 0, stride = 0, padding = 0, dilation = 1;
  bool same_padding = false;
  bool bias = true;  // conv, linear, head
  // batchnorm
  double eps = 1e-5, momentum = 0.1;
  // avgpool
  bool count_include_pad = true;
  // adaptive_avgpool (global_avgpool: 1)
  int64_t output_size = 0;
  // dropout
  double p = 0.5;
  // linear
  int64_t features = 0;
  // head: 0 = as many as the task has
  int64_t outputs = 0;
  // block
  std::vector<ArchLayer> layers;
};

struct Architecture {
  std::string label;  // where it came from (a file name), the prefix of every error
  std::string name = "custom";
  std::vector<ArchLayer> layers;
};

// Checks the schema (keys, types, ranges; one head, the last layer) without an input length.
Architecture parse_architecture(std::string_view json, const std::string& label);

// What `model show` prints for one layer; shapes, counts and receptive field are per sequence.
struct LayerSummary {
  std::string name;                   // module path: "features.0"
  std::string type;                   // the ArchLayer type
  std::vector<int64_t> output_shape;  // [C, L] or [F]
  int64_t parameters = 0;             // learnable values (not BatchNorm's running statistics)
  int64_t receptive_field = 0;        // input bases one output value can depend on
  int64_t multiply_adds = 0;          // conv, linear, head: one per weight use; batchnorm: one
                                      // per element (eval mode's scale and shift); others: 0
};

struct BuiltArchitecture {
  std::shared_ptr<nn::Sequential> module;
  std::vector<LayerSummary> layers;  // the leaf layers in forward order
};

// Builds the model for inputs [N, 4, input_length] and `outputs` outputs (the head's), its
// weights drawn from `gen` in layer order as PyTorch's constructors draw them. Throws naming the
// layer when a shape does not fit.
BuiltArchitecture build_architecture(const Architecture& arch, int64_t input_length,
                                     int64_t outputs, Generator& gen);

// The architecture as one line of JSON, its keys in file order: what checkpoints record.
std::string compact_architecture_json(std::string_view json, const std::string& label);

}  // namespace dnagrad::genomics
