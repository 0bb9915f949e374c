// GPU parity tests for the training-step kernels: softmax, the losses, dropout and the fused
// optimizer updates (ctest label gpu). Each CUDA kernel runs on fresh random inputs and is
// compared with the CPU kernel in float64: outputs are poisoned with NaN first (so an element the
// kernel forgets fails), gradient buffers start from random values (so a kernel that overwrites
// instead of accumulating fails), relative error < 1e-5. Dropout must draw the CPU's mask bit for
// bit and advance the generator identically; the deterministic reductions must repeat bitwise.
// Without a GPU every test prints DNAGRAD-GPU-SKIP and ctest reports it as skipped.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/cuda_runtime.h"
#include "gpu_test_util.h"
#include "kernels/dropout.h"
#include "kernels/losses.h"
#include "kernels/optim.h"
#include "kernels/softmax.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;
using kernels::Reduction;

namespace {

constexpr double kRtol = 1e-5, kAtol = 1e-8;

const ParityCheck check_parity{kRtol, kAtol};

const Reduction kReductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};

const char* name_of(Reduction r) {
  return r == Reduction::None ? "none" : r == Reduction::Mean ? "mean" : "sum";
}

// Shape of a loss output: one per element (per row) for None, a scalar otherwise.
Shape loss_shape(Reduction r, const Shape& per_element) {
  return r == Reduction::None ? per_element : Shape{};
}

