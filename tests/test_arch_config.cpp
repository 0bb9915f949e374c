// genomics/models/arch_config.h: architectures from JSON. The state_dict names of a small file
// are PyTorch's (a list written by hand); the summary's shapes, parameters, receptive fields and
// multiply-adds are the hand-computed ones; models/cnn-classifier.json is the zoo's
// cnn-classifier (same names, and the same outputs with the same weights); a checkpoint of a
// file model rebuilds from its metadata alone; incremental ISM reads it as a chain; and every
// schema or shape error names the place in the file or the layer and its shapes.
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "genome_fixture.h"
#include "genomics/interpret/ism.h"
#include "genomics/models/arch_config.h"
#include "genomics/models/model_zoo.h"
#include "genomics/models/trained_model.h"
#include "genomics/train/config.h"
#include "nn/checkpoint.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
using namespace dnagrad::testing;

namespace {

// A stem block with named layers, then unnamed top-level layers: every naming rule at once.
constexpr const char* kSmall = R"({
  "name": "small",
  "layers": [
    {"type": "block", "name": "stem", "layers": [
      {"type": "conv", "name": "conv", "filters": 3, "kernel": 5, "padding": "same"},
      {"type": "batchnorm", "name": "bn"},
      {"type": "relu"}]},
    {"type": "conv", "filters": 2, "kernel": 3, "dilation": 2, "bias": false},
    {"type": "maxpool", "kernel": 2},
    {"type": "flatten"},
    {"type": "dropout", "p": 0.1},
    {"type": "head"}]})";

std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(DNAGRAD_SOURCE_DIR) + "/" + relative);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

BuiltArchitecture build(const std::string& json, int64_t length, int64_t outputs = 1) {
  Generator gen(7);
  return build_architecture(parse_architecture(json, "arch.json"), length, outputs, gen);
}

Array eval_output(nn::Module& model, const Array& x) {
  NoGrad no_grad;
  model.eval();
  return model.forward(Tensor(x)).data();
}

// One-hot [n, 4, length] of random bases.
Array random_one_hot(int64_t n, int64_t length, Generator& gen) {
  Array x = Array::zeros({n, 4, length});
  float* p = x.data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < length; ++j)
      p[(i * 4 + static_cast<int64_t>(gen.next_u64() % 4)) * length + j] = 1;
  return x;
}

// One training-mode forward: BatchNorm's running statistics move from (0, 1) to values of the
// data's, so that in eval mode it is not the identity.
void update_running_statistics(nn::Module& model, Generator& gen, int64_t length) {
  NoGrad no_grad;
  model.train();
  model.forward(Tensor(random_one_hot(8, length, gen)));
}

}  // namespace

TEST_CASE("arch config: state_dict names are those of the equivalent PyTorch nn.Sequential") {
  const BuiltArchitecture built = build(kSmall, 20, 2);
  std::vector<std::string> names;
  for (const auto& [name, value] : built.module->state_dict()) names.push_back(name);
  // torch.nn.Sequential(OrderedDict(stem=nn.Sequential(OrderedDict(conv=..., bn=..., relu=...)),
  // 1=Conv1d(3, 2, 3, dilation=2, bias=False), 2=MaxPool1d(2), 3=Flatten(), 4=Dropout(0.1),
  // 5=Linear(16, 2))).state_dict().keys():
  CHECK(names == std::vector<std::string>{"stem.conv.weight", "stem.conv.bias", "stem.bn.weight",
                                          "stem.bn.bias", "stem.bn.running_mean",
                                          "stem.bn.running_var", "stem.bn.num_batches_tracked",
                                          "1.weight", "5.weight", "5.bias"});
  CHECK(built.module->forward_is_chain_of_children());
  Generator gen(fresh_seed());
  INFO("seed ", gen.seed());
  const Array y = eval_output(*built.module, random_one_hot(3, 20, gen));
  CHECK(y.shape() == Shape{3, 2});
}

