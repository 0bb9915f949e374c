// Deferred device checks: see core/device_checks.h.
#include "core/device_checks.h"

#include <array>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "core/cuda_runtime.h"
#include "core/error.h"

namespace dnagrad {
namespace {

constexpr int kSlots = 8;       // distinct checks (a slot per `what`)
constexpr int kMaxDevices = 64;
constexpr unsigned long long kPassed = std::numeric_limits<unsigned long long>::max();

struct Slot {
  const char* what = nullptr;
  int64_t bound = 0;
  bool armed = false;
};

// One device's words (device memory, kSlots of them) and what each slot checks.
struct DeviceRecord {
  unsigned long long* words = nullptr;  // allocated on first use, never freed (tiny)
  std::array<Slot, kSlots> slots;
  bool any_armed = false;
};

std::mutex mutex;
std::array<DeviceRecord, kMaxDevices> records;

}  // namespace

unsigned long long* arm_device_check(int device, const char* what, int64_t bound) {
  DNAGRAD_CHECK(device >= 0 && device < kMaxDevices, "arm_device_check: cuda:", device,
                " is outside 0..", kMaxDevices - 1);
  std::lock_guard<std::mutex> lock(mutex);
  DeviceRecord& r = records[device];
  if (r.words == nullptr) {
    const size_t bytes = kSlots * sizeof(unsigned long long);
    r.words = static_cast<unsigned long long*>(cuda_malloc(bytes, device));
    const std::vector<unsigned long long> passed(kSlots, kPassed);
    cuda_copy(r.words, passed.data(), bytes, 0);
  }
  for (int i = 0; i < kSlots; ++i) {
    Slot& s = r.slots[i];
    if (s.what == nullptr || s.what == what) {
      s.what = what;
      s.bound = bound;
      s.armed = true;
      r.any_armed = true;
      return r.words + i;
    }
  }
  fail("arm_device_check: more than ", kSlots, " kinds of deferred device checks");
}

void check_device_errors(int device) {
  if (device < 0 || device >= kMaxDevices) return;
  std::lock_guard<std::mutex> lock(mutex);
  DeviceRecord& r = records[device];
  if (!r.any_armed) return;
  std::array<unsigned long long, kSlots> words;
  cuda_copy(words.data(), r.words, sizeof(words), 1);
  r.any_armed = false;
  const Slot* failed = nullptr;
  unsigned long long index = 0;
  for (int i = 0; i < kSlots; ++i) {
    Slot& s = r.slots[i];
    if (s.armed && words[i] != kPassed && failed == nullptr) {
      failed = &s;
      index = words[i];
    }
    s.armed = false;
  }
  if (failed == nullptr) return;
  const std::array<unsigned long long, kSlots> passed = [] {
    std::array<unsigned long long, kSlots> a;
    a.fill(kPassed);
    return a;
  }();
  cuda_copy(r.words, passed.data(), sizeof(passed), 0);  // reset for the next calls
  fail(failed->what, " (element ", index, ", bound ", failed->bound, "; found on cuda:", device,
       " by a device-side check, reported at the next copy back to the host)");
}

}  // namespace dnagrad
