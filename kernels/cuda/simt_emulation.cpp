// The emulation build's kernel executor: see simt_emulation.h. Compiled into every build, empty
// unless DNAGRAD_CUDA_EMULATE is defined. This file runs grids, blocks and barriers (a block's
// threads are fibers, switched in the configured order); the fibers' stacks and the context switch
// itself are in simt_fibers.cpp.
#if defined(DNAGRAD_CUDA_EMULATE)
#include "kernels/cuda/simt_emulation.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/cuda/simt_fibers.h"

#if defined(__SANITIZE_ADDRESS__)
#define DNAGRAD_ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DNAGRAD_ASAN_FIBERS 1
#endif
#endif
#if defined(DNAGRAD_ASAN_FIBERS)
#include <sanitizer/common_interface_defs.h>
#endif

// Plain globals: launches run one at a time (launch_mutex below).
uint3 threadIdx;
uint3 blockIdx;
dim3 blockDim;
dim3 gridDim;

namespace dnagrad::emulation {
namespace {

constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr unsigned kMaxBlockZ = 64;
constexpr unsigned kMaxGridYZ = 65535;
constexpr size_t kMaxSharedBytes = 48 * 1024;  // without cudaFuncSetAttribute, which we never call

std::mutex launch_mutex;  // one launch at a time: the globals of this file are shared

Schedule schedule_from_environment() {
  Schedule r;
  if (const char* env = std::getenv("DNAGRAD_EMULATE_ORDER")) {
    const std::string v = env;
    if (v == "forward")
      r.order = Order::Forward;
    else if (v == "reverse")
      r.order = Order::Reverse;
    else if (v == "shuffle")
      r.order = Order::Shuffle;
    else
      fail("DNAGRAD_EMULATE_ORDER: expected forward, reverse or shuffle, got '", v, "'");
  }
  if (const char* env = std::getenv("DNAGRAD_EMULATE_SEED"))
    r.seed = std::strtoull(env, nullptr, 10);
  if (const char* env = std::getenv("DNAGRAD_EMULATE_MAX_BLOCKS"))
    r.max_blocks = static_cast<unsigned>(std::strtoul(env, nullptr, 10));
  return r;
}

Schedule& current_schedule() {
  static Schedule s = schedule_from_environment();
  return s;
}
const Schedule& settings() { return current_schedule(); }

const char* order_name(Order o) {
  return o == Order::Forward ? "forward" : o == Order::Reverse ? "reverse" : "shuffle";
}

std::string describe(const KernelSite& site) {
  return cat("kernel ", site.kernel, " (", site.op, ", launched at ", site.where.file_name(), ":",
             site.where.line(), "; emulated CUDA, order ", order_name(settings().order),
             settings().order == Order::Shuffle ? cat(" seed ", settings().seed) : std::string(),
             ")");
}

std::string coords(const uint3& t) { return cat("(", t.x, ", ", t.y, ", ", t.z, ")"); }

// 0..n-1 in the configured order; `salt` varies the shuffle per launch, block and round.
std::vector<unsigned> make_order(unsigned n, uint64_t salt) {
  std::vector<unsigned> order(n);
  std::iota(order.begin(), order.end(), 0u);
  const Schedule& s = settings();
  if (s.order == Order::Reverse) std::reverse(order.begin(), order.end());
  if (s.order == Order::Shuffle) {
    std::mt19937_64 rng(s.seed * 0x9E3779B97F4A7C15ull ^ salt);
    std::shuffle(order.begin(), order.end(), rng);
  }
  return order;
}

uint3 unflatten(unsigned i, const dim3& d) { return {i % d.x, (i / d.x) % d.y, i / (d.x * d.y)}; }

enum class State { NotStarted, Running, AtBarrier, Exited };

struct Thread {
  uint3 index;
  State state = State::NotStarted;
  void* sp = nullptr;  // saved stack pointer while switched out
  Stack* stack = nullptr;
  const char* barrier_file = nullptr;
  int barrier_line = 0;
  std::exception_ptr error;
};

struct SharedArray {
  const void* key;
  size_t bytes;
  std::unique_ptr<unsigned char, decltype(&std::free)> data{nullptr, &std::free};
};

// One block being run. Lives on the launching thread's stack for the block's duration.
struct Block {
  const KernelSite* site;
  void (*body)(void*);
  void* context;
  Thread* threads;  // n_threads of them, from thread_slots (reused from block to block)
  unsigned n_threads;
  std::vector<SharedArray> shared;
  size_t shared_bytes = 0;  // static arrays handed out so far
  std::unique_ptr<unsigned char, decltype(&std::free)> dynamic{nullptr, &std::free};
  size_t dynamic_bytes = 0;
  bool plain = false;     // the remaining threads run as plain calls (no barrier allowed)
  int running = -1;       // the thread being run, an index into threads
  int exited_plain = -1;  // in plain mode: a thread that finished without any barrier
  void* scheduler_sp = nullptr;
#if defined(DNAGRAD_ASAN_FIBERS)
  const void* scheduler_stack = nullptr;
  size_t scheduler_stack_bytes = 0;
#endif
};

// The block being run. Launches run one at a time (launch_mutex), so plain globals suffice.
Block* current = nullptr;
// Fiber stacks and thread records, reused by every block of every launch.
std::vector<std::unique_ptr<Stack>> stack_pool;
std::vector<Thread> thread_slots;

Stack* stack_for(size_t i) {
  while (stack_pool.size() <= i) stack_pool.push_back(std::make_unique<Stack>());
  return stack_pool[i].get();
}

// ---- switching between the scheduler and a fiber, with AddressSanitizer told about it ----------

void switch_to_fiber(Block& b, Thread& t) {
  b.running = static_cast<int>(&t - b.threads);
  threadIdx = t.index;
#if defined(DNAGRAD_ASAN_FIBERS)
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, t.stack->base, t.stack->bytes);
  dnagrad_switch_stack(&b.scheduler_sp, t.sp);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#else
  dnagrad_switch_stack(&b.scheduler_sp, t.sp);
#endif
  b.running = -1;
}

// From inside thread t back to the scheduler; `exiting` when t will never be resumed.
void switch_to_scheduler(Block& b, Thread& t, bool exiting) {
#if defined(DNAGRAD_ASAN_FIBERS)
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(exiting ? nullptr : &fake_stack, b.scheduler_stack,
                                 b.scheduler_stack_bytes);
  dnagrad_switch_stack(&t.sp, b.scheduler_sp);
  __sanitizer_finish_switch_fiber(fake_stack, &b.scheduler_stack, &b.scheduler_stack_bytes);
#else
  (void)exiting;
  dnagrad_switch_stack(&t.sp, b.scheduler_sp);
#endif
}

void fiber_main() {
  Block& b = *current;
  Thread& t = b.threads[b.running];
#if defined(DNAGRAD_ASAN_FIBERS)
  __sanitizer_finish_switch_fiber(nullptr, &b.scheduler_stack, &b.scheduler_stack_bytes);
#endif
  try {
    b.body(b.context);
  } catch (...) {
    t.error = std::current_exception();
  }
  t.state = State::Exited;
  switch_to_scheduler(b, t, true);
  std::abort();  // never resumed
}

void start_fiber(Block& b, Thread& t, size_t slot) {
  t.stack = stack_for(slot);
  t.sp = prepare_stack(t.stack->base, t.stack->bytes, fiber_main);
  t.state = State::Running;
  switch_to_fiber(b, t);
}

void rethrow_errors(const Block& b) {
  for (unsigned i = 0; i < b.n_threads; ++i)
    if (b.threads[i].error) std::rethrow_exception(b.threads[i].error);
}

// Fiber mode: rounds until every thread has returned; each round runs each thread up to its
// next barrier. Thread `first` already ran up to its first barrier.
void run_fibers(Block& b, unsigned first, uint64_t salt) {
  const unsigned n = b.n_threads;
  for (uint64_t round = 0;; ++round) {
    const std::vector<unsigned> order = make_order(n, salt ^ (round + 1) * 0xBF58476D1CE4E5B9ull);
    for (unsigned i : order) {
      Thread& t = b.threads[i];
      if (round == 0 && i == first) continue;
      if (t.state == State::NotStarted)
        start_fiber(b, t, i);
      else if (t.state == State::AtBarrier) {
        t.state = State::Running;
        switch_to_fiber(b, t);
      }
      if (t.error) rethrow_errors(b);
    }
    // Every thread now waits at a barrier or has returned.
    const Thread* waiting = nullptr;
    const Thread* exited = nullptr;
    for (unsigned i = 0; i < n; ++i) {
      const Thread& t = b.threads[i];
      if (t.state == State::Exited)
        exited = exited ? exited : &t;
      else if (!waiting)
        waiting = &t;
      else if (t.barrier_line != waiting->barrier_line ||
               std::strcmp(t.barrier_file, waiting->barrier_file) != 0)
        fail("barrier divergence in ", describe(*b.site), ", block ", coords(blockIdx), ": thread ",
             coords(waiting->index), " waits at __syncthreads() at ", waiting->barrier_file, ":",
             waiting->barrier_line, " but thread ", coords(t.index), " waits at ", t.barrier_file,
             ":", t.barrier_line);
    }
    if (!waiting) return;
    DNAGRAD_CHECK(!exited, "barrier divergence in ", describe(*b.site), ", block ",
                  coords(blockIdx), ": thread ", coords(waiting->index),
                  " waits at __syncthreads() at ", waiting->barrier_file, ":",
                  waiting->barrier_line, " but thread ", coords(exited->index),
                  " has returned without reaching it");
  }
}

void run_block(Block& b, uint64_t salt) {
  const std::vector<unsigned> order = make_order(b.n_threads, salt);
  // The first thread in order runs as a fiber; if it never waits at a barrier, the block runs
  // barrier-free and its other threads are plain calls.
  const unsigned first = order[0];
  start_fiber(b, b.threads[first], first);
  rethrow_errors(b);
  if (b.threads[first].state == State::AtBarrier) {
    run_fibers(b, first, salt);
    return;
  }
  b.plain = true;
  b.exited_plain = static_cast<int>(first);
  for (size_t k = 1; k < order.size(); ++k) {
    Thread& t = b.threads[order[k]];
    b.running = static_cast<int>(order[k]);
    threadIdx = t.index;
    b.body(b.context);
  }
  b.running = -1;
}

void check_launch_limits(const KernelSite& site, dim3 grid, dim3 block, size_t dynamic_bytes) {
  const uint64_t threads = uint64_t{block.x} * block.y * block.z;
  DNAGRAD_CHECK(grid.x > 0 && grid.y > 0 && grid.z > 0 && threads > 0, "invalid launch of ",
                describe(site), ": empty grid (", grid.x, ", ", grid.y, ", ", grid.z,
                ") or block (", block.x, ", ", block.y, ", ", block.z, ")");
  DNAGRAD_CHECK(threads <= kMaxThreadsPerBlock && block.z <= kMaxBlockZ, "invalid launch of ",
                describe(site), ": block (", block.x, ", ", block.y, ", ", block.z, ") has ",
                threads, " threads; the limit is ", kMaxThreadsPerBlock, " (and z <= ", kMaxBlockZ,
                ")");
  DNAGRAD_CHECK(grid.x <= 0x7FFFFFFFu && grid.y <= kMaxGridYZ && grid.z <= kMaxGridYZ,
                "invalid launch of ", describe(site), ": grid (", grid.x, ", ", grid.y, ", ",
                grid.z, ") exceeds the limits (2^31 - 1, ", kMaxGridYZ, ", ", kMaxGridYZ, ")");
  DNAGRAD_CHECK(dynamic_bytes <= kMaxSharedBytes, "invalid launch of ", describe(site), ": ",
                dynamic_bytes, " bytes of dynamic shared memory; the limit is ", kMaxSharedBytes,
                " without cudaFuncSetAttribute");
}

uint64_t launch_counter = 0;  // varies the shuffle from launch to launch

}  // namespace

