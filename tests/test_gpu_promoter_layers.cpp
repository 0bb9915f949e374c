// The promoter model's own layer shapes (seed 002) through our CUDA kernels, checked against the
// CPU kernels in float64 (ctest label gpu): Conv1d forward / grad-input / grad-weight / grad-bias,
// BatchNorm training forward and backward, max-pool forward and backward, for each of the three
// blocks. Batch 64 on a GPU, as training runs it (the kernel benchmark's shapes); batch 2 in the
// CPU emulation build, where every GPU thread runs on the CPU (batch >= 2 still exercises the
// batch index of every kernel).
//
// The GPU side runs in float32, as training does, against a float64 CPU reference: each output
// must agree to 1e-4 of its largest magnitude (the float32 sums over up to 4,000 terms differ by
// about 1e-6 of it; an indexing or accumulation bug is of order 1). Max pooling routes values
// without arithmetic, so its outputs are compared exactly on the same float32 input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/cuda_runtime.h"
#include "gpu_test_util.h"
#include "kernels/batchnorm.h"
#include "kernels/conv1d.h"
#include "kernels/pooling.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

struct Block {
  const char* name;
  int64_t c_in, c_out, kernel, padding, len;  // conv, then BatchNorm and a pool of 4 on [N, c_out, len]
};
// Conv1d(4, 256, 15, p 7) on 2000 bases; Conv1d(256, 128, 5, p 2) on 500; Conv1d(128, 64, 3, p 1)
// on 125: nn/models.cpp.
const Block kBlocks[] = {
    {"block 1", 4, 256, 15, 7, 2000},
    {"block 2", 256, 128, 5, 2, 500},
    {"block 3", 128, 64, 3, 1, 125},
};

// max |gpu - reference| over max |reference|: the float32 GPU result against float64.
double error_to_max(const Array& gpu, const Array& reference) {
  const std::vector<double> a = on_cpu(gpu).to(DType::F64).to_vector(), b = reference.to_vector();
  REQUIRE(a.size() == b.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i])) return INFINITY;
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

// The float64 CPU array as float32 on the GPU.
Array gpu_f32(const Array& a) { return on_gpu(a.to(DType::F32)); }
// The float32 values back in float64 on the CPU (the exact input the GPU saw).
Array f32_values(const Array& a) { return a.to(DType::F32).to(DType::F64); }