TEST_CASE("arch config: the summary's shapes and counts are the hand-computed ones") {
  // L = 20, T = 2. stem.conv: "same" pads (5 - 1) / 2 = 2, so [3, 20]; 3*4*5 + 3 = 63 parameters,
  // 3*4*5 * 20 = 1200 multiply-adds; it sees 5 bases. stem.bn: 2*3 parameters, 3*20 = 60
  // multiply-adds. Conv k3 dilation 2 spans 5: [2, 16], 2*3*3 = 18 weights (no bias), 18 * 16 =
  // 288 multiply-adds, 5 + 4 = 9 bases. maxpool 2: [2, 8], 9 + 1 = 10 bases. flatten: [16].
  // head: 16*2 + 2 = 34 parameters, 32 multiply-adds, every base.
  const BuiltArchitecture built = build(kSmall, 20, 2);
  struct Expected {
    std::string name, type;
    std::vector<int64_t> shape;
    int64_t parameters, field, multiply_adds;
  };
  const std::vector<Expected> expected = {{"stem.conv", "conv", {3, 20}, 63, 5, 1200},
                                          {"stem.bn", "batchnorm", {3, 20}, 6, 5, 60},
                                          {"stem.2", "relu", {3, 20}, 0, 5, 0},
                                          {"1", "conv", {2, 16}, 18, 9, 288},
                                          {"2", "maxpool", {2, 8}, 0, 10, 0},
                                          {"3", "flatten", {16}, 0, 10, 0},
                                          {"4", "dropout", {16}, 0, 10, 0},
                                          {"5", "head", {2}, 34, 20, 32}};
  REQUIRE(built.layers.size() == expected.size());
  int64_t parameters = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const LayerSummary& l = built.layers[i];
    INFO("layer ", l.name);
    CHECK(l.name == expected[i].name);
    CHECK(l.type == expected[i].type);
    CHECK(l.output_shape == expected[i].shape);
    CHECK(l.parameters == expected[i].parameters);
    CHECK(l.receptive_field == expected[i].field);
    CHECK(l.multiply_adds == expected[i].multiply_adds);
    parameters += l.parameters;
  }
  // The summary counts what the module holds (BatchNorm's running statistics are buffers).
  int64_t held = 0;
  for (const Tensor& p : built.module->parameters()) held += p.numel();
  CHECK(parameters == held);
}

TEST_CASE("arch config: global pooling widens the receptive field to the whole input") {
  const BuiltArchitecture built = build(R"({"layers": [
    {"type": "conv", "filters": 4, "kernel": 3, "stride": 2},
    {"type": "avgpool", "kernel": 3, "stride": 1, "padding": 1},
    {"type": "global_avgpool"}, {"type": "flatten"}, {"type": "head"}]})",
                                        31);
  // conv: (31 - 3) / 2 + 1 = 15 positions, 3 bases each, 2 apart; avgpool 3 (stride 1, padding
  // 1) keeps 15 and sees 3 + 2*2 = 7 bases; the mean of 15 positions sees 7 + 14*2 = 35 > 31.
  REQUIRE(built.layers.size() == 5);
  CHECK(built.layers[0].output_shape == std::vector<int64_t>{4, 15});
  CHECK(built.layers[1].output_shape == std::vector<int64_t>{4, 15});
  CHECK(built.layers[1].receptive_field == 7);
  CHECK(built.layers[2].output_shape == std::vector<int64_t>{4, 1});
  CHECK(built.layers[2].receptive_field == 31);
}

TEST_CASE("arch config: models/cnn-classifier.json is the zoo's cnn-classifier") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const int64_t length = 100, outputs = 3;
  const std::string json = read_source_file("models/cnn-classifier.json");
  Generator zoo_gen(seed), file_gen(seed + 1);
  CnnClassifier zoo(length, outputs, zoo_gen);
  update_running_statistics(zoo, gen, length);
  const ModelSpec spec{.name = "cnn-classifier",
                       .input_length = length,
                       .outputs = outputs,
                       .architecture = compact_architecture_json(json, "cnn-classifier.json")};
  auto from_file = make_model(spec, file_gen);
  std::vector<std::string> zoo_names, file_names;
  for (const auto& [name, value] : zoo.state_dict()) zoo_names.push_back(name);
  for (const auto& [name, value] : from_file->state_dict()) file_names.push_back(name);
  CHECK(file_names == zoo_names);
  // The zoo's weights through state_dict: the same numbers out, bit for bit (the same ops).
  from_file->load_state_dict(zoo.state_dict());
  const Array x = random_one_hot(5, length, gen);
  CHECK(bitwise_equal(eval_output(*from_file, x), eval_output(zoo, x)));
  // Built from the same seed the weights are drawn in the same order, so they are equal too.
  Generator again(seed);
  auto seeded = make_model(spec, again);
  Generator zoo_again(seed);
  CnnClassifier zoo_seeded(length, outputs, zoo_again);
  const nn::StateDict a = seeded->state_dict(), b = zoo_seeded.state_dict();
  for (size_t i = 0; i < a.size(); ++i) CHECK(bitwise_equal(a[i].second, b[i].second));
}

