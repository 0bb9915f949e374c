// Storage: one RAII block of memory on one device. Arrays share storages through shared_ptr, so a
// reshape is a new Array over the same Storage. Blocks come from the caching allocator
// (core/allocator.h): CPU blocks are 64-byte aligned (one cache line, one AVX-512 register),
// CUDA blocks come from the CUDA runtime (core/cuda_runtime.h).
#pragma once
#include <cstddef>

#include "core/device.h"

namespace dnagrad {

class Storage {
 public:
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;     // requested
  size_t reserved_ = 0;  // held (the allocator rounds up)
  Device device_;
};

}  // namespace dnagrad
