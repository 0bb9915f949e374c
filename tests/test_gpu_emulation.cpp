// The CUDA emulation itself (kernels/cuda/simt_emulation.h, core/emulated_runtime.h), tested by
// planting in small kernels the bugs it exists to catch: a missing barrier, barrier divergence,
// launches past the limits, host or freed pointers given to a kernel, kernels on the wrong device,
// and (under AddressSanitizer, in a child process) out-of-bounds global and shared memory and a
// use of a freed block. Only in the emulation build (-DDNAGRAD_CUDA=EMULATE); suite gpu, so that
// `ctest -L gpu` runs them with the rest.
#include <doctest/doctest.h>

#if defined(DNAGRAD_CUDA_EMULATE)

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/allocator.h"
#include "gpu_test_util.h"
#include "kernels/conv1d.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/elementwise.h"

using namespace dnagrad;
using namespace dnagrad::testing;
using dnagrad::kernels::cuda::kThreads;
using dnagrad::kernels::cuda::launch;
namespace emulation = dnagrad::emulation;

namespace {

// ---- small kernels, correct and with planted bugs ------------------------------------------------

// out[0] = sum of x[0..kThreads) by a shared-memory tree; `barriers` false plants the bug of
// forgetting the __syncthreads() between the tree's levels.
__global__ void tree_sum(const double* x, double* out, bool barriers) {
  DNAGRAD_SHARED(double, scratch, [kThreads]);
  scratch[threadIdx.x] = x[threadIdx.x];
  if (barriers) __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) scratch[threadIdx.x] += scratch[threadIdx.x + half];
    if (barriers) __syncthreads();
  }
  if (threadIdx.x == 0) *out = scratch[0];
}

// Threads below `waiting` wait at a barrier, the others return without it.
__global__ void diverging_exit(double* out, unsigned waiting) {
  if (threadIdx.x < waiting) {
    __syncthreads();
    out[threadIdx.x] = 1;
  }
}

// Even threads wait at one barrier, odd threads at another.
__global__ void diverging_barriers(double* out) {
  if (threadIdx.x % 2 == 0) {
    __syncthreads();
    out[threadIdx.x] = 0;
  } else {
    __syncthreads();
    out[threadIdx.x] = 1;
  }
}

__global__ void fill(double* out, int64_t n, double value) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x)
    out[i] = value;
}

// Writes one element past the end: out has n elements, the loop runs to n inclusive.
__global__ void write_past_end(double* out, int64_t n) {
  for (int64_t i = threadIdx.x; i <= n; i += blockDim.x) out[i] = 1;
}

// Stages kThreads doubles in dynamic shared memory; launched with one double too few.
__global__ void stage_dynamic(const double* x, double* out) {
  DNAGRAD_DYNAMIC_SHARED(unsigned char, raw);
  double* staged = reinterpret_cast<double*>(raw);
  staged[threadIdx.x] = x[threadIdx.x];
  __syncthreads();
  out[threadIdx.x] = staged[kThreads - 1 - threadIdx.x];
}

// A static shared array indexed one past its end by the last thread.
__global__ void stage_static_past_end(const double* x, double* out) {
  DNAGRAD_SHARED(double, staged, [kThreads - 1]);
  staged[threadIdx.x] = x[threadIdx.x];
  __syncthreads();
  out[threadIdx.x] = staged[0];
}

// A pointer hidden in a struct, where the launch cannot check it.
struct Hidden {
  double* data;
};
__global__ void write_through(Hidden h) { h.data[threadIdx.x] = 1; }

// ---- helpers -------------------------------------------------------------------------------------

Array device_zeros(int64_t n) { return Array::zeros({n}, DType::F64, Device::cuda()); }

// Sets the schedule for the scope, restores the previous one after.
struct ScopedSchedule {
  emulation::Schedule saved = emulation::schedule();
  explicit ScopedSchedule(emulation::Schedule s) { emulation::set_schedule(s); }
  ~ScopedSchedule() { emulation::set_schedule(saved); }
};

// tree_sum of 0, 1, ..., kThreads - 1 under the current schedule.
double tree_sum_of_indices(bool barriers) {
  std::vector<double> values(kThreads);
  for (int i = 0; i < kThreads; ++i) values[i] = i;
  const Array x = Array::from_vector({kThreads}, values, DType::F64).to(Device::cuda());
  Array out = Array::empty({1}, DType::F64, Device::cuda());
  launch(tree_sum, 1, kThreads, 0, "tree_sum", "test")(x.data<double>(), out.data<double>(),
                                                      barriers);
  return out.to(Device::cpu()).data<double>()[0];
}

// ---- the crash scenarios, run by a child process -------------------------------------------------

