#include "genomics/train/run_state.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "genomics/models/model_zoo.h"

namespace dnagrad::genomics {

using json = nlohmann::ordered_json;

namespace {

nn::StateDict prefixed(const std::string& prefix, const nn::StateDict& state) {
  nn::StateDict out;
  for (const auto& [name, array] : state) out.emplace_back(prefix + name, array);
  return out;
}

nn::StateDict with_prefix_removed(const std::string& prefix, const nn::StateDict& state) {
  nn::StateDict out;
  for (const auto& [name, array] : state)
    if (name.rfind(prefix, 0) == 0) out.emplace_back(name.substr(prefix.size()), array);
  return out;
}

Metrics metrics_from_json(const json& j) {
  Metrics m;
  for (const auto& [k, v] : j.items()) m[k] = v.is_null() ? std::nan("") : v.get<double>();
  return m;
}

std::vector<EpochRecord> history_from_json(const json& h) {
  std::vector<EpochRecord> out;
  for (const json& r : h)
    out.push_back({r.at("epoch").get<int64_t>(), r.at("train_loss").get<double>(),
                   r.at("val_loss").get<double>(), r.at("lr").get<double>(),
                   r.at("seconds").get<double>(), metrics_from_json(r.at("val"))});
  return out;
}

}  // namespace

void save_run_state(const std::string& path, const nn::Module& model,
                    const nn::Optimizer& optimizer, const nn::Metadata& model_metadata,
                    const TrainConfig& config, const RunState& state) {
  nn::StateDict tensors = prefixed("model.", model.state_dict());
  for (auto& entry : prefixed("optim.", optimizer.state_dict())) tensors.push_back(entry);
  const json loop = {{"epochs_done", state.epochs_done},
                     {"lr", state.lr},
                     {"plateau",
                      {state.plateau.best, state.plateau.num_bad_epochs,
                       state.plateau.cooldown_counter, state.plateau.last_epoch}},
                     {"best_epoch", state.best_epoch},
                     {"best_val_loss", state.best_val_loss},
                     {"epochs_without_improvement", state.epochs_without_improvement},
                     {"history", json::parse(history_json(state.history))}};
  nn::Metadata metadata = model_metadata;
  metadata["trainer"] = loop.dump();
  metadata["config"] = train_config_json(config, -1);
  nn::write_safetensors(path, tensors, metadata);
}

RunState load_run_state(const std::string& path, nn::Module& model, nn::Optimizer& optimizer,
                        const TrainConfig& config, int64_t input_length) {
  DNAGRAD_CHECK(std::filesystem::exists(path), "--resume: ", path,
                " does not exist (nothing to resume)");
  const nn::SafetensorsContents saved = nn::read_safetensors(path);
  // The run must continue with the same settings; only the number of epochs may grow.
  TrainConfig saved_config = parse_train_config(saved.metadata.at("config"), path);
  saved_config.epochs = config.epochs;
  const std::vector<std::string> changed = config_differences(saved_config, config);
  if (!changed.empty()) {
    std::string list;
    for (const std::string& c : changed) list += (list.empty() ? "" : "; ") + c;
    fail("--resume: ", path, " was written with other settings (saved → now): ", list,
         "; give the saved values (only --epochs may change)");
  }
  DNAGRAD_CHECK(spec_from_metadata(saved.metadata, path).input_length == input_length,
                "--resume: ", path, " was trained on inputs of a different length");
  model.load_state_dict(with_prefix_removed("model.", saved.tensors));
  optimizer.load_state_dict(with_prefix_removed("optim.", saved.tensors));
  const json loop = json::parse(saved.metadata.at("trainer"));
  RunState state;
  state.epochs_done = loop.at("epochs_done").get<int64_t>();
  state.lr = loop.at("lr").get<double>();
  const json& p = loop.at("plateau");
  state.plateau = {p.at(0).is_null() ? INFINITY : p.at(0).get<double>(), p.at(1).get<int64_t>(),
                   p.at(2).get<int64_t>(), p.at(3).get<int64_t>()};
  state.best_epoch = loop.at("best_epoch").get<int64_t>();
  state.best_val_loss = loop.at("best_val_loss").get<double>();
  state.epochs_without_improvement = loop.at("epochs_without_improvement").get<int64_t>();
  state.history = history_from_json(loop.at("history"));
  return state;
}

}  // namespace dnagrad::genomics
