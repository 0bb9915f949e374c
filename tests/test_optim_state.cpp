// nn/optim.h state_dict / load_state_dict: an optimizer's state saved through a safetensors
// file and loaded into a fresh optimizer continues exactly (bitwise) as the original; a fresh
// optimizer without it does not; and a bad state throws and changes nothing.
#include <functional>
#include <memory>

#include "core/error.h"
#include "genome_fixture.h"
#include "nn/checkpoint.h"
#include "nn/optim.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {

using Factory = std::function<std::unique_ptr<nn::Optimizer>(std::vector<Tensor>)>;

const std::vector<Shape> kShapes = {{3, 4}, {5}, {2, 3}};

std::vector<Tensor> random_params(Generator& gen) {
  std::vector<Tensor> out;
  for (const Shape& s : kShapes) out.emplace_back(random_array(s, gen, DType::F32), true);
  return out;
}

std::vector<Tensor> copy_params(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const Tensor& p : params) out.emplace_back(p.data().clone(), true);
  return out;
}

// One optimizer step on L = sum_i sum(w_i * p_i^2) with weights fixed by (seed, step), so the
// gradients depend on the parameters and two runs agree only if their whole history does.
// The last parameter takes part only when `all` (before that it has no gradient and no state).
void take_step(nn::Optimizer& opt, const std::vector<Tensor>& params, uint64_t seed, int step,
               bool all) {
  Generator gen(seed);
  gen.set_offset(static_cast<uint64_t>(step) << 20);
  opt.zero_grad();
  Tensor loss;
  const size_t used = all ? params.size() : params.size() - 1;
  for (size_t i = 0; i < used; ++i) {
    const Tensor w(random_array(params[i].shape(), gen, DType::F32, 0.5, 2));
    const Tensor term = sum(w * params[i] * params[i]);
    loss = loss.defined() ? loss + term : term;
  }
  loss.backward();
  opt.step();
}

std::vector<std::vector<double>> values(const std::vector<Tensor>& params) {
  std::vector<std::vector<double>> out;
  for (const Tensor& p : params) out.push_back(p.data().to_vector());
  return out;
}

std::vector<std::string> names(const nn::StateDict& state) {
  std::vector<std::string> out;
  for (const auto& [name, array] : state) out.push_back(name);
  return out;
}

// A deep copy (state_dict shares memory with the optimizer).
nn::StateDict cloned(const nn::StateDict& state) {
  nn::StateDict out;
  for (const auto& [name, array] : state) out.emplace_back(name, array.clone());
  return out;
}

void check_same_state(const nn::StateDict& a, const nn::StateDict& b) {
  REQUIRE(names(a) == names(b));
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    CHECK(a[i].second.shape() == b[i].second.shape());
    CHECK(a[i].second.dtype() == b[i].second.dtype());
    CHECK(a[i].second.to_vector() == b[i].second.to_vector());
  }
}

// `good` with its first entry zeroed (a valid change) followed by `bad`: a load that applied
// entries one by one would leave the zeros behind.
nn::StateDict spoiled(const nn::StateDict& good, std::string name, Array bad) {
  nn::StateDict out = cloned(good);
  out[0].second.zero_();
  out.emplace_back(std::move(name), std::move(bad));
  return out;
}

