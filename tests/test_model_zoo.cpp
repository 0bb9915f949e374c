// genomics/models/model_zoo.h and genomics/models/trained_model.h: every model by name maps [N, 4,
// L] to the documented output shape at several lengths, tfbind has PyTorch's state_dict names and
// shapes and computes conv → ReLU → flatten → linear as a float64 loop does, the errors for bad
// specs, the spec's metadata round trip, and reading checkpoints back with load_trained_model.
#include <cmath>
#include <stdexcept>

#include "core/error.h"
#include "genome_fixture.h"
#include "genomics/data/dataset.h"
#include "genomics/models/model_zoo.h"
#include "genomics/models/padded_batch.h"
#include "genomics/models/predict.h"
#include "genomics/models/trained_model.h"
#include "genomics/sequence.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
using namespace dnagrad::testing;

namespace {

// An integer in [lo, hi].
int64_t random_int(Generator& gen, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(gen.next_u64() % static_cast<uint64_t>(hi - lo + 1));
}

Array model_output(nn::Module& model, const Array& x) {
  NoGrad no_grad;
  model.eval();
  return model.forward(Tensor(x)).data();
}

// A state_dict's tensor by name, as float64 values (throws for an unknown name).
std::vector<double> tensor_values(const nn::StateDict& state, const std::string& name) {
  for (const auto& [n, a] : state)
    if (n == name) return a.to_vector();
  throw std::runtime_error("no tensor " + name);
}

ModelSpec no_spec() { return {.name = "", .input_length = 0, .outputs = 0}; }

}  // namespace

TEST_CASE("model zoo: every model maps one-hot batches to its output shape at several lengths") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  struct Case {
    std::string name;
    int64_t shortest, longest;  // range of lengths to try (shortest = the minimum it accepts)
    bool many_outputs;
  };
  for (const Case& c :
       {Case{"promoter", 16, 200, false}, Case{"kmer-cnn", 3, 60, false},
        Case{"linear", 1, 60, false}, Case{"tfbind", 8, 60, true},
        Case{"cnn-classifier", 57, 150, true}, Case{"dilated-residual", 1, 80, true},
        Case{"deepstarr", 16, 60, true}, Case{"basset", 48, 100, true}}) {
    for (int64_t length : {c.shortest, c.shortest + 1, random_int(gen, c.shortest, c.longest)}) {
      const int64_t outputs = c.many_outputs ? random_int(gen, 1, 6) : 1;
      const int64_t n = random_int(gen, 1, 3);
      INFO(c.name, " L = ", length, " T = ", outputs, " N = ", n);
      auto model = make_model({c.name, length, outputs}, gen);
      const Array y = model_output(*model, random_array({n, 4, length}, gen, DType::F32, 0, 1));
      // promoter returns [N] as seed 002 does (.squeeze(-1)); every other model [N, T].
      CHECK(y.shape() == (c.name == "promoter" ? Shape{n} : Shape{n, outputs}));
      for (double v : y.to_vector()) CHECK(std::isfinite(v));
    }
  }
}

TEST_CASE("model zoo: tfbind has the course model's names and shapes and its arithmetic") {
  Generator gen(fresh_seed());
  INFO("seed ", gen.seed());
  // The course: DNA_CNN with Conv1d(4, 32, 8) and Linear(32 * 293, 300) on 300 bp windows.
  auto course = make_model({"tfbind", 300, 300}, gen);
  const nn::StateDict state = course->state_dict();
  std::vector<std::pair<std::string, Shape>> got;
  for (const auto& [name, array] : state) got.emplace_back(name, array.shape());
  CHECK(got == std::vector<std::pair<std::string, Shape>>{{"conv.weight", {32, 4, 8}},
                                                          {"conv.bias", {32}},
                                                          {"linear.weight", {300, 32 * 293}},
                                                          {"linear.bias", {300}}});
  CHECK(dynamic_cast<TfBindCNN*>(course.get()) != nullptr);

  // Forward against a float64 loop over the state_dict, on a small instance: flatten must
  // order features as PyTorch does, filter-major (index f * L' + l).
  const int64_t n = 2, length = 13, outputs = 3, filters = 32, k = 8, lp = length - k + 1;
  auto model = make_model({"tfbind", length, outputs}, gen);
  const nn::StateDict s = model->state_dict();
  const std::vector<double> w = tensor_values(s, "conv.weight"), b = tensor_values(s, "conv.bias"),
                            lw = tensor_values(s, "linear.weight"),
                            lb = tensor_values(s, "linear.bias");
  const Array x = random_array({n, 4, length}, gen, DType::F32, -1, 1);
  const std::vector<double> xv = x.to_vector();
  const Array y = model_output(*model, x);
  REQUIRE(y.shape() == Shape{n, outputs});
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> h(static_cast<size_t>(filters * lp));
    for (int64_t f = 0; f < filters; ++f)
      for (int64_t l = 0; l < lp; ++l) {
        double acc = b[static_cast<size_t>(f)];
        for (int64_t c = 0; c < 4; ++c)
          for (int64_t j = 0; j < k; ++j)
            acc += w[static_cast<size_t>((f * 4 + c) * k + j)] *
                   xv[static_cast<size_t>((i * 4 + c) * length + l + j)];
        h[static_cast<size_t>(f * lp + l)] = std::max(acc, 0.0);
      }
    for (int64_t t = 0; t < outputs; ++t) {
      double acc = lb[static_cast<size_t>(t)];
      for (int64_t j = 0; j < filters * lp; ++j)
        acc += lw[static_cast<size_t>(t * filters * lp + j)] * h[static_cast<size_t>(j)];
      CHECK(y.at({i, t}) == doctest::Approx(acc).epsilon(1e-4));
    }
  }
}