TEST_CASE("arch config: a checkpoint rebuilds its file model alone, and ISM reads it as a chain") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  ScratchDir dir;
  const int64_t length = 24;
  const ModelSpec spec{.name = "small",
                       .input_length = length,
                       .outputs = 2,
                       .architecture = compact_architecture_json(kSmall, "small.json")};
  auto model = make_model(spec, gen);
  update_running_statistics(*model, gen, length);
  const nn::Metadata meta = spec_metadata(spec);
  CHECK(meta.at("architecture") == spec.architecture);
  const std::string path = (dir.path() / "small.safetensors").string();
  nn::save_checkpoint(path, *model, meta);
  const TrainedModel loaded =
      load_trained_model(path, {.name = "", .input_length = 0, .outputs = 0});
  CHECK(loaded.spec.name == "small");
  CHECK(loaded.spec.architecture == spec.architecture);
  const Array x = random_one_hot(3, length, gen);
  CHECK(bitwise_equal(eval_output(*loaded.module, x), eval_output(*model, x)));

  // The incremental method (windows through stem and the dilated conv) gives the naive one's.
  for (int64_t output : {0, 1}) {
    const Array naive = in_silico_mutagenesis(*loaded.module, x,
                                              {.output_index = output, .method = IsmMethod::Naive});
    const Array incremental = in_silico_mutagenesis(
        *loaded.module, x, {.output_index = output, .method = IsmMethod::Incremental});
    require_close(incremental, naive, 1e-4, 1e-5);
  }
}

TEST_CASE("arch config: schema errors name the key and its place in the file") {
  auto fails_with = [](const std::string& json, std::initializer_list<std::string> words) {
    INFO(json);
    require_error_mentions([&] { parse_architecture(json, "arch.json"); }, words);
  };
  fails_with(R"({"layers": [{"type": "block", "name": "features", "layers": [
      {"type": "conv", "filters": 4, "kernel": 3}, {"type": "relu"},
      {"type": "maxpool", "kernal": 2}]}, {"type": "head"}]})",
             {"arch.json", "layers[0].layers[2]", "unknown key 'kernal'", "maxpool"});
  fails_with(R"({"layers": [{"type": "convolution"}, {"type": "head"}]})",
             {"arch.json", "layers[0].type", "'convolution'", "conv, batchnorm"});
  fails_with(R"({"layers": [{"type": "conv", "filters": "16", "kernel": 3}, {"type": "head"}]})",
             {"layers[0].filters", "integer", "\"16\""});
  fails_with(R"({"layers": [{"type": "conv", "kernel": 3}, {"type": "head"}]})",
             {"layers[0]", "needs 'filters'"});
  fails_with(R"({"layers": [{"type": "conv", "filters": 2, "kernel": 3, "padding": "valid"},
      {"type": "head"}]})",
             {"layers[0].padding", "\"same\"", "\"valid\""});
  fails_with(R"({"layer": []})", {"unknown key 'layer'", "name, description, layers"});
  fails_with(R"({"layers": [{"type": "dropout", "p": 1.5}, {"type": "head"}]})",
             {"layers[0].p", "[0, 1)"});
  fails_with(R"({"layers": [{"type": "head"}, {"type": "relu"}]})",
             {"layers[0]", "the head must be the last layer"});
  fails_with(R"({"layers": [{"type": "flatten"}]})", {"layers[0]", "\"head\""});
  fails_with(R"({"layers": [{"type": "relu", "name": "a"}, {"type": "relu", "name": "a"},
      {"type": "head"}]})",
             {"layers[1].name", "'a'"});
  fails_with(R"({"layers": [{"type": "relu", "name": "a.b"}, {"type": "head"}]})",
             {"layers[0].name", "'a.b'"});
  fails_with("{\"layers\": [", {"arch.json", "not valid JSON"});
}

