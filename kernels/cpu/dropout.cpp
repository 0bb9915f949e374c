// Inverted dropout on the CPU: mask_i = 1/(1-p) if uniform_i < 1 - p else 0; y = x * mask.
//
// uniform_i is element i of the Generator's stream exactly as Generator::fill_bernoulli draws it
// (lane i % 4 of the Philox block at counter offset + i / 4), so a generator with the same seed
// and offset gives the same mask through either, and a CUDA kernel can draw it too. Blocks of
// four elements are independent, so they are computed in parallel.
// ASSIGNS mask and y (both x's shape); advances gen by ceil(n / 4) blocks.
#include "kernels/dropout.h"

#include "kernels/checks.h"
#include "kernels/cpu/parallel.h"

namespace dnagrad::kernels::cpu {

void dropout_forward(const Array& x, double p, Generator& gen, Array& mask, Array& y) {
  check_dropout(x, p, mask, y);
  const int64_t n = x.numel();
  const int64_t n_blocks = (n + 3) / 4;
  const uint64_t seed = gen.seed(), first = gen.offset();
  gen.set_offset(first + static_cast<uint64_t>(n_blocks));
  const double keep = 1 - p;
  dispatch_float(x.dtype(), "dropout", [&]<class T>() {
    const T scale = static_cast<T>(1 / keep);
    const T* px = x.data<T>();
    T* pm = mask.data<T>();
    T* py = y.data<T>();
    parallel_for(n_blocks, 16, [&](int64_t block) {  // a Philox block costs ~ 16 element ops
      const std::array<uint32_t, 4> bits = philox4x32(seed, first + static_cast<uint64_t>(block));
      for (int64_t i = 4 * block; i < std::min(n, 4 * block + 4); ++i) {
        const T m = uint_to_unit_float(bits[i % 4]) < keep ? scale : T(0);
        pm[i] = m;
        py[i] = px[i] * m;
      }
    });
  });
}

}  // namespace dnagrad::kernels::cpu
