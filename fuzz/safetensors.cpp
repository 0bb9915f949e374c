// Fuzzes parse_safetensors (nn/checkpoint.h), the checkpoint reader behind read_safetensors.
#include "fuzz/fuzz_input.h"
#include "nn/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return dnagrad::fuzz::parse_or_error(data, size, [size](std::string_view bytes) {
    size_t tensor_bytes = 0;
    for (const auto& [name, array] :
         dnagrad::nn::parse_safetensors(bytes, "fuzz.safetensors").tensors)
      tensor_bytes += array.bytes();
    // The header takes at least 8 + 2 bytes ("{}"), and the tensors tile the rest.
    dnagrad::fuzz::require(tensor_bytes + 10 <= size, "the tensors fit in the file");
  });
}