TEST_CASE("arch config: impossible shapes name the layer and the shapes") {
  auto fails_with = [](const std::string& json, int64_t length,
                       std::initializer_list<std::string> words) {
    INFO(json);
    require_error_mentions([&] { build(json, length, 2); }, words);
  };
  // 20 - 7 = 13 positions, pooled to 6: a kernel of 8 does not fit.
  fails_with(R"({"layers": [{"type": "conv", "filters": 4, "kernel": 8},
      {"type": "maxpool", "kernel": 2}, {"type": "conv", "filters": 4, "kernel": 8},
      {"type": "flatten"}, {"type": "head"}]})",
             20, {"arch.json", "layer 2 (conv)", "kernel 8", "length 6", "layer 1 (maxpool)"});
  fails_with(R"({"layers": [{"type": "block", "name": "tower", "layers": [
      {"type": "conv", "filters": 4, "kernel": 3, "dilation": 4}]},
      {"type": "flatten"}, {"type": "head"}]})",
             8, {"layer tower.0 (conv)", "dilation 4", "spans 9", "length 8", "the input"});
  fails_with(R"({"layers": [{"type": "conv", "filters": 4, "kernel": 3},
      {"type": "linear", "features": 8}, {"type": "head"}]})",
             10, {"layer 1 (linear)", "[4, 8]", "flatten"});
  fails_with(R"({"layers": [{"type": "flatten"}, {"type": "conv", "filters": 4, "kernel": 3},
      {"type": "head"}]})",
             10, {"layer 1 (conv)", "flat features [40]", "layer 0 (flatten)"});
  fails_with(R"({"layers": [{"type": "conv", "filters": 4, "kernel": 4, "padding": "same"},
      {"type": "flatten"}, {"type": "head"}]})",
             10, {"layer 0 (conv)", "\"same\"", "kernel 4"});
  fails_with(R"({"layers": [{"type": "flatten"}, {"type": "head", "outputs": 3}]})", 10,
             {"layer 1 (head)", "outputs 3", "the task has 2"});
  fails_with(R"({"layers": [{"type": "adaptive_avgpool", "output_size": 12},
      {"type": "flatten"}, {"type": "head"}]})",
             10, {"layer 0 (adaptive_avgpool)", "output_size 12", "length 10"});
}

TEST_CASE("arch config: a training recipe's \"architecture\" names the model and round-trips") {
  const std::string recipe = R"({"epochs": 3, "architecture": {"name": "tiny", "layers": [
      {"type": "flatten"}, {"type": "head"}]}})";
  const TrainConfig config = parse_train_config(recipe, "recipe.json");
  CHECK(config.model == "tiny");
  CHECK(config.architecture == R"({"name":"tiny","layers":[{"type":"flatten"},{"type":"head"}]})");
  const TrainConfig back = parse_train_config(train_config_json(config), "written.json");
  CHECK(back.architecture == config.architecture);
  CHECK(config_differences(config, back).empty());
  // A zoo model against a file model: the difference names the architecture.
  const std::vector<std::string> changed = config_differences(config, TrainConfig{});
  REQUIRE(changed.size() == 3);  // model, epochs, architecture
  CHECK(changed[2].rfind("architecture {", 0) == 0);
  CHECK(changed[2].find("→ none") != std::string::npos);
  require_error_mentions(
      [&] {
        parse_train_config(R"({"model": "promoter", "architecture": {"name": "tiny", "layers": [
            {"type": "flatten"}, {"type": "head"}]}})",
                           "recipe.json");
      },
      {"recipe.json", "'promoter'", "'tiny'"});
  require_error_mentions(
      [&] { parse_train_config(R"({"architecture": {"layers": [{"type": "relu"}]}})", "r.json"); },
      {"r.json: architecture", "layers[0]", "head"});
}
