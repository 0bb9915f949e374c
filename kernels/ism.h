// In-silico mutagenesis of a model's first layer, a Conv1d over one-hot DNA
// (genomics/interpret/ism.h): the first-layer outputs of a batch of single-base mutants of ONE
// sequence, from the reference's output plus a weight difference instead of a convolution per
// mutant.
//
// Legend: C_out output channels, K kernel size, L sequence length, L_out output length
// (Conv1dParams::out_length(L, K)), M mutants; s stride, p padding, d dilation.
//   reference_out [C_out, L_out]  the first conv's output on the reference x, bias included
//   weight        [C_out, 4, K]   that conv's weight (C_in = 4: rows A, C, G, T)
//   ref_onehot    [4, L]          the reference x: one-hot columns, or all zero (N)
//   positions[m], bases[m]        mutant m is x with column positions[m] replaced by e_bases[m]
//   out           [M, C_out, L_out]
//
// The convolution is linear in x and mutant m differs from x in column q = positions[m] only,
// by e_b - x[:, q] (b = bases[m]). Output t reads column q through tap k when
// t*s - p + k*d = q, which happens for at most one k; every other output equals the reference's:
//   out[m, o, t] = reference_out[o, t] + weight[o, b, k] - sum_c weight[o, c, k] * x[c, q]
//                                                         if t*s - p + k*d = q for some k < K
//   out[m, o, t] = reference_out[o, t]                    otherwise.
// For a one-hot column the sum is weight[o, ref(q), k] (the multiplications by 1 and 0 are
// exact); at an N column it is 0, so the term is just + weight[o, b, k].
//
// ASSIGNS every element of out. Each element is written by one thread on the GPU (no atomics).
// positions and bases are host values on both devices (the CUDA twin uploads them); every
// argument is checked the same way on both (kernels/checks.h): 0 <= positions[m] < L,
// 0 <= bases[m] < 4, the shapes above, one device and one dtype for the arrays.
#pragma once
#include <cstdint>
#include <span>

#include "core/array.h"
#include "kernels/conv1d.h"
#include "kernels/dispatch.h"

namespace dnagrad::kernels {

namespace cpu {
void ism_first_layer_mutants(const Array& reference_out, const Array& weight,
                             const Array& ref_onehot, std::span<const int64_t> positions,
                             std::span<const int64_t> bases, const Conv1dParams& p, Array& out);
}  // namespace cpu

#ifdef DNAGRAD_WITH_CUDA
namespace cuda {
void ism_first_layer_mutants(const Array& reference_out, const Array& weight,
                             const Array& ref_onehot, std::span<const int64_t> positions,
                             std::span<const int64_t> bases, const Conv1dParams& p, Array& out);
}  // namespace cuda
#endif

inline void ism_first_layer_mutants(const Array& reference_out, const Array& weight,
                                    const Array& ref_onehot, std::span<const int64_t> positions,
                                    std::span<const int64_t> bases, const Conv1dParams& p,
                                    Array& out) {
#ifdef DNAGRAD_WITH_CUDA
  if (reference_out.device().is_cuda())
    return cuda::ism_first_layer_mutants(reference_out, weight, ref_onehot, positions, bases, p,
                                         out);
#endif
  require_cpu(reference_out, "ism_first_layer_mutants");
  cpu::ism_first_layer_mutants(reference_out, weight, ref_onehot, positions, bases, p, out);
}

}  // namespace dnagrad::kernels