void run_crash_scenario(const std::string& name) {
  const Array x = Array::zeros({kThreads}, DType::F64, Device::cuda());
  Array out = device_zeros(kThreads);
  if (name == "global_overrun") {
    launch(write_past_end, 1, kThreads, 0, "write_past_end", "test")(out.data<double>(),
                                                                      int64_t{kThreads});
  } else if (name == "dynamic_shared_underallocated") {
    launch(stage_dynamic, 1, kThreads, (kThreads - 1) * sizeof(double), "stage_dynamic", "test")(
        x.data<double>(), out.data<double>());
  } else if (name == "static_shared_overrun") {
    launch(stage_static_past_end, 1, kThreads, 0, "stage_static_past_end", "test")(
        x.data<double>(), out.data<double>());
  } else if (name == "freed_block") {
    double* stale = nullptr;
    {
      Array freed = device_zeros(kThreads);
      stale = freed.data<double>();
    }  // exact device allocations: the block is freed here
    launch(write_through, 1, kThreads, 0, "write_through", "test")(Hidden{stale});
  }
}

// DNAGRAD_PLANTED_CRASH=<scenario> makes this test binary run that scenario at start-up and exit;
// the tests below expect AddressSanitizer to stop it first.
const int planted_crash_hook = [] {
  if (const char* name = std::getenv("DNAGRAD_PLANTED_CRASH")) {
    run_crash_scenario(name);
    std::_Exit(0);  // reached only when the bug went unnoticed
  }
  return 0;
}();