TEST_CASE("model zoo: unknown names, short inputs and impossible output counts are errors") {
  Generator gen(1);
  require_error_mentions(
      [&] {
        make_model({"resnet", 100, 1}, gen);
      },
      {"unknown model 'resnet'", "promoter", "kmer-cnn", "linear", "tfbind", "cnn-classifier"});
  // The shortest inputs each architecture accepts, one base less.
  require_error_mentions(
      [&] {
        make_model({"tfbind", 7, 1}, gen);
      },
      {"'tfbind'", "at least 8", "got 7"});
  require_error_mentions([&] { make_model({"kmer-cnn", 2, 1}, gen); }, {"at least 3"});
  require_error_mentions([&] { make_model({"promoter", 15, 1}, gen); }, {"at least 16"});
  // cnn-classifier: three (conv k8, max-pool 2) blocks; 57 → 25 → 9 → 1, and 56 → 24 → 8 → 0.
  require_error_mentions(
      [&] {
        make_model({"cnn-classifier", 56, 2}, gen);
      },
      {"'cnn-classifier'", "at least 57", "got 56"});
  require_error_mentions([&] { make_model({"linear", 0, 1}, gen); }, {"at least 1"});
  // One-output models of the documents.
  require_error_mentions(
      [&] {
        make_model({"promoter", 2000, 2}, gen);
      },
      {"'promoter'", "one output", "2"});
  require_error_mentions([&] { make_model({"kmer-cnn", 20, 3}, gen); }, {"one output", "3"});
  require_error_mentions([&] { make_model({"linear", 20, 2}, gen); }, {"one output"});
  require_error_mentions([&] { make_model({"tfbind", 20, 0}, gen); }, {"positive", "got 0"});
}

TEST_CASE("model zoo: a spec survives its metadata and bad metadata names the field") {
  Generator gen(fresh_seed());
  INFO("seed ", gen.seed());
  const ModelSpec spec{model_names()[gen.next_u64() % model_names().size()],
                       random_int(gen, 1, 100000), random_int(gen, 1, 1000)};
  const nn::Metadata meta = spec_metadata(spec);
  CHECK(meta == nn::Metadata{{"model", spec.name},
                             {"input_length", std::to_string(spec.input_length)},
                             {"outputs", std::to_string(spec.outputs)}});
  const ModelSpec back = spec_from_metadata(meta, "ck.safetensors");
  CHECK(back.name == spec.name);
  CHECK(back.input_length == spec.input_length);
  CHECK(back.outputs == spec.outputs);

  nn::Metadata missing = meta;
  missing.erase("outputs");
  require_error_mentions([&] { spec_from_metadata(missing, "ck.safetensors"); },
                         {"ck.safetensors", "'outputs'"});
  for (const std::string bad : {"12x", "0", "-3", "", "1e3"}) {
    nn::Metadata m = meta;
    m["input_length"] = bad;
    require_error_mentions([&] { spec_from_metadata(m, "ck.safetensors"); },
                           {"ck.safetensors", "'input_length'", "'" + bad + "'"});
  }
}

