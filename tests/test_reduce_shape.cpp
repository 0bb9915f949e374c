// Reductions (kernels/reduce.h) and shape ops: reshape, flatten, squeeze, unsqueeze (autograd
// only) and permute (kernels/permute.h). Hand values, a naive reference, double accumulation,
// thread-count independence, and gradients by finite differences.
#include "core/threads.h"
#include "kernels/permute.h"
#include "kernels/reduce.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

TEST_CASE("reduce: sums and means of a 2x3 hand example") {
  for (DType dtype : {DType::F32, DType::F64}) {
    const Tensor x(Array::from_vector({2, 3}, {1, 2, 3, 4, 5, 6}, dtype));
    CHECK(sum(x).item() == 21);
    CHECK(sum(x).shape() == Shape{});
    CHECK(mean(x).item() == doctest::Approx(3.5));
    require_close(sum(x, 0).data(), Array::from_vector({3}, {5, 7, 9}, DType::F64));
    require_close(sum(x, 1).data(), Array::from_vector({2}, {6, 15}, DType::F64));
    require_close(sum(x, -1, true).data(), Array::from_vector({2, 1}, {6, 15}, DType::F64));
    require_close(mean(x, 1).data(), Array::from_vector({2}, {2, 5}, DType::F64));
    require_close(mean(x, 0, true).data(), Array::from_vector({1, 3}, {2.5, 3.5, 4.5}, DType::F64));
  }
}

TEST_CASE("reduce: kernel assigns, over each dimension, vs a naive reference") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const Shape& shape :
       {Shape{6}, Shape{3, 1, 4}, Shape{2, 3, 5}, Shape{3, 700, 40}, Shape{0, 3}}) {
    const Array x = random_array(shape, gen);
    const std::vector<double> v = x.to_vector();
    double total = 0;
    for (double e : v) total += e;
    Array all = poisoned({});
    kernels::reduce_sum(x, -1, 0.5, all);
    CHECK(all.item() == doctest::Approx(0.5 * total).epsilon(1e-12));
    for (int dim = 0; dim < static_cast<int>(shape.size()); ++dim) {
      INFO("shape ", shape_str(shape), " dim ", dim);
      Shape out_shape = shape;
      out_shape.erase(out_shape.begin() + dim);
      int64_t inner = 1;
      for (size_t d = dim + 1; d < shape.size(); ++d) inner *= shape[d];
      std::vector<double> expected(shape_numel(out_shape), 0.0);
      for (int64_t i = 0; i < x.numel(); ++i)
        expected[(i / (inner * shape[dim])) * inner + i % inner] += 2 * v[i];
      Array y = poisoned(out_shape);
      kernels::reduce_sum(x, dim, 2.0, y);
      require_close(y, Array::from_vector(out_shape, expected, DType::F64), 1e-12, 1e-12);
    }
  }
}

TEST_CASE("reduce: float32 sums accumulate in double") {
  // 17e6 ones: a float accumulator would stop at 2^24 = 16777216.
  const int64_t n = 17'000'000;
  const Array ones = Array::full({n}, 1.0, DType::F32);
  Array y = poisoned({}, DType::F32);
  kernels::reduce_sum(ones, -1, 1.0, y);
  CHECK(y.item() == 17'000'000.0);
  Array column = poisoned({1}, DType::F32);
  kernels::reduce_sum(ones.reshape({n, 1}), 0, 1.0, column);
  CHECK(column.item() == 17'000'000.0);
}

TEST_CASE("reduce: the same sum on 1 and 2 threads, bit for bit") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array x = random_array({300, 1000}, gen, DType::F32);
  const int threads = num_threads();
  auto run = [&](int n_threads) {
    set_num_threads(n_threads);
    Array all = poisoned({}, DType::F32), rows = poisoned({1000}, DType::F32);
    kernels::reduce_sum(x, -1, 1.0, all);
    kernels::reduce_sum(x, 0, 1.0, rows);
    return std::pair{all.item(), rows.to_vector()};
  };
  const auto one = run(1), two = run(2);
  set_num_threads(threads);
  CHECK(one.first == two.first);
  CHECK(one.second == two.second);
}

TEST_CASE("reduce: backward accumulates the scaled gradient along the reduced dimension") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array start = random_array({2, 3, 4}, gen);
  const Array g = random_array({2, 4}, gen);
  Array gx = start.clone();
  kernels::reduce_sum_backward(g, 1, 0.25, gx);
  std::vector<double> expected = start.to_vector();
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c) expected[(a * 3 + b) * 4 + c] += 0.25 * g.at({a, c});
  require_close(gx, Array::from_vector({2, 3, 4}, expected, DType::F64), 1e-12, 1e-14);
  Array wrong = poisoned({2, 4});  // summing [2, 3, 4] over dim 0 gives [3, 4]
  CHECK_THROWS_WITH_AS(kernels::reduce_sum(start, 0, 1.0, wrong), doctest::Contains("[3, 4]"),
                       Error);
  CHECK_THROWS_WITH_AS(kernels::reduce_sum(start, 3, 1.0, wrong), doctest::Contains("reduce_sum"),
                       Error);
}

