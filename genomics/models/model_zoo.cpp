#include "genomics/models/model_zoo.h"

#include <charconv>

#include "autograd/ops.h"
#include "core/error.h"
#include "genomics/models/arch_config.h"
#include "genomics/models/dilated_residual.h"
#include "genomics/models/kmer.h"
#include "genomics/models/promoter.h"
#include "nn/layers.h"

namespace dnagrad::genomics {

namespace {

// {name, the text of models/<name>.json}, generated from the files by genomics/CMakeLists.txt.
const std::vector<std::pair<std::string, std::string>> kPublished = {
#include "published_architectures.inc"
};

}  // namespace

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all = {"promoter", "kmer-cnn",       "linear",
                                    "tfbind",   "cnn-classifier", "dilated-residual"};
    for (const auto& [name, json] : kPublished) all.push_back(name);
    return all;
  }();
  return names;
}

const std::string* published_architecture(const std::string& name) {
  for (const auto& [known, json] : kPublished)
    if (known == name) return &json;
  return nullptr;
}

TfBindCNN::TfBindCNN(int64_t input_length, int64_t outputs, Generator& gen, int64_t filters,
                     int64_t kernel_size)
    : conv(std::make_shared<nn::Conv1d>(4, filters, kernel_size, gen)),
      relu(std::make_shared<nn::ReLU>()),
      flatten(std::make_shared<nn::Flatten>()),
      linear(
          std::make_shared<nn::Linear>(filters * (input_length - kernel_size + 1), outputs, gen)) {
  register_module("conv", conv);
  register_module("relu", relu);
  register_module("flatten", flatten);
  register_module("linear", linear);
}

Tensor TfBindCNN::forward(const Tensor& x) {
  return linear->forward(flatten->forward(relu->forward(conv->forward(x))));
}

namespace {

constexpr int64_t kClassifierKernel = 8;
constexpr int64_t kClassifierChannels[] = {32, 64, 64};

// Length after the classifier's three conv (no padding) + max-pool(2) blocks.
int64_t classifier_features_length(int64_t length) {
  for (int i = 0; i < 3; ++i) length = (length - kClassifierKernel + 1) / 2;
  return length;
}

}  // namespace

CnnClassifier::CnnClassifier(int64_t input_length, int64_t outputs, Generator& gen)
    : features(std::make_shared<nn::Sequential>()), classifier(std::make_shared<nn::Sequential>()) {
  int64_t in = 4;
  for (int64_t out : kClassifierChannels) {
    features->push_back(std::make_shared<nn::Conv1d>(in, out, kClassifierKernel, gen));
    features->push_back(std::make_shared<nn::BatchNorm1d>(out));
    features->push_back(std::make_shared<nn::ReLU>());
    features->push_back(std::make_shared<nn::MaxPool1d>(2));
    in = out;
  }
  features->push_back(std::make_shared<nn::Flatten>());
  classifier->push_back(
      std::make_shared<nn::Linear>(in * classifier_features_length(input_length), 64, gen));
  classifier->push_back(std::make_shared<nn::ReLU>());
  classifier->push_back(std::make_shared<nn::Dropout>(0.3, gen));
  classifier->push_back(std::make_shared<nn::Linear>(64, outputs, gen));
  register_module("features", features);
  register_module("classifier", classifier);
}

Tensor CnnClassifier::forward(const Tensor& x) { return classifier->forward(features->forward(x)); }

std::shared_ptr<nn::Module> make_model(const ModelSpec& spec, Generator& gen) {
  const int64_t L = spec.input_length, T = spec.outputs;
  DNAGRAD_CHECK(T >= 1, "model '", spec.name, "': the number of outputs must be positive, got ", T);
  auto need_length = [&](int64_t minimum) {
    DNAGRAD_CHECK(L >= minimum, "model '", spec.name, "' needs inputs of at least ", minimum,
                  " bases, got ", L, "; N-pad the sequences to a length it takes with --length ",
                  minimum, " (or longer)");
  };
  if (!spec.architecture.empty()) {
    const Architecture arch = parse_architecture(spec.architecture, cat("model '", spec.name, "'"));
    return build_architecture(arch, L, T, gen).module;
  }
  if (const std::string* json = published_architecture(spec.name)) {
    const Architecture arch =
        parse_architecture(*json, cat("model '", spec.name, "' (models/", spec.name, ".json)"));
    return build_architecture(arch, L, T, gen).module;
  }
  if (spec.name == "promoter") {
    DNAGRAD_CHECK(T == 1, "model 'promoter' (seed 002) has one output, the data has ", T);
    need_length(16);  // two max-pools of 4 must leave at least one position
    return std::make_shared<genomics::PromoterExpressionModel>(gen);
  }
  if (spec.name == "kmer-cnn") {
    need_length(3);
    DNAGRAD_CHECK(T == 1, "model 'kmer-cnn' (seed 001) has one output, the data has ", T);
    return std::make_shared<KmerCNN>(L, gen);
  }
  if (spec.name == "linear") {
    need_length(1);
    DNAGRAD_CHECK(T == 1, "model 'linear' (seed 001) has one output, the data has ", T);
    return std::make_shared<KmerLinear>(L, gen);
  }
  if (spec.name == "tfbind") {
    need_length(8);
    return std::make_shared<TfBindCNN>(L, T, gen);
  }
  if (spec.name == "dilated-residual") {
    need_length(1);  // every layer keeps the length
    return std::make_shared<DilatedResidualNet>(T, gen);
  }
  if (spec.name == "cnn-classifier") {
    int64_t shortest = 1;
    while (classifier_features_length(shortest) < 1) ++shortest;
    need_length(shortest);
    return std::make_shared<CnnClassifier>(L, T, gen);
  }
  std::string known;
  for (const std::string& n : model_names()) known += (known.empty() ? "" : ", ") + n;
  fail("unknown model '", spec.name, "' (known: ", known, ")");
}

bool accepts_any_length(const ModelSpec& spec) {
  return spec.architecture.empty() && (spec.name == "promoter" || spec.name == "dilated-residual");
}

nn::Metadata spec_metadata(const ModelSpec& spec) {
  nn::Metadata meta{{"model", spec.name},
                    {"input_length", std::to_string(spec.input_length)},
                    {"outputs", std::to_string(spec.outputs)}};
  if (spec.masked_pooling) meta["masked_pooling"] = "true";
  if (!spec.architecture.empty()) meta["architecture"] = spec.architecture;
  return meta;
}

ModelSpec spec_from_metadata(const nn::Metadata& metadata, const std::string& path) {
  auto field = [&](const char* key) -> const std::string& {
    const auto it = metadata.find(key);
    DNAGRAD_CHECK(it != metadata.end(), path, ": the checkpoint's metadata has no '", key,
                  "' (a checkpoint written elsewhere: pass --model and the input length)");
    return it->second;
  };
  auto integer = [&](const char* key) {
    const std::string& text = field(key);
    int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    DNAGRAD_CHECK(error == std::errc() && end == text.data() + text.size() && value > 0, path,
                  ": metadata '", key, "' must be a positive integer, got '", text, "'");
    return value;
  };
  const auto masked = metadata.find("masked_pooling");
  const auto architecture = metadata.find("architecture");
  return ModelSpec{field("model"), integer("input_length"), integer("outputs"),
                   masked != metadata.end() && masked->second == "true",
                   architecture != metadata.end() ? architecture->second : ""};
}

}  // namespace dnagrad::genomics