void run_grid(const KernelSite& site, dim3 grid, dim3 block, size_t dynamic_shared_bytes,
              void (*body)(void*), void* context) {
  check_launch_limits(site, grid, block, dynamic_shared_bytes);
  std::lock_guard<std::mutex> lock(launch_mutex);
  DNAGRAD_CHECK(current == nullptr, "emulated CUDA: ", describe(site),
                " was launched from inside a kernel");
  const uint64_t launch = ++launch_counter;
  blockDim = block;
  gridDim = grid;
  const unsigned n_threads = block.x * block.y * block.z;
  const uint64_t n_blocks = uint64_t{grid.x} * grid.y * grid.z;
  DNAGRAD_CHECK(n_blocks < (uint64_t{1} << 32), "emulated CUDA: ", describe(site), " has ",
                n_blocks, " blocks, more than the emulation runs");
  const std::vector<unsigned> block_order =
      make_order(static_cast<unsigned>(n_blocks), launch * 0x94D049BB133111EBull);
  for (unsigned linear : block_order) {
    if (thread_slots.size() < n_threads) thread_slots.resize(n_threads);
    for (unsigned i = 0; i < n_threads; ++i) {
      Thread& t = thread_slots[i];
      t.index = unflatten(i, block);
      t.state = State::NotStarted;
      t.error = nullptr;
      t.barrier_file = nullptr;
      t.barrier_line = 0;
    }
    Block b;
    b.site = &site;
    b.body = body;
    b.context = context;
    b.threads = thread_slots.data();
    b.n_threads = n_threads;
    b.dynamic.reset(static_cast<unsigned char*>(std::malloc(dynamic_shared_bytes)));
    std::memset(b.dynamic.get(), 0xFF, dynamic_shared_bytes);
    b.dynamic_bytes = dynamic_shared_bytes;
    blockIdx = unflatten(linear, grid);
    current = &b;
    try {
      run_block(b, launch * 0x2545F4914F6CDD1Dull + linear);
    } catch (...) {
      current = nullptr;
      throw;
    }
    current = nullptr;
  }
}

