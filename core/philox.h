// The one Philox-4x32-10 implementation (Salmon et al., SC'11), shared by the CPU Generator
// (core/rng.cpp) and the CUDA kernels that must draw the same stream (kernels/cuda/dropout.cu).
//
// Plain C++ with no library types, so the same inline functions compile for the host and, under
// nvcc, for the device (DNAGRAD_HOST_DEVICE). Both sides therefore compute identical bits: the
// rounds are 32-bit integer multiplies, XORs and adds, and the float conversion multiplies by a
// power of two (exact).
#pragma once
#include <cstdint>

#include "core/host_device.h"

namespace dnagrad {

// Four 32-bit random words: the output of one Philox block.
struct PhiloxBlock {
  uint32_t word[4];
};

// One Philox-4x32-10 block: four 32-bit random words from a 64-bit key and a 128-bit counter
// (counter_lo is the low 64 bits, counter_hi the high 64).
DNAGRAD_HOST_DEVICE inline PhiloxBlock philox4x32_block(uint64_t key, uint64_t counter_lo,
                                                        uint64_t counter_hi) {
  // Constants from the Philox paper (Random123): two multipliers and two Weyl key increments.
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  uint32_t c0 = static_cast<uint32_t>(counter_lo), c1 = static_cast<uint32_t>(counter_lo >> 32);
  uint32_t c2 = static_cast<uint32_t>(counter_hi), c3 = static_cast<uint32_t>(counter_hi >> 32);
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kMul0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(kMul1) * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  return {{c0, c1, c2, c3}};
}

// 32 random bits -> float in [0, 1) with 24 bits of mantissa (the same on host and device).
DNAGRAD_HOST_DEVICE inline float uint_to_unit_float(uint32_t bits) {
  return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f);
}

}  // namespace dnagrad