// The whole round trip for one optimizer; `buffers` are its per-parameter state entries.
void check_resume(const Factory& make, const std::vector<std::string>& buffers) {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const std::vector<Tensor> a = random_params(gen);
  std::unique_ptr<nn::Optimizer> opt_a = make(a);
  for (int k = 0; k < 4; ++k) take_step(*opt_a, a, seed, k, false);

  const nn::StateDict state = opt_a->state_dict();
  std::vector<std::string> expected_names;
  for (int i = 0; i < 2; ++i)  // parameter 2 has not been stepped: no entries
    for (const std::string& b : buffers) expected_names.push_back(cat(i, ".", b));
  CHECK(names(state) == expected_names);
  for (const auto& [name, array] : state)
    if (name.ends_with(".step")) {
      CHECK(array.dtype() == DType::I64);
      CHECK(array.item() == 4);
    }

  ScratchDir dir;
  const std::string path = (dir.path() / "optim.safetensors").string();
  nn::write_safetensors(path, state);
  const nn::StateDict loaded = nn::read_safetensors(path).tensors;

  const std::vector<Tensor> b = copy_params(a), fresh = copy_params(a);
  std::unique_ptr<nn::Optimizer> opt_b = make(b), opt_fresh = make(fresh);
  opt_b->load_state_dict(loaded);
  check_same_state(opt_b->state_dict(), state);

  // Bad states: each throws naming the entry, and the optimizer keeps its state.
  const nn::StateDict before = cloned(opt_a->state_dict());
  const std::string first = buffers[0];
  require_error_mentions(
      [&] { opt_a->load_state_dict(spoiled(before, cat("1.", first), Array::zeros({7}))); },
      {cat("'1.", first, "'"), "[7]", "[5]"});
  require_error_mentions(
      [&] {
        opt_a->load_state_dict(spoiled(before, cat("3.", first), Array::zeros({2, 3})));
      },
      {cat("'3.", first, "'")});
  require_error_mentions(
      [&] {
        opt_a->load_state_dict(spoiled(before, "0.velocity", Array::zeros({3, 4})));
      },
      {"'0.velocity'"});
  require_error_mentions(
      [&] {
        opt_a->load_state_dict(spoiled(before, first, Array::zeros({3, 4})));
      },
      {cat("'", first, "'")});
  check_same_state(opt_a->state_dict(), before);

  // Four more steps, now with every parameter: the reloaded optimizer follows the original
  // bit for bit; one without the saved state does not.
  for (int k = 4; k < 8; ++k) {
    take_step(*opt_a, a, seed, k, true);
    take_step(*opt_b, b, seed, k, true);
    take_step(*opt_fresh, fresh, seed, k, true);
  }
  CHECK(values(b) == values(a));
  CHECK(values(fresh) != values(a));
  check_same_state(opt_b->state_dict(), opt_a->state_dict());
}

}  // namespace

TEST_CASE("optimizer state: SGD with momentum resumes bitwise from a saved state") {
  check_resume(
      [](std::vector<Tensor> p) {
        return std::make_unique<nn::SGD>(
            std::move(p),
            nn::SgdOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01});
      },
      {"momentum_buffer"});
}

TEST_CASE("optimizer state: Adam resumes bitwise from a saved state") {
  check_resume(
      [](std::vector<Tensor> p) {
        return std::make_unique<nn::Adam>(std::move(p),
                                          nn::AdamOptions{.lr = 0.05, .weight_decay = 1e-3});
      },
      {"exp_avg", "exp_avg_sq", "step"});
}

TEST_CASE("optimizer state: AdamW resumes bitwise from a saved state") {
  check_resume(
      [](std::vector<Tensor> p) {
        return std::make_unique<nn::AdamW>(std::move(p),
                                           nn::AdamWOptions{.lr = 0.05, .weight_decay = 0.1});
      },
      {"exp_avg", "exp_avg_sq", "step"});
}

TEST_CASE("optimizer state: an incomplete or non-scalar Adam state is refused") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const std::vector<Tensor> params = random_params(gen);
  nn::Adam adam(params, {.lr = 0.01});
  take_step(adam, params, seed, 0, true);
  const nn::StateDict before = cloned(adam.state_dict());
  REQUIRE(before.size() == 9);
  // Parameter 1 without its exp_avg_sq.
  nn::StateDict incomplete;
  for (const auto& [name, array] : before)
    if (name != "1.exp_avg_sq") incomplete.emplace_back(name, array.clone());
  require_error_mentions([&] { adam.load_state_dict(incomplete); }, {"parameter 1", "incomplete"});
  // A step count that is not a scalar.
  nn::StateDict vector_step = cloned(before);
  for (auto& [name, array] : vector_step)
    if (name == "2.step") array = Array::zeros({2}, DType::I64);
  require_error_mentions([&] { adam.load_state_dict(vector_step); }, {"'2.step'", "scalar"});
  check_same_state(adam.state_dict(), before);
  // An empty state is valid: it is a fresh optimizer's.
  adam.load_state_dict({});
  CHECK(adam.state_dict().empty());
  CHECK(adam.step_count(0) == 0);
}