void check_kernel_pointer(const KernelSite& site, int index, const void* ptr) {
  if (ptr == nullptr) return;
  int device = 0;
  cudaGetDevice(&device);
  const int owner = device_of(ptr, 0);
  DNAGRAD_CHECK(owner >= 0, "emulated CUDA: argument ", index, " of ", describe(site), " is ", ptr,
                ", which is not device memory (a host pointer, or a freed device block)");
  DNAGRAD_CHECK(owner == device, "emulated CUDA: argument ", index, " of ", describe(site),
                " is memory of cuda:", owner, ", but the kernel runs on cuda:", device,
                " (the current device)");
}

void syncthreads(const char* file, int line) {
  Block* b = current;
  DNAGRAD_CHECK(b != nullptr && b->running >= 0,
                "emulated CUDA: __syncthreads() called outside a kernel at ", file, ":", line);
  Thread& t = b->threads[b->running];
  if (b->plain)
    fail("barrier divergence in ", describe(*b->site), ", block ", coords(blockIdx), ": thread ",
         coords(t.index), " reached __syncthreads() at ", file, ":", line, " but thread ",
         coords(b->threads[b->exited_plain].index), " returned without reaching any barrier");
  t.state = State::AtBarrier;
  t.barrier_file = file;
  t.barrier_line = line;
  switch_to_scheduler(*b, t, false);
}

