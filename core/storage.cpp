#include "core/storage.h"

#include <cstdlib>
#include <new>

#include "core/cuda_runtime.h"
#include "core/error.h"

namespace dnagrad {

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  const size_t rounded = ((bytes + 63) / 64) * 64;  // aligned_alloc wants a multiple of 64
  if (rounded == 0) return;
  if (device.is_cpu()) {
    data_ = std::aligned_alloc(64, rounded);
    if (!data_) fail("out of memory allocating ", bytes, " bytes on the CPU");
  } else {
    data_ = cuda_malloc(rounded, device.index);
  }
}

Storage::~Storage() {
  if (!data_) return;
  if (device_.is_cpu()) std::free(data_);
  else cuda_free(data_);
}

}  // namespace dnagrad
