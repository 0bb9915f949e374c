// ism_first_layer_mutants on the GPU (kernels/ism.h has the legend and the arithmetic).
//
// Kernel mutant_outputs: one thread per output element (m, o, t) of out [M, C_out, L_out], in a
// grid-stride loop, t fastest, so reads of reference_out and writes of out are coalesced. The
// thread finds the one tap k (if any) through which output t reads the mutated column q and adds
// weight[o, b, k] - sum_c weight[o, c, k] * x[c, q] to the reference; every element is written
// by exactly one thread (no atomics). The mutants' (position, base) pairs are uploaded as one
// int64 array [M, 2] per call.
#include <vector>

#include "kernels/checks.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/ism.h"

namespace dnagrad::kernels::cuda {

namespace {

struct IsmShape {
  int64_t mutants, c_out, len, len_out;
  int kernel, stride, padding, dilation;
};

template <class T>
__global__ void mutant_outputs(const T* __restrict__ ref, const T* __restrict__ w,
                               const T* __restrict__ x, const int64_t* __restrict__ mutants,
                               T* __restrict__ y, IsmShape s) {
  const int64_t total = s.mutants * s.c_out * s.len_out;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t t = i % s.len_out, o = (i / s.len_out) % s.c_out, m = i / (s.len_out * s.c_out);
    T value = ref[o * s.len_out + t];
    const int64_t q = mutants[2 * m], b = mutants[2 * m + 1];
    const int64_t j = q - (t * s.stride - s.padding);  // = k * dilation when tap k reads q
    if (j >= 0 && j % s.dilation == 0 && j / s.dilation < s.kernel) {
      const int64_t k = j / s.dilation;
      const T* w_ok = w + o * 4 * s.kernel + k;  // w_ok[c * K] = weight[o, c, k]
      T column = T(0);
      for (int c = 0; c < 4; ++c) column += w_ok[c * s.kernel] * x[c * s.len + q];
      value += w_ok[b * s.kernel] - column;
    }
    y[i] = value;
  }
}

}  // namespace

void ism_first_layer_mutants(const Array& reference_out, const Array& weight,
                             const Array& ref_onehot, std::span<const int64_t> positions,
                             std::span<const int64_t> bases, const Conv1dParams& p, Array& out) {
  const ScopedDevice on_device(reference_out.device().index);
  const char* op = "ism_first_layer_mutants";
  const IsmExtents e =
      check_ism_first_layer_mutants(reference_out, weight, ref_onehot, positions, bases, p, out);
  if (out.numel() == 0) return;
  DNAGRAD_CHECK(p.stride < (int64_t{1} << 30) && p.padding < (int64_t{1} << 30) &&
                    p.dilation < (int64_t{1} << 30) && e.kernel < (int64_t{1} << 30),
                op, ": stride, padding, dilation or kernel too large for the CUDA kernel");
  std::vector<double> pairs(2 * e.mutants);
  for (int64_t m = 0; m < e.mutants; ++m) {
    pairs[2 * m] = static_cast<double>(positions[m]);
    pairs[2 * m + 1] = static_cast<double>(bases[m]);
  }
  const Array mutants = Array::from_vector({e.mutants, 2}, pairs, DType::I64).to(out.device());
  const IsmShape s{e.mutants,
                   e.c_out,
                   e.len,
                   e.len_out,
                   static_cast<int>(e.kernel),
                   static_cast<int>(p.stride),
                   static_cast<int>(p.padding),
                   static_cast<int>(p.dilation)};
  dispatch_float(out.dtype(), op, [&]<class T>() {
    launch(mutant_outputs<T>, blocks_for(out.numel()), kThreads, 0, "ism mutant_outputs", op)(
        reference_out.data<T>(), weight.data<T>(), ref_onehot.data<T>(), mutants.data<int64_t>(),
        out.data<T>(), s);
  });
}

}  // namespace dnagrad::kernels::cuda