TEST_CASE("reduce: sum and mean gradients match finite differences") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  for (const Shape& shape : {Shape{}, Shape{5}, Shape{3, 4}, Shape{2, 3, 4}}) {
    const Array x = random_array(shape, gen);
    INFO("shape ", shape_str(shape));
    check_gradients([](const std::vector<Tensor>& in) { return sum(in[0]); }, {x}, gen.next_u64());
    check_gradients([](const std::vector<Tensor>& in) { return mean(in[0]); }, {x}, gen.next_u64());
    for (int64_t dim = -1; dim < static_cast<int64_t>(shape.size()); ++dim) {
      if (shape.empty()) break;
      for (bool keepdim : {false, true}) {
        INFO("dim ", dim, " keepdim ", keepdim);
        check_gradients([=](const std::vector<Tensor>& in) { return sum(in[0], dim, keepdim); },
                        {x}, gen.next_u64());
        check_gradients([=](const std::vector<Tensor>& in) { return mean(in[0], dim, keepdim); },
                        {x}, gen.next_u64());
      }
    }
  }
}

TEST_CASE("shape ops: reshape, flatten, squeeze and unsqueeze keep values and pass gradients") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Array x = random_array({2, 3, 4}, gen);
  const Tensor t(x);
  CHECK(reshape(t, {4, -1}).shape() == Shape{4, 6});
  CHECK(flatten(t).shape() == Shape{2, 12});
  CHECK(flatten(t, 0).shape() == Shape{24});
  CHECK(flatten(t, 0, 1).shape() == Shape{6, 4});
  CHECK(unsqueeze(t, 1).shape() == Shape{2, 1, 3, 4});
  CHECK(unsqueeze(t, -1).shape() == Shape{2, 3, 4, 1});
  CHECK(squeeze(unsqueeze(t, 1), 1).shape() == Shape{2, 3, 4});
  CHECK(squeeze(t, 0).shape() == Shape{2, 3, 4});  // not of extent 1: left alone
  require_close(reshape(t, {24}).data(), x.reshape({24}));
  CHECK_THROWS_WITH_AS(reshape(t, {5, -1}), doctest::Contains("reshape"), Error);

  // Each wrapped in a multiply so the gradient that flows back is not all ones.
  const Array w = random_array({2, 3, 4}, gen);
  auto weighted = [w](const Tensor& y) { return mul(reshape(y, {2, 3, 4}), Tensor(w)); };
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> cases = {
      {"reshape",
       [](const Tensor& y) {
         return reshape(y, {6, -1});
       }},
      {"flatten", [](const Tensor& y) { return flatten(y); }},
      {"flatten 0..1", [](const Tensor& y) { return flatten(y, 0, 1); }},
      {"unsqueeze", [](const Tensor& y) { return unsqueeze(y, 0); }},
      {"squeeze", [](const Tensor& y) { return squeeze(unsqueeze(y, 2), 2); }},
  };
  for (const auto& [name, f] : cases) {
    INFO(std::string(name));
    check_gradients([&](const std::vector<Tensor>& in) { return weighted(f(in[0])); }, {x},
                    gen.next_u64());
  }
}

TEST_CASE("permute: hand transpose, a naive reference, and accumulation") {
  const Array m = Array::from_vector({2, 3}, {1, 2, 3, 4, 5, 6}, DType::F64);
  Array t = poisoned({3, 2});
  kernels::permute(m, {1, 0}, t);
  require_close(t, Array::from_vector({3, 2}, {1, 4, 2, 5, 3, 6}, DType::F64));

  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Shape shape{3, 40, 5, 70};  // 42000 elements: the parallel path
  const Array x = random_array(shape, gen);
  const std::vector<int64_t> perm{2, 0, 3, 1};
  const Shape out_shape{5, 3, 70, 40};
  std::vector<double> expected(x.numel());
  for (int64_t a = 0; a < 3; ++a)
    for (int64_t b = 0; b < 40; ++b)
      for (int64_t c = 0; c < 5; ++c)
        for (int64_t d = 0; d < 70; ++d)
          expected[((c * 3 + a) * 70 + d) * 40 + b] = x.at({a, b, c, d});
  Array y = poisoned(out_shape);
  kernels::permute(x, perm, y);
  require_close(y, Array::from_vector(out_shape, expected, DType::F64), 0, 0);

  // accumulate = true adds: permuting back onto a copy of x doubles it.
  Array doubled = x.clone();
  kernels::permute(y, {1, 3, 0, 2}, doubled, true);
  std::vector<double> twice = x.to_vector();
  for (double& e : twice) e *= 2;
  require_close(doubled, Array::from_vector(shape, twice, DType::F64), 1e-15, 0);

  Array out = poisoned({3, 2});
  CHECK_THROWS_WITH_AS(kernels::permute(m, {0, 0}, out), doctest::Contains("not a permutation"),
                       Error);
  CHECK_THROWS_WITH_AS(kernels::permute(m, {0, 1}, out), doctest::Contains("permute"), Error);
}

TEST_CASE("permute: gradients match finite differences") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{4}, {0}},
      {{2, 3}, {1, 0}},
      {{2, 3, 4}, {2, 0, 1}},
      {{2, 3, 4}, {0, 2, 1}},
      {{2, 1, 3, 2}, {3, 1, 0, 2}},
      {{3, 2}, {-1, 0}},
  };
  for (const auto& [shape, dims] : cases) {
    INFO("shape ", shape_str(shape), " dims ", shape_str(dims));
    check_gradients([&dims](const std::vector<Tensor>& in) { return permute(in[0], dims); },
                    {random_array(shape, gen)}, gen.next_u64());
  }
}
