// A caching allocator for large blocks. Training allocates the same big activation and gradient
// buffers every step; returning them to the operating system and mapping them again costs a
// page fault per 4 KiB (on the promoter model, 40% of a CPU training step) and a cudaMalloc on a
// GPU. So blocks of at least kMinCachedBytes are kept when freed, keyed by device and size
// (rounded up to kRounding), and handed out again to the next request of that size.
//
// The cache holds at most a limit of bytes per device kind (DNAGRAD_CACHE_LIMIT_MB, default
// 8192); past it, freed blocks go straight back. empty_cache() returns everything. Thread-safe.
#pragma once
#include <cstddef>

#include "core/device.h"

namespace dnagrad {

struct Allocation {
  void* ptr = nullptr;
  size_t bytes = 0;  // the size actually reserved (>= the request)
};

Allocation cached_allocate(size_t bytes, Device device);
void cached_free(const Allocation& block, Device device);

// Frees every cached block (e.g. before handing memory to another library).
void empty_cache();
// Bytes currently held in the cache, not in use (both kinds of device).
size_t cached_bytes();

}  // namespace dnagrad
