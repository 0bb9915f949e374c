#include "genomics/models/arch_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/shape.h"

namespace dnagrad::genomics {

using json = nlohmann::ordered_json;

namespace {

// The keys each layer type takes besides "type" and "name".
const std::vector<std::pair<std::string, std::vector<std::string>>>& layer_keys() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> keys = {
      {"conv", {"filters", "kernel", "stride", "padding", "dilation", "bias"}},
      {"batchnorm", {"eps", "momentum"}},
      {"relu", {}},
      {"sigmoid", {}},
      {"tanh", {}},
      {"maxpool", {"kernel", "stride", "padding", "dilation"}},
      {"avgpool", {"kernel", "stride", "padding", "count_include_pad"}},
      {"adaptive_avgpool", {"output_size"}},
      {"global_avgpool", {}},
      {"flatten", {}},
      {"dropout", {"p"}},
      {"linear", {"features", "bias"}},
      {"head", {"outputs", "bias"}},
      {"block", {"layers"}}};
  return keys;
}

// Reads one JSON object's keys, each by its expected kind. only() rejects any key outside a
// list before the values are read: a misspelt key is an error naming it (never silently a
// default, nor a confusing "needs 'kernel'" for a "kernal").
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string where, const std::string& label, std::string what)
      : object_(object), where_(std::move(where)), label_(label), what_(std::move(what)) {
    DNAGRAD_CHECK(object.is_object(), label_, ": ", where_, ": expected a JSON object, got ",
                  object.dump());
  }

  bool has(const char* key) const { return object_.contains(key); }

  const json& get(const char* key) const { return object_.at(key); }

  // An integer >= minimum; `fallback` when absent (required keys have no fallback).
  int64_t integer(const char* key, int64_t minimum, std::optional<int64_t> fallback) {
    if (!has(key)) {
      DNAGRAD_CHECK(fallback.has_value(), label_, ": ", where_, ": ", what_, " needs '", key, "'");
      return *fallback;
    }
    const json& v = get(key);
    DNAGRAD_CHECK(v.is_number_integer() && v.get<int64_t>() >= minimum, label_, ": ", where_, ".",
                  key, ": expected an integer >= ", minimum, ", got ", v.dump());
    return v.get<int64_t>();
  }

  // A number in [low, high) (high_inclusive: [low, high]); `fallback` when absent.
  double number(const char* key, double low, double high, bool high_inclusive, double fallback) {
    if (!has(key)) return fallback;
    const json& v = get(key);
    const bool in_range = v.is_number() && v.get<double>() >= low &&
                          (high_inclusive ? v.get<double>() <= high : v.get<double>() < high);
    DNAGRAD_CHECK(in_range, label_, ": ", where_, ".", key, ": expected a number in [", low, ", ",
                  high, high_inclusive ? "]" : ")", ", got ", v.dump());
    return v.get<double>();
  }

  bool boolean(const char* key, bool fallback) {
    if (!has(key)) return fallback;
    const json& v = get(key);
    DNAGRAD_CHECK(v.is_boolean(), label_, ": ", where_, ".", key, ": expected true or false, got ",
                  v.dump());
    return v.get<bool>();
  }

  std::string string(const char* key, const std::string& fallback) {
    if (!has(key)) return fallback;
    const json& v = get(key);
    DNAGRAD_CHECK(v.is_string() && !v.get<std::string>().empty(), label_, ": ", where_, ".", key,
                  ": expected a non-empty string, got ", v.dump());
    return v.get<std::string>();
  }

  void only(const std::vector<std::string>& allowed) const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string known;
      for (const std::string& k : allowed) known += (known.empty() ? "" : ", ") + k;
      fail(label_, ": ", where_, ": unknown key '", key, "' for ", what_, " (known: ", known, ")");
    }
  }

  void describe(std::string what) { what_ = std::move(what); }

 private:
  const json& object_;
  std::string where_;
  const std::string& label_;
  std::string what_;
};

std::vector<ArchLayer> parse_layers(const json& list, const std::string& where,
                                    const std::string& label);

