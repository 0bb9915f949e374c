// Where a tensor's memory lives. CPU always; CUDA when built with the CUDA backend and a GPU is
// present (see core/cuda_runtime.h).
#pragma once
#include <string>

namespace dnagrad {

enum class DeviceType : uint8_t { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  static Device cpu() { return {DeviceType::CPU, 0}; }
  static Device cuda(int index = 0) { return {DeviceType::CUDA, index}; }
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device&) const = default;
  std::string str() const;
};

// Parses "cpu", "cuda" or "cuda:N"; throws Error naming the text otherwise.
Device parse_device(const std::string& text);

}  // namespace dnagrad
