#include "core/allocator.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/cuda_runtime.h"
#include "core/error.h"

namespace dnagrad {

namespace {

constexpr size_t kMinCachedBytes = size_t{1} << 20;  // smaller CPU blocks come from malloc directly
constexpr size_t kRounding = size_t{1} << 16;        // 64 KiB size classes for large blocks
constexpr size_t kSmallRounding = 512;               // size classes of small CUDA blocks
constexpr size_t kAlignment = 64;                    // a cache line, an AVX-512 register

std::atomic<size_t> cuda_mallocs{0};

// Exact device allocations: every CUDA block exactly as large as asked and freed at once, so
// AddressSanitizer (emulation build) or compute-sanitizer (GPU) see every overrun and every use
// of a freed block. On by default in the emulation build; DNAGRAD_EXACT_DEVICE_ALLOC=0/1 decides.
// (A function-local static: allocations made during other files' static initialisation see it.)
std::atomic<bool>& exact_device() {
  static std::atomic<bool> exact{[] {
    if (const char* env = std::getenv("DNAGRAD_EXACT_DEVICE_ALLOC")) return env[0] == '1';
    return cuda_emulated();
  }()};
  return exact;
}

size_t round_up(size_t bytes, size_t to) { return (bytes + to - 1) / to * to; }

// Every CUDA block is cached (a cudaMalloc, and the synchronising cudaFree, per small gradient
// or scratch buffer would cost more than the kernels); CPU blocks only from kMinCachedBytes.
bool is_cached(size_t bytes, Device device) {
  if (device.is_cuda()) return !exact_device().load(std::memory_order_relaxed);
  return bytes >= kMinCachedBytes;
}

// The size class a request is served from.
size_t size_class(size_t bytes) {
  return bytes < kMinCachedBytes ? round_up(bytes == 0 ? 1 : bytes, kSmallRounding)
                                 : round_up(bytes, kRounding);
}

void* raw_allocate(size_t bytes, Device device) {
  if (device.is_cuda()) {
    cuda_mallocs.fetch_add(1, std::memory_order_relaxed);
    return cuda_malloc(bytes, device.index);
  }
  void* p = std::aligned_alloc(kAlignment, bytes);
  DNAGRAD_CHECK(p != nullptr, "out of memory allocating ", bytes, " bytes on the CPU");
  return p;
}

void raw_free(void* ptr, Device device) {
  if (device.is_cuda())
    cuda_free(ptr);
  else
    std::free(ptr);
}

size_t limit_from_environment() {
  const char* env = std::getenv("DNAGRAD_CACHE_LIMIT_MB");
  const size_t mb = env ? std::strtoull(env, nullptr, 10) : 8192;
  return mb << 20;
}

class BlockCache {
 public:
  Allocation allocate(size_t bytes, Device device) {
    if (!is_cached(bytes, device)) {
      const size_t size = device.is_cuda() ? bytes : round_up(bytes == 0 ? 1 : bytes, kAlignment);
      return {raw_allocate(size, device), size};
    }
    const size_t size = size_class(bytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = free_.find({key(device), size});
      if (found != free_.end() && !found->second.empty()) {
        void* p = found->second.back();
        found->second.pop_back();
        held_[device.is_cuda()] -= size;
        return {p, size};
      }
    }
    try {
      return {raw_allocate(size, device), size};
    } catch (const Error&) {
      release_all(device.is_cuda());  // out of memory: give back what we hold and try once more
      return {raw_allocate(size, device), size};
    }
  }

  void release(const Allocation& block, Device device) {
    if (is_cached(block.bytes, device)) {
      std::lock_guard<std::mutex> lock(mutex_);
      size_t& held = held_[device.is_cuda()];
      if (held + block.bytes <= limit_) {
        free_[{key(device), block.bytes}].push_back(block.ptr);
        held += block.bytes;
        return;
      }
    }
    raw_free(block.ptr, device);
  }

  void release_all(bool cuda_only) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [k, blocks] : free_) {
      const Device device = k.first < 0 ? Device::cpu() : Device::cuda(k.first);
      if (cuda_only && device.is_cpu()) continue;
      for (void* p : blocks) raw_free(p, device);
      held_[device.is_cuda()] -= blocks.size() * k.second;
      blocks.clear();
    }
  }

  size_t held() {
    std::lock_guard<std::mutex> lock(mutex_);
    return held_[0] + held_[1];
  }

 private:
  static int key(Device device) { return device.is_cpu() ? -1 : device.index; }

  std::mutex mutex_;
  std::map<std::pair<int, size_t>, std::vector<void*>> free_;  // (device, size) -> free blocks
  size_t held_[2] = {0, 0};                                    // CPU, CUDA
  const size_t limit_ = limit_from_environment();
};

// Never destroyed: arrays freed during static destruction must still find it.
BlockCache& cache() {
  static BlockCache* instance = new BlockCache();
  return *instance;
}

}  // namespace

Allocation cached_allocate(size_t bytes, Device device) { return cache().allocate(bytes, device); }
void cached_free(const Allocation& block, Device device) { cache().release(block, device); }
void empty_cache() { cache().release_all(false); }
size_t cached_bytes() { return cache().held(); }
size_t cuda_malloc_count() { return cuda_mallocs.load(std::memory_order_relaxed); }
bool exact_device_allocations() { return exact_device().load(std::memory_order_relaxed); }
void set_exact_device_allocations(bool exact) {
  if (exact) cache().release_all(true);  // nothing cached may be handed out any more
  exact_device().store(exact, std::memory_order_relaxed);
}

}  // namespace dnagrad