ArchLayer parse_layer(const json& object, const std::string& where, const std::string& label,
                      size_t index) {
  ObjectReader in(object, where, label, "a layer");
  DNAGRAD_CHECK(in.has("type"), label, ": ", where, ": a layer needs 'type'");
  ArchLayer layer;
  layer.type = in.string("type", "");
  layer.where = where;
  const auto known = std::find_if(layer_keys().begin(), layer_keys().end(),
                                  [&](const auto& entry) { return entry.first == layer.type; });
  if (known == layer_keys().end()) {
    std::string types;
    for (const auto& [type, keys] : layer_keys()) types += (types.empty() ? "" : ", ") + type;
    fail(label, ": ", where, ".type: unknown layer type '", layer.type, "' (known: ", types, ")");
  }
  in.describe("a " + layer.type + " layer");
  std::vector<std::string> allowed = {"type", "name"};
  allowed.insert(allowed.end(), known->second.begin(), known->second.end());
  in.only(allowed);
  layer.name = in.string("name", std::to_string(index));
  DNAGRAD_CHECK(layer.name.find('.') == std::string::npos, label, ": ", where, ".name: '",
                layer.name, "' has a '.', which separates the names of a state_dict");
  const std::string& t = layer.type;
  if (t == "conv") {
    layer.filters = in.integer("filters", 1, std::nullopt);
    layer.kernel = in.integer("kernel", 1, std::nullopt);
    layer.stride = in.integer("stride", 1, 1);
    layer.dilation = in.integer("dilation", 1, 1);
    if (in.has("padding") && in.get("padding").is_string()) {
      DNAGRAD_CHECK(in.get("padding") == "same", label, ": ", where,
                    ".padding: expected an integer >= 0 or \"same\", got ",
                    in.get("padding").dump());
      layer.same_padding = true;
    } else {
      layer.padding = in.integer("padding", 0, 0);
    }
    layer.bias = in.boolean("bias", true);
  } else if (t == "batchnorm") {
    layer.eps = in.number("eps", 0, 1, false, 1e-5);
    layer.momentum = in.number("momentum", 0, 1, true, 0.1);
  } else if (t == "maxpool" || t == "avgpool") {
    layer.kernel = in.integer("kernel", 1, std::nullopt);
    layer.stride = in.integer("stride", 1, layer.kernel);  // PyTorch: stride = kernel
    layer.padding = in.integer("padding", 0, 0);
    // PyTorch's rule: a window must hold at least one real position.
    DNAGRAD_CHECK(layer.padding <= layer.kernel / 2, label, ": ", where,
                  ".padding: ", layer.padding, " is more than half the kernel ", layer.kernel);
    if (t == "maxpool")
      layer.dilation = in.integer("dilation", 1, 1);
    else
      layer.count_include_pad = in.boolean("count_include_pad", true);
  } else if (t == "adaptive_avgpool") {
    layer.output_size = in.integer("output_size", 1, std::nullopt);
  } else if (t == "global_avgpool") {
    layer.output_size = 1;
  } else if (t == "dropout") {
    layer.p = in.number("p", 0, 1, false, 0.5);
  } else if (t == "linear") {
    layer.features = in.integer("features", 1, std::nullopt);
    layer.bias = in.boolean("bias", true);
  } else if (t == "head") {
    layer.outputs = in.integer("outputs", 1, 0);
    layer.bias = in.boolean("bias", true);
  } else if (t == "block") {
    DNAGRAD_CHECK(in.has("layers"), label, ": ", where, ": a block needs 'layers'");
    layer.layers = parse_layers(in.get("layers"), where + ".layers", label);
  }
  return layer;
}

std::vector<ArchLayer> parse_layers(const json& list, const std::string& where,
                                    const std::string& label) {
  DNAGRAD_CHECK(list.is_array() && !list.empty(), label, ": ", where,
                ": expected a non-empty list of layers, got ", list.dump());
  std::vector<ArchLayer> layers;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    layers.push_back(parse_layer(list[i], cat(where, "[", i, "]"), label, i));
    DNAGRAD_CHECK(names.insert(layers.back().name).second, label, ": ", layers.back().where,
                  ".name: '", layers.back().name, "' names an earlier layer of the same block");
  }
  return layers;
}

// The leaf layers in forward order, blocks opened.
void leaves(const std::vector<ArchLayer>& layers, std::vector<const ArchLayer*>& out) {
  for (const ArchLayer& layer : layers) {
    if (layer.type == "block")
      leaves(layer.layers, out);
    else
      out.push_back(&layer);
  }
}

// The shape of one sequence's activations as a layer sees it, and where it came from.
struct Activation {
  bool flat = false;
  int64_t channels = 4, length = 0;  // [C, L]; flat: [channels] (the features)
  std::string source;                // "the input" or "layer features.3 (maxpool)"
  // Receptive field: `span` input positions reach one output value, and adjacent outputs are
  // `jump` input positions apart (the product of the strides so far). A window of k positions
  // dilated by d of the previous layer widens the span by (k - 1) * d * jump.
  int64_t span = 1, jump = 1;
  std::vector<int64_t> shape() const {
    return flat ? std::vector<int64_t>{channels} : std::vector<int64_t>{channels, length};
  }
};