TEST_CASE("trained model: checkpoints load with their metadata or a given spec") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  ScratchDir dir;
  const int64_t length = 20, outputs = 3;
  auto original = make_model({"tfbind", length, outputs}, gen);
  const Array x = random_array({4, 4, length}, gen, DType::F32, 0, 1);
  const std::vector<double> expected = model_output(*original, x).to_vector();

  // Without metadata (as PyTorch writes it) the caller must name the model and the length.
  const std::string bare = (dir.path() / "bare.safetensors").string();
  nn::save_checkpoint(bare, *original);
  require_error_mentions([&] { load_trained_model(bare, no_spec()); },
                         {bare, "does not name its model", "--model"});
  require_error_mentions(
      [&] { load_trained_model(bare, {.name = "tfbind", .input_length = 0, .outputs = 3}); },
      {bare, "input length", "--length"});
  const TrainedModel given =
      load_trained_model(bare, {.name = "tfbind", .input_length = length, .outputs = outputs});
  CHECK(given.task == Task::Regression);
  CHECK_FALSE(given.per_position);
  CHECK(given.target_names ==
        std::vector<std::string>{"prediction_0", "prediction_1", "prediction_2"});
  CHECK_FALSE(given.module->is_training());
  CHECK(model_output(*given.module, x).to_vector() == expected);

  // The wrong architecture, or the right one built for another length: the tensor is named.
  auto kmer = make_model({"kmer-cnn", length, 1}, gen);
  const std::string kmer_path = (dir.path() / "kmer.safetensors").string();
  nn::save_checkpoint(kmer_path, *kmer);
  require_error_mentions(
      [&] {
        load_trained_model(kmer_path, {.name = "tfbind", .input_length = length, .outputs = 1});
      },
      {kmer_path, "'tfbind'", "conv.weight"});
  require_error_mentions(
      [&] { load_trained_model(bare, {.name = "tfbind", .input_length = 30, .outputs = outputs}); },
      {bare, "linear.weight"});

  // A checkpoint as `dnagrad train` writes it needs nothing more.
  nn::Metadata meta = spec_metadata({"tfbind", length, outputs});
  meta["task"] = "binary";
  meta["targets_per_position"] = "false";
  meta["target_names"] = R"(["bound", "open", "marked"])";
  const std::string trained = (dir.path() / "trained.safetensors").string();
  nn::save_checkpoint(trained, *original, meta);
  const TrainedModel loaded = load_trained_model(trained, no_spec());
  CHECK(loaded.spec.name == "tfbind");
  CHECK(loaded.spec.input_length == length);
  CHECK(loaded.spec.outputs == outputs);
  CHECK(loaded.task == Task::Binary);
  CHECK(loaded.target_names == std::vector<std::string>{"bound", "open", "marked"});
  CHECK(model_output(*loaded.module, x).to_vector() == expected);
  // Given fields override the metadata: a wrong output count no longer fits.
  require_error_mentions(
      [&] { load_trained_model(trained, {.name = "", .input_length = 0, .outputs = 2}); },
      {trained, "linear.weight"});
  meta["target_names"] = "bound";
  nn::save_checkpoint(trained, *original, meta);
  require_error_mentions([&] { load_trained_model(trained, no_spec()); },
                         {trained, "'target_names'"});
}

namespace {

// Random running statistics that let most activations through the ReLUs (mean below 0), so
// activations computed over padding would show in the outputs if they leaked.
void randomise_running_statistics(nn::Module& model, Generator& gen) {
  nn::StateDict state = model.state_dict();
  for (auto& [name, value] : state) {
    if (name.find("running_mean") != std::string::npos)
      value = random_array(value.shape(), gen, DType::F32, -0.5, 0);
    if (name.find("running_var") != std::string::npos)
      value = random_array(value.shape(), gen, DType::F32, 0.5, 1.5);
  }
  model.load_state_dict(state);
}

}  // namespace

TEST_CASE(
    "dilated-residual with --pad-with-mask: each row of an N-padded batch gets its forward alone, "
    "in eval and in training mode") {
  Generator gen(fresh_seed());
  INFO("seed ", gen.seed());
  auto model =
      std::dynamic_pointer_cast<PaddedBatchModel>(make_model({"dilated-residual", 90, 2}, gen));
  REQUIRE(model != nullptr);
  // 90 is the batch's width; 1 base, one shorter than the widest dilation, and sequences whose
  // end falls inside the receptive field of the last layers' dilations (up to 64).
  const std::vector<int64_t> lengths = {90, 1, 63, 20, 77};
  const auto n = static_cast<int64_t>(lengths.size());
  const Array full = random_array({n, 4, 90}, gen, DType::F32, 0, 1);
  Array x = full.clone();  // the padded batch: zero columns past each row's length
  float* values = x.data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < 4; ++c)
      for (int64_t t = lengths[static_cast<size_t>(i)]; t < 90; ++t)
        values[(i * 4 + c) * 90 + t] = 0;
  for (const bool training : {false, true}) {  // no BatchNorm and no dropout: the same
    CAPTURE(training);
    model->train(training);
    NoGrad no_grad;
    const Array batch = model->forward_padded(Tensor(x), lengths).data();
    REQUIRE(batch.shape() == Shape{n, 2});
    for (int64_t i = 0; i < n; ++i) {
      const int64_t len = lengths[static_cast<size_t>(i)];
      CAPTURE(len);
      // Alone: row i's own columns, a batch of one, through the plain forward.
      Array alone_x = Array::zeros({1, 4, len});
      for (int64_t c = 0; c < 4; ++c)
        for (int64_t t = 0; t < len; ++t)
          alone_x.data<float>()[c * len + t] = full.data<float>()[(i * 4 + c) * 90 + t];
      const std::vector<double> alone = model->forward(Tensor(alone_x)).data().to_vector();
      for (int64_t k = 0; k < 2; ++k)
        CHECK(batch.to_vector()[static_cast<size_t>(i * 2 + k)] ==
              doctest::Approx(alone[static_cast<size_t>(k)]).epsilon(1e-5));
    }
  }
}