// Runs this binary with DNAGRAD_PLANTED_CRASH=scenario; returns its exit status and output.
std::pair<int, std::string> run_child(const std::string& scenario) {
  const std::string command = "DNAGRAD_PLANTED_CRASH=" + scenario +
                              " ASAN_OPTIONS=detect_leaks=0 /proc/" + std::to_string(getpid()) +
                              "/exe 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  return {pclose(pipe), output};
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("emulation: a missing barrier in a shared-memory tree sum is caught") {
    REQUIRE(cuda_device_count() >= 1);
    const double expected = kThreads * (kThreads - 1) / 2.0;
    // With its barriers the sum is right in every order.
    for (auto order : {emulation::Order::Forward, emulation::Order::Reverse}) {
      ScopedSchedule s({order, 1, 0});
      CHECK(tree_sum_of_indices(true) == expected);
    }
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      ScopedSchedule s({emulation::Order::Shuffle, seed, 0});
      CHECK(tree_sum_of_indices(true) == expected);
    }
    // Without them forward order reads unwritten (NaN) shared memory, and shuffled orders give
    // wrong sums. (Reverse order happens to compute this tree correctly: why CI also shuffles.)
    {
      ScopedSchedule s({emulation::Order::Forward, 1, 0});
      CHECK(std::isnan(tree_sum_of_indices(false)));
    }
    int wrong = 0;
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      ScopedSchedule s({emulation::Order::Shuffle, seed, 0});
      wrong += tree_sum_of_indices(false) != expected;
    }
    CHECK(wrong == 3);
  }

  TEST_CASE("emulation: barrier divergence is an error naming the kernel") {
    REQUIRE(cuda_device_count() >= 1);
    Array out = device_zeros(kThreads);
    // Every thread at the barrier: fine.
    launch(diverging_exit, 1, kThreads, 0, "diverging_exit", "test")(out.data<double>(),
                                                                     unsigned{kThreads});
    for (unsigned waiting : {1u, 100u, kThreads - 1u}) {
      INFO(waiting, " threads wait");
      CHECK_THROWS_WITH_AS(launch(diverging_exit, 1, kThreads, 0, "diverging_exit", "test")(
                               out.data<double>(), waiting),
                           doctest::Contains("barrier divergence in kernel diverging_exit"),
                           Error);
    }
    CHECK_THROWS_WITH_AS(
        launch(diverging_barriers, 1, kThreads, 0, "diverging_barriers", "test")(
            out.data<double>()),
        doctest::Contains("barrier divergence in kernel diverging_barriers"), Error);
  }

  TEST_CASE("emulation: launches past the hardware limits are errors") {
    REQUIRE(cuda_device_count() >= 1);
    Array out = device_zeros(kThreads);
    double* p = out.data<double>();
    const int64_t n = kThreads;
    CHECK_THROWS_WITH_AS(launch(fill, 1, 1025, 0, "fill", "test")(p, n, 1.0),
                         doctest::Contains("1025 threads"), Error);
    CHECK_THROWS_WITH_AS(launch(fill, 1, dim3(8, 8, 65), 0, "fill", "test")(p, n, 1.0),
                         doctest::Contains("limit is 1024"), Error);
    CHECK_THROWS_WITH_AS(launch(fill, dim3(1, 65536), 1, 0, "fill", "test")(p, n, 1.0),
                         doctest::Contains("exceeds the limits"), Error);
    CHECK_THROWS_WITH_AS(launch(fill, 0, kThreads, 0, "fill", "test")(p, n, 1.0),
                         doctest::Contains("empty grid"), Error);
    CHECK_THROWS_WITH_AS(launch(fill, 1, kThreads, 48 * 1024 + 1, "fill", "test")(p, n, 1.0),
                         doctest::Contains("dynamic shared memory"), Error);
    // Static plus dynamic shared memory over 48 KiB: tree_sum's 2 KiB on top of 47 KiB.
    const Array x = device_zeros(kThreads);
    CHECK_THROWS_WITH_AS(launch(tree_sum, 1, kThreads, 47 * 1024, "tree_sum", "test")(
                             x.data<double>(), p, true),
                         doctest::Contains("static and"), Error);
    // Within the limits the same launch works.
    launch(fill, 2, kThreads, 48 * 1024, "fill", "test")(p, n, 3.0);
    CHECK(out.to(Device::cpu()).to_vector() == std::vector<double>(kThreads, 3.0));
  }

  TEST_CASE("emulation: a host pointer or a freed block given to a kernel is an error") {
    REQUIRE(cuda_device_count() >= 1);
    std::vector<double> host(kThreads);
    CHECK_THROWS_WITH_AS(
        launch(fill, 1, kThreads, 0, "fill", "test")(host.data(), int64_t{kThreads}, 1.0),
        doctest::Contains("argument 0 of kernel fill"), Error);
    REQUIRE(exact_device_allocations());  // the emulation's default
    double* stale = nullptr;
    {
      Array freed = device_zeros(kThreads);
      stale = freed.data<double>();
    }
    CHECK_THROWS_WITH_AS(
        launch(fill, 1, kThreads, 0, "fill", "test")(stale, int64_t{kThreads}, 1.0),
        doctest::Contains("not device memory"), Error);
    // Copies check their directions too.
    Array device = device_zeros(4);
    CHECK_THROWS_WITH_AS(cuda_copy(device.data<double>(), device.data<double>(), 32, 0),
                         doctest::Contains("is device memory"), Error);
    CHECK_THROWS_WITH_AS(cuda_copy(host.data(), host.data(), 8, 1),
                         doctest::Contains("not inside a live device allocation"), Error);
    CHECK_THROWS_WITH_AS(cuda_copy(host.data(), device.data<double>(), 40, 1),
                         doctest::Contains("not inside a live device allocation"), Error);
  }

  TEST_CASE("emulation: ops on cuda:1 run on cuda:1 whatever the current device") {
    REQUIRE(cuda_device_count() >= 1);
    const int saved_count = cuda_device_count();
    emulation::set_device_count(2);
    struct Restore {
      int count;
      ~Restore() { emulation::set_device_count(count); }
    } restore{saved_count};
    int current = -1;
    cudaGetDevice(&current);
    REQUIRE(current == 0);

    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const Array x = random_array({2, 4, 50}, gen), w = random_array({6, 4, 5}, gen);
    const Array b = random_array({6}, gen);
    const kernels::Conv1dParams p{.stride = 1, .padding = 2, .dilation = 1};
    Array expected = poisoned({2, 6, 50});
    kernels::conv1d_forward(x, w, b, expected, p);

    const Device second = Device::cuda(1);
    Array y = poisoned({2, 6, 50}).to(second);
    cudaGetDevice(&current);
    CHECK(current == 0);  // allocating on cuda:1 left the current device alone
    kernels::conv1d_forward(x.to(second), w.to(second), b.to(second), y, p);
    CHECK(y.device() == second);
    require_close(y.to(Device::cpu()), expected, 1e-12, 1e-14);
    Array sum = y.clone();
    kernels::accumulate(sum, y, 1.0);
    std::vector<double> doubled = expected.to_vector();
    for (double& v : doubled) v *= 2;
    require_close(sum.to(Device::cpu()), Array::from_vector({2, 6, 50}, doubled, DType::F64), 1e-12,
                  1e-14);
    cudaGetDevice(&current);
    CHECK(current == 0);  // and so did the kernels

    // A kernel given cuda:1 memory while cuda:0 is current is the bug the device guards prevent.
    CHECK_THROWS_WITH_AS(
        launch(fill, 1, kThreads, 0, "fill", "test")(y.data<double>(), int64_t{12}, 1.0),
        doctest::Contains("memory of cuda:1, but the kernel runs on cuda:0"), Error);
  }

#if defined(__SANITIZE_ADDRESS__)
  TEST_CASE("emulation: AddressSanitizer stops out-of-bounds and freed device memory") {
    REQUIRE(cuda_device_count() >= 1);
    const struct {
      const char* scenario;
      const char* report;
    } cases[] = {
        {"global_overrun", "heap-buffer-overflow"},
        {"dynamic_shared_underallocated", "heap-buffer-overflow"},
        // UBSan sees the constant-size array's bound before ASan sees the heap.
        {"static_shared_overrun", "index 255 out of bounds for type 'double [255]'"},
        {"freed_block", "heap-use-after-free"},
    };
    for (const auto& c : cases) {
      INFO("planted: ", std::string(c.scenario));
      const auto [status, output] = run_child(c.scenario);
      INFO(output.substr(0, 2000));
      CHECK(status != 0);
      CHECK(output.find(c.report) != std::string::npos);
      CHECK(output.find("test_gpu_emulation.cpp") != std::string::npos);  // the kernel's line
    }
  }
#endif
}

#endif  // DNAGRAD_CUDA_EMULATE