class Builder {
 public:
  Builder(const Architecture& arch, int64_t input_length, int64_t outputs, Generator& gen)
      : arch_(arch), input_length_(input_length), outputs_(outputs), gen_(gen) {
    DNAGRAD_CHECK(input_length >= 1, arch.label, ": the input length must be positive, got ",
                  input_length);
    DNAGRAD_CHECK(outputs >= 1, arch.label, ": the number of outputs must be positive, got ",
                  outputs);
    x_.length = input_length;
    x_.source = "the input";
  }

  BuiltArchitecture build() {
    BuiltArchitecture out;
    out.module = build_block(arch_.layers, "", out.layers);
    return out;
  }

 private:
  std::shared_ptr<nn::Sequential> build_block(const std::vector<ArchLayer>& layers,
                                              const std::string& prefix,
                                              std::vector<LayerSummary>& summaries) {
    auto block = std::make_shared<nn::Sequential>();
    for (const ArchLayer& layer : layers) {
      const std::string path = prefix.empty() ? layer.name : prefix + "." + layer.name;
      if (layer.type == "block") {
        block->push_back(build_block(layer.layers, path, summaries), layer.name);
        continue;
      }
      LayerSummary summary;
      summary.name = path;
      summary.type = layer.type;
      block->push_back(build_layer(layer, cat("layer ", path, " (", layer.type, ")"), summary),
                       layer.name);
      summary.output_shape = x_.shape();
      summary.receptive_field = std::min(x_.span, input_length_);
      summaries.push_back(summary);
      x_.source = cat("layer ", path, " (", layer.type, ")");
    }
    return block;
  }

  // The [C, L] input of a layer that slides along the length; throws when it is flat.
  void need_positions(const std::string& who) const {
    DNAGRAD_CHECK(!x_.flat, arch_.label, ": ", who, ": needs [channels, length] input, but ",
                  x_.source, " gives flat features ", shape_str(x_.shape()));
  }
  void need_flat(const std::string& who) const {
    DNAGRAD_CHECK(x_.flat, arch_.label, ": ", who, ": needs flat features, but ", x_.source,
                  " gives ", shape_str(x_.shape()),
                  "; put a flatten (or a global_avgpool and a flatten) before it");
  }

  // A window of `kernel` positions dilated by `dilation`, sliding by `stride` over the length
  // padded by `padding` on each side: the output length, as PyTorch computes it (floor).
  int64_t slide(const std::string& who, int64_t kernel, int64_t stride, int64_t padding,
                int64_t dilation) {
    const int64_t window = dilation * (kernel - 1) + 1;
    DNAGRAD_CHECK(x_.length + 2 * padding >= window, arch_.label, ": ", who, ": kernel ", kernel,
                  dilation > 1 ? cat(" (dilation ", dilation, ")") : std::string(), " spans ",
                  window, " positions, more than the length ", x_.length,
                  padding > 0 ? cat(" (plus ", padding, " padding on each side)") : std::string(),
                  " it gets from ", x_.source);
    x_.span += (window - 1) * x_.jump;
    x_.jump *= stride;
    return (x_.length + 2 * padding - window) / stride + 1;
  }