TEST_CASE(
    "promoter with --pad-with-mask: a sequence predicted in an N-padded batch gets what it gets "
    "alone, an interior run of N's is data, and masked_pooling checkpoints load") {
  Generator gen(fresh_seed());
  INFO("seed ", gen.seed());
  auto model = make_model({"promoter", 64, 1, true}, gen);
  randomise_running_statistics(*model, gen);
  // The reference: the same weights in the plain model, which has never heard of padding.
  auto plain = make_model({"promoter", 64, 1}, gen);
  plain->load_state_dict(model->state_dict());
  plain->eval();
  // Lengths around the pools' multiples (16 = two pools of 4): a sequence whose end falls inside
  // a max-pool window, one shorter than a window's worth of padding, the longest one, and 80
  // bases with 20 N's inside (a gap in an assembly is data, not padding).
  const std::vector<int64_t> lengths = {64, 37, 50, 19, 16, 101, 80};
  std::vector<std::string> seqs;
  for (int64_t len : lengths) {
    std::string s(static_cast<size_t>(len), 'A');
    for (char& c : s) c = "ACGT"[gen.next_u64() % 4];
    seqs.push_back(s);
  }
  seqs.back().replace(30, 20, std::string(20, 'N'));
  const auto n = static_cast<int64_t>(seqs.size());
  std::vector<float> targets(seqs.size(), 0.0f);
  std::vector<std::string> names;
  for (int64_t i = 0; i < n; ++i) names.push_back(cat("s", i));
  const SequenceDataset data = in_memory_dataset("mem", names, seqs, {"y"}, targets);
  std::vector<int64_t> rows(seqs.size());
  for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = i;
  const LengthPolicy padded{LengthPolicy::Kind::PadWithMask};
  for (const bool reverse : {false, true}) {
    CAPTURE(reverse);
    // One batch, every sequence N-padded at the end to 101 bases (rc_average also runs each
    // reverse complement padded at its end).
    const std::vector<double> batch =
        predict_outputs(*model, data, rows, 1,
                        {.batch_size = n, .rc_average = reverse, .length = padded})
            .to_vector();
    for (int64_t i = 0; i < n; ++i) {
      CAPTURE(lengths[static_cast<size_t>(i)]);
      // Alone: a batch of one, no padding, through the plain model (PyTorch's).
      const std::string& s = seqs[static_cast<size_t>(i)];
      NoGrad no_grad;
      double alone = plain->forward(Tensor(one_hot({s}))).item();
      if (reverse)
        alone = (alone + plain->forward(Tensor(one_hot({reverse_complement(s)}))).item()) / 2;
      CHECK(batch[static_cast<size_t>(i)] == doctest::Approx(alone).epsilon(1e-5));
    }
  }
  // A checkpoint written by `dnagrad train --pad-with-mask` (metadata masked_pooling and
  // length_policy) loads into the same model and predicts padded batches the same way.
  ScratchDir dir;
  const std::string path = (dir.path() / "masked.safetensors").string();
  nn::Metadata meta = spec_metadata({"promoter", 101, 1, true});
  meta["length_policy"] = "pad-with-mask";
  nn::save_checkpoint(path, *model, meta);
  const TrainedModel loaded = load_trained_model(path, no_spec());
  CHECK(loaded.spec.masked_pooling);
  CHECK(loaded.length_policy == "pad-with-mask");
  CHECK(predict_outputs(*loaded.module, data, rows, 1, {.batch_size = n, .length = padded})
            .to_vector() ==
        predict_outputs(*model, data, rows, 1, {.batch_size = n, .length = padded}).to_vector());
  // A sequence shorter than two pools, and a model that cannot take padded batches.
  const SequenceDataset short_one = in_memory_dataset(
      "short", {"a", "b"}, {std::string(15, 'A'), std::string(20, 'C')}, {"y"}, {0, 0});
  require_error_mentions(
      [&] {
        predict_outputs(*model, short_one, {0, 1}, 1, {.batch_size = 2, .length = padded});
      },
      {"15 bases", "at least 16"});
  auto kmer = make_model({"kmer-cnn", 20, 1}, gen);
  require_error_mentions(
      [&] {
        predict_outputs(*kmer, short_one, {0, 1}, 1, {.batch_size = 2, .length = padded});
      },
      {"--pad-with-mask", "--length"});
}
