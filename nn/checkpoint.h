// Checkpoints as safetensors files (https://github.com/huggingface/safetensors), with the
// tensors named by the model's state_dict, so a file written here loads into PyTorch with
// model.load_state_dict(safetensors.torch.load_file(path)) and a file PyTorch wrote loads here.
//
// The format:
//   bytes [0, 8)        N, the header's length, an unsigned 64-bit little-endian integer
//   bytes [8, 8 + N)    a JSON object, padded with spaces so that 8 + N is a multiple of 8:
//                         {"__metadata__": {"model": "PromoterExpressionModel", ...},
//                          "fc.4.bias": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
//                          ...}
//   bytes [8 + N, end)  the data: each tensor's elements, row-major, little-endian, at
//                       data_offsets [begin, end) counted from the start of this section.
// Tensors tile the data section exactly: no gaps, no overlap, nothing after the last one.
// "__metadata__" is an optional string-to-string map (here: the model's name and
// hyper-parameters). Supported dtypes: F32, F64, I64.
//
// The writer orders the data as the safetensors library does (8-byte types first, then by name),
// which keeps every tensor aligned to its element size, and writes atomically: a temporary file
// in the target's directory, renamed over the target only once it is complete.
// The reader checks everything and throws a dnagrad::Error naming the file (and the tensor).
#pragma once
#include <map>
#include <string>
#include <string_view>

#include "nn/module.h"

namespace dnagrad::nn {

using Metadata = std::map<std::string, std::string>;

struct SafetensorsContents {
  StateDict tensors;  // CPU arrays, in the order of their data in the file
  Metadata metadata;
};

// Writes `tensors` (any devices; names unique and non-empty) with `metadata`.
void write_safetensors(const std::string& path, const StateDict& tensors,
                       const Metadata& metadata = {});
SafetensorsContents read_safetensors(const std::string& path);
// The same on a file's bytes already in memory; `label` names them in messages.
SafetensorsContents parse_safetensors(std::string_view bytes, const std::string& label);

// write_safetensors(path, model.state_dict(), metadata).
void save_checkpoint(const std::string& path, const Module& model, const Metadata& metadata = {});
// Reads the file and loads it strictly into `model` (Module::load_state_dict, whose errors are
// prefixed with the path); returns the file's metadata.
Metadata load_checkpoint(const std::string& path, Module& model);

}  // namespace dnagrad::nn
