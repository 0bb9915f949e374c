// A caching allocator. Training allocates the same activation and gradient buffers every step;
// returning them to the operating system and mapping them again costs a page fault per 4 KiB
// (on the promoter model, 40% of a CPU training step) and a cudaMalloc (plus a synchronising
// cudaFree) on a GPU. So freed blocks are kept, keyed by device and size class, and handed out
// again to the next request of that class: on the CPU blocks of at least 1 MiB (64 KiB classes;
// smaller ones come from malloc), on a GPU every block (512-byte classes below 1 MiB), so a
// training step calls cudaMalloc only until its first steps have filled the cache.
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
// How many times the cache has asked the CUDA runtime for memory (cudaMalloc), since the start.
size_t cuda_malloc_count();

// Exact device allocations: CUDA blocks of exactly the requested size, freed at once instead of
// cached, so memory checkers (ASan in the emulation build, compute-sanitizer on a GPU) see every
// overrun and every use of a freed block. Default: on in the emulation build, off otherwise;
// the environment variable DNAGRAD_EXACT_DEVICE_ALLOC=1/0 overrides it at start-up.
bool exact_device_allocations();
void set_exact_device_allocations(bool exact);

}  // namespace dnagrad
