#include "core/storage.h"

#include "core/allocator.h"

namespace dnagrad {

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  if (bytes == 0) return;
  const Allocation block = cached_allocate(bytes, device);
  data_ = block.ptr;
  reserved_ = block.bytes;
}

Storage::~Storage() {
  if (data_) cached_free({data_, reserved_}, device_);
}

}  // namespace dnagrad
