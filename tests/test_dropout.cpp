// Dropout (kernels/dropout.h, autograd dropout): the kept fraction, the 1/(1-p) scaling, the
// identity in evaluation, reproducible masks from the Generator stream, and gradients.
#include <cmath>

#include "kernels/dropout.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

TEST_CASE("dropout: keeps about 1-p of a large tensor and scales kept values by 1/(1-p)") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (double p : {0.1, 0.3, 0.75}) {
    INFO("p ", p);
    const int64_t n = 1 << 20;
    const Array x = random_array({n}, gen, DType::F32, 0.5, 1.5);  // never 0
    Array mask = poisoned({n}, DType::F32), y = poisoned({n}, DType::F32);
    kernels::dropout_forward(x, p, gen, mask, y);
    const std::vector<double> vx = x.to_vector(), vm = mask.to_vector(), vy = y.to_vector();
    const float scale = static_cast<float>(1 / (1 - p));
    int64_t kept = 0;
    bool values_ok = true;
    for (int64_t i = 0; i < n; ++i) {
      if (vm[i] != 0) {
        ++kept;
        values_ok =
            values_ok && vm[i] == scale && std::abs(vy[i] - vx[i] / (1 - p)) <= 1e-6 * vy[i];
      } else {
        values_ok = values_ok && vy[i] == 0;
      }
    }
    CHECK(values_ok);
    // The kept count is Binomial(n, 1-p): its standard deviation is under 0.0005 n here.
    CHECK(std::abs(static_cast<double>(kept) / n - (1 - p)) < 0.005);
  }
}

TEST_CASE(
    "dropout: the mask is the Generator's Bernoulli stream, and the same seed gives the same mask, "
    "same mask") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  const double p = 0.4;
  for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{100001}}) {
    INFO("n ", n);
    const Array x = Array::full({n}, 1.0, DType::F64);
    Generator g1(seed), g2(seed), g3(seed + 1), reference(seed);
    g1.set_offset(5);
    g2.set_offset(5);
    reference.set_offset(5);
    Array m1 = poisoned({n}), y1 = poisoned({n}), m2 = poisoned({n}), y2 = poisoned({n});
    kernels::dropout_forward(x, p, g1, m1, y1);
    kernels::dropout_forward(x, p, g2, m2, y2);
    CHECK(m1.to_vector() == m2.to_vector());
    Array bernoulli = Array::empty({n}, DType::F64);
    reference.fill_bernoulli(bernoulli, 1 - p);
    std::vector<double> expected = bernoulli.to_vector();
    for (double& e : expected) e /= 1 - p;
    CHECK(m1.to_vector() == expected);
    CHECK(g1.offset() == reference.offset());
    if (n > 100) {
      Array m3 = poisoned({n}), y3 = poisoned({n});
      kernels::dropout_forward(x, p, g3, m3, y3);
      CHECK(m3.to_vector() != m1.to_vector());
      // Drawing again from the advanced generator gives a fresh mask.
      kernels::dropout_forward(x, p, g1, m2, y2);
      CHECK(m2.to_vector() != m1.to_vector());
    }
  }
}

TEST_CASE("dropout: identity in evaluation and for p = 0, and p must lie in 0 to 1") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Tensor x(random_array({3, 4}, gen), true);
  const uint64_t offset = gen.offset();
  const Tensor eval = dropout(x, 0.5, false, gen);
  CHECK(eval.impl() == x.impl());
  CHECK(gen.offset() == offset);
  const Tensor none = dropout(x, 0.0, true, gen);
  require_close(none.data(), x.data(), 0, 0);
  CHECK_THROWS_WITH_AS(dropout(x, 1.0, true, gen), doctest::Contains("dropout"), Error);
  CHECK_THROWS_AS(dropout(x, -0.1, true, gen), Error);
  Array mask = poisoned({3, 4}), y = poisoned({3, 4});
  CHECK_THROWS_AS(kernels::dropout_forward(x.data(), 1.0, gen, mask, y), Error);
}

TEST_CASE("dropout: gradients match finite differences with a fixed mask") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const Shape& shape : {Shape{10}, Shape{3, 7}, Shape{2, 3, 5}}) {
    for (double p : {0.2, 0.5}) {
      INFO("shape ", shape_str(shape), " p ", p);
      const uint64_t mask_seed = gen.next_u64();
      check_gradients(
          [=](const std::vector<Tensor>& in) {
            Generator fixed(mask_seed);  // a fresh generator per call: the same mask every time
            return dropout(in[0], p, true, fixed);
          },
          {random_array(shape, gen)}, gen.next_u64());
    }
  }
}
