#include "genomics/train/config.h"

#include <nlohmann/json.hpp>
#include <set>
#include <type_traits>

#include "core/error.h"
#include "genomics/models/arch_config.h"
#include "genomics/tasks.h"

namespace dnagrad::genomics {

using json = nlohmann::ordered_json;

namespace {

// Visits every field of TrainConfig with its JSON name: one list for reading and writing.
template <class Config, class Visit>
void visit_fields(Config& c, Visit&& visit) {
  visit("model", c.model);
  visit("task", c.task);
  visit("epochs", c.epochs);
  visit("batch_size", c.batch_size);
  visit("eval_batch_size", c.eval_batch_size);
  visit("optimizer", c.optimizer);
  visit("lr", c.lr);
  visit("weight_decay", c.weight_decay);
  visit("momentum", c.momentum);
  visit("clip_grad_norm", c.clip_grad_norm);
  visit("plateau_patience", c.plateau_patience);
  visit("plateau_factor", c.plateau_factor);
  visit("early_stopping", c.early_stopping);
  visit("rc_augment", c.rc_augment);
  visit("rc_average", c.rc_average);
  visit("keep_epoch_checkpoints", c.keep_epoch_checkpoints);
  visit("seed", c.seed);
}

json config_to_json(const TrainConfig& config) {
  json j;
  visit_fields(config, [&](const char* name, const auto& value) { j[name] = value; });
  if (!config.architecture.empty()) j["architecture"] = json::parse(config.architecture);
  return j;
}

}  // namespace

void check_train_config(const TrainConfig& c) {
  parse_task(c.task);
  DNAGRAD_CHECK(c.epochs >= 1 && c.batch_size >= 1 && c.eval_batch_size >= 1,
                "train: epochs and batch sizes must be positive");
  DNAGRAD_CHECK(c.optimizer == "adam" || c.optimizer == "adamw" || c.optimizer == "sgd",
                "train: unknown optimizer '", c.optimizer, "' (known: adam, adamw, sgd)");
  DNAGRAD_CHECK(c.lr > 0 && c.weight_decay >= 0 && c.momentum >= 0 && c.clip_grad_norm >= 0,
                "train: lr must be positive; weight decay, momentum and clip must be >= 0");
  DNAGRAD_CHECK(c.plateau_factor > 0 && c.plateau_factor < 1,
                "train: plateau factor must be in "
                "(0, 1), got ",
                c.plateau_factor);
  DNAGRAD_CHECK(c.early_stopping >= 0, "train: early stopping patience must be >= 0");
}

TrainConfig parse_train_config(std::string_view text, const std::string& label,
                               TrainConfig defaults) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    fail(label, ": not valid JSON: ", e.what());
  }
  DNAGRAD_CHECK(j.is_object(), label, ": a training config must be a JSON object");
  TrainConfig config = defaults;
  std::set<std::string> known;
  visit_fields(config, [&](const char* name, auto& value) {
    known.insert(name);
    if (!j.contains(name)) return;
    using T = std::remove_reference_t<decltype(value)>;
    const json& v = j.at(name);
    // get<T> alone would turn 2.5 or true into an integer, -1 into an unsigned and true into a
    // double without a word: numbers must be of the field's kind.
    bool right_kind = true;
    if constexpr (std::is_same_v<T, double>)
      right_kind = v.is_number();
    else if constexpr (std::is_same_v<T, uint64_t>)
      right_kind = v.is_number_unsigned();
    else if constexpr (std::is_same_v<T, int64_t>)
      right_kind = v.is_number_integer();
    if (right_kind) {
      try {
        value = v.get<T>();
        return;
      } catch (const json::exception&) {
      }
    }
    fail(label, ": field '", name, "' has the wrong type: ", v.dump());
  });
  if (j.contains("architecture")) {
    const std::string model = config.model;
    set_architecture(config, j.at("architecture").dump(), label + ": architecture");
    DNAGRAD_CHECK(!j.contains("model") || model == config.model, label, ": field 'model' is '",
                  model, "' but the architecture is named '", config.model,
                  "'; leave 'model' out when giving 'architecture'");
    known.insert("architecture");
  }
  for (const auto& [key, value] : j.items())
    DNAGRAD_CHECK(known.count(key), label, ": unknown field '", key, "'");
  check_train_config(config);
  return config;
}

std::vector<std::string> config_differences(const TrainConfig& a, const TrainConfig& b) {
  const json ja = config_to_json(a), jb = config_to_json(b);
  // Every field is in both but "architecture", which only a model from a file has.
  std::vector<std::string> keys;
  for (const auto& [key, value] : ja.items()) keys.push_back(key);
  for (const auto& [key, value] : jb.items())
    if (!ja.contains(key)) keys.push_back(key);
  auto text = [](const json& j, const std::string& key) {
    return j.contains(key) ? j.at(key).dump() : std::string("none");
  };
  std::vector<std::string> out;
  for (const std::string& key : keys)
    if (text(ja, key) != text(jb, key))
      out.push_back(cat(key, " ", text(ja, key), " → ", text(jb, key)));
  return out;
}

void set_architecture(TrainConfig& config, std::string_view text, const std::string& label) {
  config.model = parse_architecture(text, label).name;
  config.architecture = compact_architecture_json(text, label);
}

std::string train_config_json(const TrainConfig& config, int indent) {
  return config_to_json(config).dump(indent);
}

std::unique_ptr<nn::Optimizer> make_optimizer(const TrainConfig& c,
                                              const std::vector<Tensor>& params) {
  if (c.optimizer == "sgd")
    return std::make_unique<nn::SGD>(
        params, nn::SgdOptions{.lr = c.lr, .momentum = c.momentum, .weight_decay = c.weight_decay});
  if (c.optimizer == "adamw")
    return std::make_unique<nn::AdamW>(
        params, nn::AdamWOptions{.lr = c.lr, .weight_decay = c.weight_decay});
  return std::make_unique<nn::Adam>(params,
                                    nn::AdamOptions{.lr = c.lr, .weight_decay = c.weight_decay});
}

}  // namespace dnagrad::genomics
