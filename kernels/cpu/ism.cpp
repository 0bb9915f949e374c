// ism_first_layer_mutants on the CPU (kernels/ism.h): the reference's first-layer output copied
// once per mutant, then the K outputs that can read the mutated column corrected by the weight
// difference. The header has the legend and the arithmetic.
#include "kernels/ism.h"

#include <algorithm>

#include "kernels/checks.h"

namespace dnagrad::kernels::cpu {

void ism_first_layer_mutants(const Array& reference_out, const Array& weight,
                             const Array& ref_onehot, std::span<const int64_t> positions,
                             std::span<const int64_t> bases, const Conv1dParams& p, Array& out) {
  const IsmExtents e =
      check_ism_first_layer_mutants(reference_out, weight, ref_onehot, positions, bases, p, out);
  dispatch_float(out.dtype(), "ism_first_layer_mutants", [&]<class T>() {
    const T* ref = reference_out.template data<T>();
    const T* w = weight.template data<T>();
    const T* x = ref_onehot.template data<T>();
    T* y = out.template data<T>();
    const int64_t plane = e.c_out * e.len_out;
    for (int64_t m = 0; m < e.mutants; ++m) {
      T* y_m = y + m * plane;
      std::copy_n(ref, plane, y_m);
      const int64_t q = positions[m], b = bases[m];
      for (int64_t k = 0; k < e.kernel; ++k) {
        // Output t reads column q through tap k when t*s - p + k*d = q.
        const int64_t t_stride = q + p.padding - k * p.dilation;
        if (t_stride < 0 || t_stride % p.stride != 0 || t_stride / p.stride >= e.len_out) continue;
        const int64_t t = t_stride / p.stride;
        for (int64_t o = 0; o < e.c_out; ++o) {
          const T* w_ok = w + o * 4 * e.kernel + k;  // w_ok[c * K] = weight[o, c, k]
          T column = T(0);
          for (int64_t c = 0; c < 4; ++c) column += w_ok[c * e.kernel] * x[c * e.len + q];
          y_m[o * e.len_out + t] += w_ok[b * e.kernel] - column;
        }
      }
    }
  });
}

}  // namespace dnagrad::kernels::cpu