// Random class indices in [0, classes), int64 [n].
Array random_classes(int64_t n, int64_t classes, Generator& gen) {
  std::vector<double> values = random_array({n}, gen, DType::F64, 0, 1).to_vector();
  for (double& v : values)
    v = std::min(std::floor(v * static_cast<double>(classes)), static_cast<double>(classes - 1));
  return Array::from_vector({n}, values, DType::I64);
}

}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("gpu: softmax and log-softmax match the CPU kernels along every dimension") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    // Short lanes (one thread each) and long ones (one block each), contiguous (inner = 1) and
    // strided, size-1 dimensions, and a 100k-long row.
    const std::vector<Shape> shapes = {
        {1},       {7},        {100000},    {1, 1},    {3, 5},     {1, 6},     {4, 1}, {2, 100000},
        {2, 3, 4}, {2, 1, 70}, {3, 100, 2}, {1, 1, 1}, {5, 65, 3}, {2, 64, 9}, {0, 4}, {3, 0, 2}};
    for (const Shape& shape : shapes) {
      for (int dim = 0; dim < static_cast<int>(shape.size()); ++dim) {
        for (bool log : {false, true}) {
          INFO("x ", shape_str(shape), ", dim ", dim, ", log ", log);
          const Array x = random_array(shape, gen, DType::F64, -5, 5);
          Array y = Array::empty(shape, DType::F64);
          kernels::softmax_forward(x, dim, log, y);
          Array y_gpu = poisoned_gpu(shape);
          kernels::softmax_forward(on_gpu(x), dim, log, y_gpu);
          check_parity(y_gpu, y, "forward");

          const Array grad_y = random_array(shape, gen), gx0 = random_array(shape, gen);
          Array gx = gx0.clone(), gx_gpu = on_gpu(gx0);
          kernels::softmax_backward(y, grad_y, dim, log, gx);
          kernels::softmax_backward(on_gpu(y), on_gpu(grad_y), dim, log, gx_gpu);
          check_parity(gx_gpu, gx, "backward (accumulated onto random values)");
        }
      }
    }
  }

  TEST_CASE("gpu: softmax of huge logits stays finite and matches the CPU") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (const Shape& shape : {Shape{4, 10}, Shape{2, 300}}) {
      for (bool log : {false, true}) {
        INFO("x ", shape_str(shape), ", log ", log);
        const Array x = random_array(shape, gen, DType::F64, -1000, 1000);
        Array y = Array::empty(shape, DType::F64), y_gpu = poisoned_gpu(shape);
        kernels::softmax_forward(x, 1, log, y);
        kernels::softmax_forward(on_gpu(x), 1, log, y_gpu);
        check_parity(y_gpu, y, "forward");
      }
    }
  }

  TEST_CASE("gpu: mse and bce-with-logits match the CPU kernels under every reduction") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<Shape> shapes = {{1}, {1, 1}, {5}, {64, 919}, {3, 5, 7}, {300001}};
    for (const Shape& shape : shapes) {
      for (double scale : {1.0, 50.0}) {  // 50: large logits, where the stable forms matter
        for (Reduction r : kReductions) {
          INFO("x ", shape_str(shape), ", scale ", scale, ", reduction ", name_of(r));
          const Array pred = random_array(shape, gen, DType::F64, -scale, scale);
          const Array target_real = random_array(shape, gen, DType::F64, -1, 1);
          const Array target_prob = random_array(shape, gen, DType::F64, 0, 1);
          const Shape out_shape = loss_shape(r, shape);
          const Array grad_out = random_array(out_shape, gen);
          const Array gp0 = random_array(shape, gen), gt0 = random_array(shape, gen);
          const Array pred_gpu = on_gpu(pred), grad_out_gpu = on_gpu(grad_out);

          // mse
          Array out = Array::empty(out_shape, DType::F64), out_gpu = poisoned_gpu(out_shape);
          kernels::mse_forward(pred, target_real, r, out);
          kernels::mse_forward(pred_gpu, on_gpu(target_real), r, out_gpu);
          check_parity(out_gpu, out, "mse forward");
          for (int which = 0; which < 3; ++which) {  // both gradients, only pred, only target
            INFO("mse gradients ", which);
            Array gp = gp0.clone(), gt = gt0.clone(), gp_gpu = on_gpu(gp0), gt_gpu = on_gpu(gt0);
            kernels::mse_backward(pred, target_real, grad_out, r, which != 2 ? &gp : nullptr,
                                  which != 1 ? &gt : nullptr);
            kernels::mse_backward(pred_gpu, on_gpu(target_real), grad_out_gpu, r,
                                  which != 2 ? &gp_gpu : nullptr, which != 1 ? &gt_gpu : nullptr);
            check_parity(gp_gpu, gp, "mse grad_pred");
            check_parity(gt_gpu, gt, "mse grad_target");
          }

          // bce with logits
          Array bce = Array::empty(out_shape, DType::F64), bce_gpu = poisoned_gpu(out_shape);
          kernels::bce_logits_forward(pred, target_prob, r, bce);
          kernels::bce_logits_forward(pred_gpu, on_gpu(target_prob), r, bce_gpu);
          check_parity(bce_gpu, bce, "bce forward");
          for (int which = 0; which < 3; ++which) {
            INFO("bce gradients ", which);
            Array gz = gp0.clone(), gt = gt0.clone(), gz_gpu = on_gpu(gp0), gt_gpu = on_gpu(gt0);
            kernels::bce_logits_backward(pred, target_prob, grad_out, r, which != 2 ? &gz : nullptr,
                                         which != 1 ? &gt : nullptr);
            kernels::bce_logits_backward(pred_gpu, on_gpu(target_prob), grad_out_gpu, r,
                                         which != 2 ? &gz_gpu : nullptr,
                                         which != 1 ? &gt_gpu : nullptr);
            check_parity(gz_gpu, gz, "bce grad_logits");
            check_parity(gt_gpu, gt, "bce grad_target");
          }
        }
      }
    }
  }

  TEST_CASE("gpu: cross-entropy matches the CPU kernels under every reduction") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const std::vector<std::pair<int64_t, int64_t>> cases = {{1, 1},   {1, 5},    {64, 2},
                                                            {37, 10}, {5, 1000}, {20000, 3}};
    for (const auto& [n, classes] : cases) {
      for (double scale : {1.0, 50.0}) {
        for (Reduction r : kReductions) {
          INFO("logits [", n, ", ", classes, "], scale ", scale, ", reduction ", name_of(r));
          const Shape shape{n, classes};
          const Array logits = random_array(shape, gen, DType::F64, -scale, scale);
          const Array target = random_classes(n, classes, gen);
          const Shape out_shape = loss_shape(r, {n});
          Array out = Array::empty(out_shape, DType::F64), out_gpu = poisoned_gpu(out_shape);
          kernels::cross_entropy_forward(logits, target, r, out);
          kernels::cross_entropy_forward(on_gpu(logits), on_gpu(target), r, out_gpu);
          check_parity(out_gpu, out, "forward");

          const Array grad_out = random_array(out_shape, gen), g0 = random_array(shape, gen);
          Array g = g0.clone(), g_gpu = on_gpu(g0);
          kernels::cross_entropy_backward(logits, target, grad_out, r, g);
          kernels::cross_entropy_backward(on_gpu(logits), on_gpu(target), on_gpu(grad_out), r,
                                          g_gpu);
          check_parity(g_gpu, g, "grad_logits (accumulated onto random values)");
        }
      }
    }
  }

  TEST_CASE(
      "gpu: losses of empty inputs give no values or a zero sum or a NaN mean as on the CPU") {
    if (skip_without_gpu()) return;
    const Array empty = Array::empty({0}, DType::F64);
    for (Reduction r : kReductions) {
      INFO("reduction ", name_of(r));
      const Shape out_shape = loss_shape(r, {0});
      Array out_mse = poisoned_gpu(out_shape), out_bce = poisoned_gpu(out_shape),
            out_ce = poisoned_gpu(out_shape);
      kernels::mse_forward(on_gpu(empty), on_gpu(empty), r, out_mse);
      kernels::bce_logits_forward(on_gpu(empty), on_gpu(empty), r, out_bce);
      kernels::cross_entropy_forward(on_gpu(Array::empty({0, 3}, DType::F64)),
                                     on_gpu(Array::empty({0}, DType::I64)), r, out_ce);
      if (r == Reduction::None) continue;
      for (const Array* out : {&out_mse, &out_bce, &out_ce}) {
        const double value = out->item();
        if (r == Reduction::Sum)
          CHECK(value == 0);
        else
          CHECK(std::isnan(value));
      }
    }
  }

  TEST_CASE("gpu: a bad class index is reported, naming its row, at the next copy to the host") {
    if (skip_without_gpu()) return;
    const Array logits = on_gpu(Array::zeros({3, 5}, DType::F64));
    for (Reduction r : kReductions) {
      INFO("reduction ", name_of(r));
      const Shape out_shape = loss_shape(r, {3});
      Array out = poisoned_gpu(out_shape);
      const Array too_big = on_gpu(Array::from_vector({3}, {0, 5, 1}, DType::I64));
      const Array negative = on_gpu(Array::from_vector({3}, {0, 1, -1}, DType::I64));
      // The launch does not wait for the device; the copy back reports the first bad row.
      kernels::cross_entropy_forward(logits, too_big, r, out);
      CHECK_THROWS_WITH_AS(on_cpu(out), doctest::Contains("element 1, bound 5"), Error);
      kernels::cross_entropy_forward(logits, negative, r, out);
      CHECK_THROWS_WITH_AS(on_cpu(out), doctest::Contains("element 2, bound 5"), Error);
      // Reported once: the next copy is clean, and good targets raise nothing.
      CHECK_NOTHROW(on_cpu(out));
      kernels::cross_entropy_forward(logits, on_gpu(Array::from_vector({3}, {4, 0, 2}, DType::I64)),
                                     r, out);
      CHECK_NOTHROW(on_cpu(out));

      Array grad = on_gpu(Array::zeros({3, 5}, DType::F64));
      const Array grad_out = on_gpu(Array::full(out_shape, 1.0, DType::F64));
      kernels::cross_entropy_backward(
          logits, on_gpu(Array::from_vector({3}, {7, 1, 1}, DType::I64)), grad_out, r, grad);
      CHECK_THROWS_WITH_AS(on_cpu(grad), doctest::Contains("not a class index in [0, bound)"),
                           Error);
    }
  }

  TEST_CASE("gpu: training kernels reject operands on different devices") {
    if (skip_without_gpu()) return;
    const Array x = Array::zeros({2, 3}, DType::F64), x_gpu = on_gpu(x);
    Array y = Array::empty({2, 3}, DType::F64), y_gpu = on_gpu(y);
    // Device array first (CUDA path) and host array first (CPU path): both refuse.
    CHECK_THROWS_WITH_AS(kernels::softmax_forward(x_gpu, 1, false, y),
                         doctest::Contains("different devices"), Error);
    CHECK_THROWS_WITH_AS(kernels::softmax_forward(x, 1, false, y_gpu),
                         doctest::Contains("different devices"), Error);
    Array scalar = Array::empty({}, DType::F64);
    CHECK_THROWS_WITH_AS(kernels::mse_forward(x_gpu, x, Reduction::Mean, scalar),
                         doctest::Contains("different devices"), Error);
    CHECK_THROWS_WITH_AS(kernels::mse_forward(x_gpu, x_gpu, Reduction::Mean, scalar),
                         doctest::Contains("different devices"), Error);
    CHECK_THROWS_WITH_AS(
        kernels::cross_entropy_forward(x_gpu, Array::from_vector({2}, {0, 1}, DType::I64),
                                       Reduction::Mean, scalar),
        doctest::Contains("targets on cpu"), Error);
    Generator gen(1);
    Array mask = Array::empty({2, 3}, DType::F64);
    CHECK_THROWS_WITH_AS(kernels::dropout_forward(x_gpu, 0.5, gen, mask, y_gpu),
                         doctest::Contains("different devices"), Error);
    CHECK(gen.offset() == 0);  // a refused call draws nothing
    Array param = on_gpu(x), buf;
    CHECK_THROWS_WITH_AS(kernels::sgd_update(param, x, buf, true, {}),
                         doctest::Contains("different devices"), Error);
    Array m = on_gpu(x);
    CHECK_THROWS_WITH_AS(kernels::adam_update(param, x_gpu, m, y, 1, {}),
                         doctest::Contains("different devices"), Error);
  }

  TEST_CASE("gpu: dropout draws the CPU's mask bit for bit and advances the generator alike") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator inputs(seed ^ 0x5eedu);
    for (DType dtype : {DType::F64, DType::F32}) {
      for (double p : {0.0, 0.3, 0.999}) {
        for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{3}, int64_t{4}, int64_t{5}, int64_t{1001},
                          int64_t{100003}}) {
          INFO(dtype_name(dtype), ", p ", p, ", n ", n);
          const Shape shape{n};
          const Array x = random_array(shape, inputs, dtype);
          const uint64_t offset = inputs.next_u64() % 1000;  // start mid-stream
          Generator cpu_gen(seed), gpu_gen(seed);
          cpu_gen.set_offset(offset);
          gpu_gen.set_offset(offset);
          Array mask = Array::empty(shape, dtype), y = Array::empty(shape, dtype);
          kernels::dropout_forward(x, p, cpu_gen, mask, y);
          Array mask_gpu = poisoned_gpu(shape, dtype), y_gpu = poisoned_gpu(shape, dtype);
          kernels::dropout_forward(on_gpu(x), p, gpu_gen, mask_gpu, y_gpu);
          CHECK(on_cpu(mask_gpu).to_vector() == mask.to_vector());
          CHECK(on_cpu(y_gpu).to_vector() == y.to_vector());
          CHECK(gpu_gen.offset() == cpu_gen.offset());
          CHECK(gpu_gen.offset() == offset + static_cast<uint64_t>((n + 3) / 4));
          // Drawing again from both generators gives the same next mask and numbers.
          kernels::dropout_forward(x, p, cpu_gen, mask, y);
          kernels::dropout_forward(on_gpu(x), p, gpu_gen, mask_gpu, y_gpu);
          CHECK(on_cpu(mask_gpu).to_vector() == mask.to_vector());
          CHECK(gpu_gen.next_u64() == cpu_gen.next_u64());
        }
      }
    }
  }

  TEST_CASE("gpu: SGD updates match the CPU over three steps in every variant") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    struct Variant {
      const char* name;
      kernels::SgdConfig config;
    };
    auto config = [](double momentum, double dampening, double wd, bool nesterov) {
      kernels::SgdConfig c;
      c.lr = 0.05;
      c.momentum = momentum;
      c.dampening = dampening;
      c.weight_decay = wd;
      c.nesterov = nesterov;
      return c;
    };
    const std::vector<Variant> variants = {
        {"plain", config(0, 0, 0, false)},
        {"weight decay", config(0, 0, 0.01, false)},
        {"momentum", config(0.9, 0, 0, false)},
        {"momentum with dampening and weight decay", config(0.9, 0.1, 0.01, false)},
        {"nesterov", config(0.9, 0, 0, true)},
        {"nesterov with weight decay", config(0.8, 0, 0.05, true)},
    };
    for (const Shape& shape : {Shape{1}, Shape{1000}, Shape{64, 4, 15}, Shape{0}}) {
      for (const Variant& v : variants) {
        INFO(v.name, ", param ", shape_str(shape));
        Array param = random_array(shape, gen), param_gpu = on_gpu(param);
        const bool momentum = v.config.momentum != 0;
        // The buffer starts as garbage: the first step must overwrite it.
        Array buf = momentum ? random_array(shape, gen) : Array();
        Array buf_gpu = momentum ? on_gpu(buf) : Array();
        for (int step = 0; step < 3; ++step) {
          INFO("step ", step);
          const Array grad = random_array(shape, gen);
          kernels::sgd_update(param, grad, buf, step == 0, v.config);
          kernels::sgd_update(param_gpu, on_gpu(grad), buf_gpu, step == 0, v.config);
          check_parity(param_gpu, param, "param");
          if (momentum) check_parity(buf_gpu, buf, "momentum buffer");
        }
      }
    }
  }

  TEST_CASE("gpu: Adam and AdamW updates match the CPU over three steps") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    auto config = [](double wd, bool decoupled) {
      kernels::AdamConfig c;
      c.lr = 0.01;
      c.weight_decay = wd;
      c.decoupled = decoupled;
      return c;
    };
    const std::vector<std::pair<const char*, kernels::AdamConfig>> variants = {
        {"Adam", config(0, false)},
        {"Adam with L2 weight decay", config(0.1, false)},
        {"AdamW", config(0.1, true)},
    };
    for (const Shape& shape : {Shape{1}, Shape{1000}, Shape{64, 4, 15}, Shape{0}}) {
      for (const auto& [name, c] : variants) {
        INFO(name, ", param ", shape_str(shape));
        Array param = random_array(shape, gen), param_gpu = on_gpu(param);
        Array m = Array::zeros(shape, DType::F64), v = Array::zeros(shape, DType::F64);
        Array m_gpu = on_gpu(m), v_gpu = on_gpu(v);
        for (int64_t step = 1; step <= 3; ++step) {
          INFO("step ", step);
          const Array grad = random_array(shape, gen);
          kernels::adam_update(param, grad, m, v, step, c);
          kernels::adam_update(param_gpu, on_gpu(grad), m_gpu, v_gpu, step, c);
          check_parity(param_gpu, param, "param");
          check_parity(m_gpu, m, "exp_avg");
          check_parity(v_gpu, v, "exp_avg_sq");
        }
      }
    }
  }

  TEST_CASE("gpu: sum_of_squares and clip_scale match the CPU without a host round trip") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    // Millions of elements on a GPU; the CPU emulation runs every GPU thread, so fewer there.
    const int64_t large = cuda_emulated() ? 70001 : 3000017;
    for (DType dtype : {DType::F64, DType::F32}) {
      for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{257}, int64_t{65536 + 3}, large}) {
        INFO(dtype_name(dtype), ", n ", n);
        const Array x = random_array({n}, gen, dtype, -2, 2);
        const Array x_gpu = on_gpu(x);
        // Accumulates onto what the total holds.
        Array total = Array::full({1}, 0.5, DType::F64), total_gpu = on_gpu(total);
        kernels::sum_of_squares(x, total);
        kernels::sum_of_squares(x_gpu, total_gpu);
        double expected = 0.5;
        for (double v : x.to_vector()) expected += v * v;
        CHECK(on_cpu(total_gpu).data<double>()[0] == doctest::Approx(expected).epsilon(1e-10));
        CHECK(total.data<double>()[0] == doctest::Approx(expected).epsilon(1e-10));

        // Clipping to half the norm scales by about 0.5; a max norm above it changes nothing.
        const double norm = std::sqrt(expected);
        for (double max_norm : {0.5 * norm, 2 * norm}) {
          Array scaled = x.clone(), scaled_gpu = on_gpu(x);
          kernels::clip_scale(scaled, total, max_norm);
          kernels::clip_scale(scaled_gpu, total_gpu, max_norm);
          check_parity(scaled_gpu.to(Device::cpu()).to(DType::F64), scaled.to(DType::F64),
                       "clip_scale");
          const double factor = max_norm < norm ? max_norm / (norm + 1e-6) : 1.0;
          const std::vector<double> in = x.to_vector(), out = scaled.to(DType::F64).to_vector();
          for (size_t i = 0; i < std::min<size_t>(in.size(), 100); ++i)
            CHECK(out[i] == doctest::Approx(in[i] * factor).epsilon(1e-6));
        }
      }
    }
    // A non-finite total scales nothing.
    const Array x = random_array({300}, gen, DType::F64);
    Array y_gpu = on_gpu(x);
    kernels::clip_scale(y_gpu, on_gpu(Array::full({1}, std::nan(""), DType::F64)), 1e-3);
    CHECK(on_cpu(y_gpu).to_vector() == x.to_vector());
  }

  TEST_CASE("gpu: sum_of_squares and Mean losses are bitwise repeatable") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    for (DType dtype : {DType::F32, DType::F64}) {
      INFO(dtype_name(dtype));
      // A million terms on a GPU; the CPU emulation runs every GPU thread, so fewer there.
      const int64_t n = cuda_emulated() ? 70001 : 1000003, rows = cuda_emulated() ? 5000 : 50000;
      const Array x = on_gpu(random_array({n}, gen, dtype));
      const Array t = on_gpu(random_array({n}, gen, dtype, 0, 1));
      const Array logits = on_gpu(random_array({rows, 7}, gen, dtype, -3, 3));
      const Array classes = on_gpu(random_classes(rows, 7, gen));
      double squares[2], mse[2], bce[2], ce[2];
      for (int run = 0; run < 2; ++run) {
        Array total = on_gpu(Array::zeros({1}, DType::F64));
        kernels::sum_of_squares(x, total);
        squares[run] = total.item();
        Array out = poisoned_gpu({}, dtype);
        kernels::mse_forward(x, t, Reduction::Mean, out);
        mse[run] = out.item();
        kernels::bce_logits_forward(x, t, Reduction::Mean, out);
        bce[run] = out.item();
        kernels::cross_entropy_forward(logits, classes, Reduction::Mean, out);
        ce[run] = out.item();
      }
      CHECK(squares[0] == squares[1]);
      CHECK(mse[0] == mse[1]);
      CHECK(bce[0] == bce[1]);
      CHECK(ce[0] == ce[1]);
    }
  }

  TEST_CASE("gpu: float32 training kernels stay close to the float32 CPU kernels") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const double rtol = 1e-4, atol = 1e-5;
    const DType f32 = DType::F32;
    // softmax, long and short lanes
    for (const Shape& shape : {Shape{16, 10}, Shape{4, 3000}}) {
      for (bool log : {false, true}) {
        INFO("softmax x ", shape_str(shape), ", log ", log);
        const Array x = random_array(shape, gen, f32, -5, 5);
        Array y = Array::empty(shape, f32), y_gpu = poisoned_gpu(shape, f32);
        kernels::softmax_forward(x, 1, log, y);
        kernels::softmax_forward(on_gpu(x), 1, log, y_gpu);
        check_parity(on_cpu(y_gpu).to(DType::F64), y.to(DType::F64), "softmax forward", rtol, atol);
      }
    }
    // cross-entropy, every reduction
    const Array logits = random_array({64, 10}, gen, f32, -5, 5);
    const Array target = random_classes(64, 10, gen);
    for (Reduction r : kReductions) {
      INFO("cross-entropy, reduction ", name_of(r));
      const Shape out_shape = loss_shape(r, {64});
      Array out = Array::empty(out_shape, f32), out_gpu = poisoned_gpu(out_shape, f32);
      kernels::cross_entropy_forward(logits, target, r, out);
      kernels::cross_entropy_forward(on_gpu(logits), on_gpu(target), r, out_gpu);
      check_parity(on_cpu(out_gpu).to(DType::F64), out.to(DType::F64), "forward", rtol, atol);
      const Array grad_out = random_array(out_shape, gen, f32),
                  g0 = random_array({64, 10}, gen, f32);
      Array g = g0.clone(), g_gpu = on_gpu(g0);
      kernels::cross_entropy_backward(logits, target, grad_out, r, g);
      kernels::cross_entropy_backward(on_gpu(logits), on_gpu(target), on_gpu(grad_out), r, g_gpu);
      check_parity(on_cpu(g_gpu).to(DType::F64), g.to(DType::F64), "backward", rtol, atol);
    }
    // Adam, two steps
    kernels::AdamConfig c;
    Array param = random_array({4096}, gen, f32), param_gpu = on_gpu(param);
    Array m = Array::zeros({4096}, f32), v = Array::zeros({4096}, f32);
    Array m_gpu = on_gpu(m), v_gpu = on_gpu(v);
    for (int64_t step = 1; step <= 2; ++step) {
      const Array grad = random_array({4096}, gen, f32);
      kernels::adam_update(param, grad, m, v, step, c);
      kernels::adam_update(param_gpu, on_gpu(grad), m_gpu, v_gpu, step, c);
    }
    check_parity(on_cpu(param_gpu).to(DType::F64), param.to(DType::F64), "adam param", rtol, atol);
  }
}