void* block_shared(const void* key, size_t bytes) {
  Block* b = current;
  DNAGRAD_CHECK(b != nullptr, "emulated CUDA: shared memory used outside a kernel");
  for (SharedArray& s : b->shared)
    if (s.key == key) return s.data.get();
  b->shared_bytes += bytes;
  DNAGRAD_CHECK(b->shared_bytes + b->dynamic_bytes <= kMaxSharedBytes, "invalid launch of ",
                describe(*b->site), ": ", b->shared_bytes, " bytes of static and ",
                b->dynamic_bytes, " bytes of dynamic shared memory; the limit is ",
                kMaxSharedBytes);
  SharedArray s{key, bytes};
  s.data.reset(static_cast<unsigned char*>(std::malloc(bytes)));
  std::memset(s.data.get(), 0xFF, bytes);  // NaN until staged
  b->shared.push_back(std::move(s));
  return b->shared.back().data.get();
}

void* dynamic_shared() {
  DNAGRAD_CHECK(current != nullptr, "emulated CUDA: shared memory used outside a kernel");
  return current->dynamic.get();
}

unsigned max_grid_stride_blocks() { return settings().max_blocks; }

Schedule schedule() {
  std::lock_guard<std::mutex> lock(launch_mutex);
  return current_schedule();
}

void set_schedule(const Schedule& s) {
  std::lock_guard<std::mutex> lock(launch_mutex);
  current_schedule() = s;
}

}  // namespace dnagrad::emulation

#endif  // DNAGRAD_CUDA_EMULATE