  std::shared_ptr<nn::Module> build_layer(const ArchLayer& l, const std::string& who,
                                          LayerSummary& summary) {
    const std::string& t = l.type;
    if (t == "conv") {
      need_positions(who);
      int64_t padding = l.padding;
      if (l.same_padding) {
        // "same" keeps the length: (d(k-1)) / 2 zeros on each side, which needs an even total.
        DNAGRAD_CHECK(l.stride == 1, arch_.label, ": ", who,
                      ": padding \"same\" needs stride 1, got stride ", l.stride);
        DNAGRAD_CHECK(l.dilation * (l.kernel - 1) % 2 == 0, arch_.label, ": ", who,
                      ": padding \"same\" with kernel ", l.kernel, " and dilation ", l.dilation,
                      " pads unevenly (PyTorch adds the odd zero on the right), which Conv1d's "
                      "symmetric padding cannot; use an odd kernel or a number");
        padding = l.dilation * (l.kernel - 1) / 2;
      }
      const int64_t in = x_.channels;
      x_.length = slide(who, l.kernel, l.stride, padding, l.dilation);
      x_.channels = l.filters;
      summary.parameters = l.filters * in * l.kernel + (l.bias ? l.filters : 0);
      summary.multiply_adds = l.filters * in * l.kernel * x_.length;
      return std::make_shared<nn::Conv1d>(
          in, l.filters, l.kernel, gen_,
          nn::Conv1dOptions{
              .stride = l.stride, .padding = padding, .dilation = l.dilation, .bias = l.bias});
    }
    if (t == "batchnorm") {
      summary.parameters = 2 * x_.channels;
      summary.multiply_adds = x_.flat ? x_.channels : x_.channels * x_.length;
      return std::make_shared<nn::BatchNorm1d>(
          x_.channels, nn::BatchNormOptions{.eps = l.eps, .momentum = l.momentum});
    }
    if (t == "relu") return std::make_shared<nn::ReLU>();
    if (t == "sigmoid") return std::make_shared<nn::Sigmoid>();
    if (t == "tanh") return std::make_shared<nn::Tanh>();
    if (t == "dropout") return std::make_shared<nn::Dropout>(l.p, gen_);
    if (t == "maxpool") {
      need_positions(who);
      x_.length = slide(who, l.kernel, l.stride, l.padding, l.dilation);
      return std::make_shared<nn::MaxPool1d>(l.kernel, l.stride, l.padding, l.dilation);
    }
    if (t == "avgpool") {
      need_positions(who);
      x_.length = slide(who, l.kernel, l.stride, l.padding, 1);
      return std::make_shared<nn::AvgPool1d>(l.kernel, l.stride, l.padding, l.count_include_pad);
    }
    if (t == "adaptive_avgpool" || t == "global_avgpool") {
      need_positions(who);
      const int64_t n = x_.length, m = l.output_size;
      DNAGRAD_CHECK(m <= n, arch_.label, ": ", who, ": output_size ", m,
                    " is more than the length ", n, " it gets from ", x_.source);
      // Bin i averages positions [floor(i n / m), ceil((i + 1) n / m)): the widest bin is the
      // window that widens the receptive field, and bins start about n / m apart.
      int64_t widest = 0;
      for (int64_t i = 0; i < m; ++i)
        widest = std::max(widest, ((i + 1) * n + m - 1) / m - i * n / m);
      x_.span += (widest - 1) * x_.jump;
      x_.jump *= n / m;
      x_.length = m;
      return std::make_shared<nn::AdaptiveAvgPool1d>(m);
    }
    if (t == "flatten") {
      if (!x_.flat) {
        x_.channels *= x_.length;
        x_.flat = true;
      }
      return std::make_shared<nn::Flatten>();
    }
    // linear or head: every output reads every feature, so every input base.
    need_flat(who);
    int64_t out = l.features;
    if (t == "head") {
      DNAGRAD_CHECK(l.outputs == 0 || l.outputs == outputs_, arch_.label, ": ", who,
                    ": the head has outputs ", l.outputs, ", the task has ", outputs_);
      out = outputs_;
    }
    const int64_t in = x_.channels;
    x_.channels = out;
    x_.span = input_length_;
    summary.parameters = in * out + (l.bias ? out : 0);
    summary.multiply_adds = in * out;
    return std::make_shared<nn::Linear>(in, out, gen_, l.bias);
  }

  const Architecture& arch_;
  const int64_t input_length_, outputs_;
  Generator& gen_;
  Activation x_;
};

json parse_json(std::string_view text, const std::string& label) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    fail(label, ": not valid JSON: ", e.what());
  }
}

}  // namespace

Architecture parse_architecture(std::string_view text, const std::string& label) {
  const json j = parse_json(text, label);
  ObjectReader in(j, "the architecture", label, "an architecture");
  in.only({"name", "description", "layers"});
  Architecture arch;
  arch.label = label;
  arch.name = in.string("name", arch.name);
  in.string("description", "");
  DNAGRAD_CHECK(in.has("layers"), label, ": an architecture needs 'layers'");
  arch.layers = parse_layers(in.get("layers"), "layers", label);
  // The head gives the task's outputs, so it must come last, once.
  std::vector<const ArchLayer*> all;
  leaves(arch.layers, all);
  for (size_t i = 0; i + 1 < all.size(); ++i)
    DNAGRAD_CHECK(all[i]->type != "head", label, ": ", all[i]->where,
                  ": the head must be the last layer");
  DNAGRAD_CHECK(all.back()->type == "head", label, ": the last layer (", all.back()->where, ", a ",
                all.back()->type,
                ") must be {\"type\": \"head\"}, the linear layer that gives the task's outputs");
  return arch;
}

BuiltArchitecture build_architecture(const Architecture& arch, int64_t input_length,
                                     int64_t outputs, Generator& gen) {
  return Builder(arch, input_length, outputs, gen).build();
}

std::string compact_architecture_json(std::string_view text, const std::string& label) {
  return parse_json(text, label).dump();
}

}  // namespace dnagrad::genomics