constexpr double kTolerance = 1e-4;

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("gpu: the promoter model's layers at training batch size match the CPU") {
    if (skip_without_gpu()) return;
    const int64_t batch = cuda_emulated() ? 2 : 64;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed, ", batch ", batch);
    Generator gen(seed);
    for (const Block& b : kBlocks) {
      INFO(b.name);
      const kernels::Conv1dParams p{.stride = 1, .padding = b.padding, .dilation = 1};
      const Shape x_shape{batch, b.c_in, b.len}, w_shape{b.c_out, b.c_in, b.kernel},
          y_shape{batch, b.c_out, b.len};
      // Inputs rounded to float32 first, so both sides start from the same values.
      const Array x = f32_values(random_array(x_shape, gen)),
                  w = f32_values(random_array(w_shape, gen, DType::F64, -0.3, 0.3)),
                  bias = f32_values(random_array({b.c_out}, gen)),
                  grad_y = f32_values(random_array(y_shape, gen));

      // Conv1d forward (assigns) and its three gradients (accumulate onto random starts).
      Array y_ref = Array::empty(y_shape, DType::F64);
      kernels::conv1d_forward(x, w, bias, y_ref, p);
      Array y = poisoned_gpu(y_shape, DType::F32);
      kernels::conv1d_forward(gpu_f32(x), gpu_f32(w), gpu_f32(bias), y, p);
      CHECK(error_to_max(y, y_ref) < kTolerance);

      const Array gx0 = f32_values(random_array(x_shape, gen)),
                  gw0 = f32_values(random_array(w_shape, gen)),
                  gb0 = f32_values(random_array({b.c_out}, gen));
      Array gx_ref = gx0.clone(), gw_ref = gw0.clone(), gb_ref = gb0.clone();
      kernels::conv1d_backward_input(grad_y, w, gx_ref, p);
      kernels::conv1d_backward_weight(grad_y, x, gw_ref, p);
      kernels::conv1d_backward_bias(grad_y, gb_ref);
      Array gx = gpu_f32(gx0), gw = gpu_f32(gw0), gb = gpu_f32(gb0);
      const Array grad_y_gpu = gpu_f32(grad_y);
      kernels::conv1d_backward_input(grad_y_gpu, gpu_f32(w), gx, p);
      kernels::conv1d_backward_weight(grad_y_gpu, gpu_f32(x), gw, p);
      kernels::conv1d_backward_bias(grad_y_gpu, gb);
      CHECK(error_to_max(gx, gx_ref) < kTolerance);
      CHECK(error_to_max(gw, gw_ref) < kTolerance);
      CHECK(error_to_max(gb, gb_ref) < kTolerance);

      // BatchNorm in training mode on the conv output, forward (assigns y and the statistics,
      // updates running ones) and backward (accumulates).
      const Array gamma = f32_values(random_array({b.c_out}, gen, DType::F64, 0.5, 1.5)),
                  beta = f32_values(random_array({b.c_out}, gen));
      const Array h = f32_values(y_ref);
      Array rm_ref = Array::zeros({b.c_out}, DType::F64);
      Array rv_ref = Array::full({b.c_out}, 1.0, DType::F64);
      Array bn_ref = Array::empty(y_shape, DType::F64);
      Array mean_ref = Array::empty({b.c_out}, DType::F64);
      Array invstd_ref = Array::empty({b.c_out}, DType::F64);
      kernels::batchnorm_forward_train(h, gamma, beta, rm_ref, rv_ref, 0.1, 1e-5, bn_ref, mean_ref,
                                       invstd_ref);
      Array rm = gpu_f32(Array::zeros({b.c_out}, DType::F64)),
            rv = gpu_f32(Array::full({b.c_out}, 1.0, DType::F64));
      Array bn = poisoned_gpu(y_shape, DType::F32), mean = poisoned_gpu({b.c_out}, DType::F32),
            invstd = poisoned_gpu({b.c_out}, DType::F32);
      const Array h_gpu = gpu_f32(h), gamma_gpu = gpu_f32(gamma);
      kernels::batchnorm_forward_train(h_gpu, gamma_gpu, gpu_f32(beta), rm, rv, 0.1, 1e-5, bn, mean,
                                       invstd);
      CHECK(error_to_max(bn, bn_ref) < kTolerance);
      CHECK(error_to_max(mean, mean_ref) < kTolerance);
      CHECK(error_to_max(invstd, invstd_ref) < kTolerance);
      CHECK(error_to_max(rm, rm_ref) < kTolerance);
      CHECK(error_to_max(rv, rv_ref) < kTolerance);

      Array dh_ref = f32_values(random_array(y_shape, gen)), dgamma_ref = gb0.clone(),
            dbeta_ref = gb0.clone();
      Array dh = gpu_f32(dh_ref), dgamma = gpu_f32(gb0), dbeta = gpu_f32(gb0);
      kernels::batchnorm_backward(grad_y, h, gamma, mean_ref, invstd_ref, true, &dh_ref,
                                  &dgamma_ref, &dbeta_ref);
      kernels::batchnorm_backward(grad_y_gpu, h_gpu, gamma_gpu, gpu_f32(mean_ref),
                                  gpu_f32(invstd_ref), true, &dh, &dgamma, &dbeta);
      CHECK(error_to_max(dh, dh_ref) < kTolerance);
      CHECK(error_to_max(dgamma, dgamma_ref) < kTolerance);
      CHECK(error_to_max(dbeta, dbeta_ref) < kTolerance);

      // Max pooling by 4 on the normalised output: the same maxima, the same indices, the same
      // routed gradients (float32 on both sides, no arithmetic).
      const kernels::Pool1dParams pool{.kernel = 4, .stride = 4};
      const Shape pooled{batch, b.c_out, b.len / 4};
      const Array bn32 = bn_ref.to(DType::F32);
      Array mp_ref = Array::empty(pooled, DType::F32), arg_ref = Array::empty(pooled, DType::I64);
      kernels::maxpool1d_forward(bn32, mp_ref, arg_ref, pool);
      Array mp = poisoned_gpu(pooled, DType::F32), arg = on_gpu(Array::empty(pooled, DType::I64));
      kernels::maxpool1d_forward(on_gpu(bn32), mp, arg, pool);
      CHECK(on_cpu(mp).to_vector() == mp_ref.to_vector());
      CHECK(on_cpu(arg).to_vector() == arg_ref.to_vector());
      const Array gpool = random_array(pooled, gen, DType::F32);
      Array gin_ref = Array::zeros(y_shape, DType::F32), gin = on_gpu(gin_ref);
      kernels::maxpool1d_backward(gpool, arg_ref, gin_ref);
      kernels::maxpool1d_backward(on_gpu(gpool), arg, gin);
      CHECK(on_cpu(gin).to_vector() == gin_ref.to_vector());
    }
  }
}
