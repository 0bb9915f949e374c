#include "genomics/models/trained_model.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "nn/checkpoint.h"

namespace dnagrad::genomics {

namespace {

// A metadata entry holding a JSON list of strings; empty when absent.
std::vector<std::string> string_list(const nn::Metadata& meta, const char* key,
                                     const std::string& path) {
  if (!meta.count(key)) return {};
  try {
    return nlohmann::json::parse(meta.at(key)).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    fail(path, ": metadata '", key, "' is not a JSON list of strings");
  }
}

}  // namespace

std::vector<std::string> output_names(Task task, int64_t outputs,
                                      const std::vector<std::string>& target_names,
                                      const std::vector<std::string>& class_names) {
  const auto n = static_cast<size_t>(outputs);
  if (task == Task::Multiclass && class_names.size() == n) return class_names;
  if (task == Task::Binary && n == 1 && class_names.size() == 2) return {class_names[1]};
  if (task != Task::Multiclass && n > 1 && target_names.size() == n) return target_names;
  std::vector<std::string> names;
  for (size_t o = 0; o < n; ++o)
    names.push_back(n == 1                     ? "prediction"
                    : task == Task::Multiclass ? cat("class_", o)
                                               : cat("prediction_", o));
  return names;
}

TrainedModel load_trained_model(const std::string& path, const ModelSpec& fallback,
                                int64_t default_length) {
  const nn::SafetensorsContents contents = nn::read_safetensors(path);
  const nn::Metadata& meta = contents.metadata;
  TrainedModel out;
  ModelSpec spec = fallback;
  if (meta.count("model")) {
    const ModelSpec saved = spec_from_metadata(meta, path);
    // The saved architecture is the model's unless --model names another.
    if (spec.architecture.empty() && (spec.name.empty() || spec.name == saved.name))
      spec.architecture = saved.architecture;
    if (spec.name.empty()) spec.name = saved.name;
    if (spec.input_length <= 0) spec.input_length = saved.input_length;
    if (spec.outputs <= 0) spec.outputs = saved.outputs;
    spec.masked_pooling = spec.masked_pooling || saved.masked_pooling;
  }
  if (spec.input_length <= 0) spec.input_length = default_length;
  DNAGRAD_CHECK(!spec.name.empty(), path,
                ": the checkpoint does not name its model; pass --model (one of: promoter, "
                "kmer-cnn, linear, tfbind, cnn-classifier)");
  DNAGRAD_CHECK(spec.input_length > 0, path, ": the input length of model '", spec.name,
                "' is unknown; pass --length");
  if (spec.outputs <= 0) spec.outputs = 1;
  out.spec = spec;
  if (meta.count("task")) out.task = parse_task(meta.at("task"));
  DNAGRAD_CHECK(!meta.count("alphabet") || meta.at("alphabet") == "ACGT", path,
                ": the model reads the alphabet '", meta.at("alphabet"),
                "'; dnagrad one-hot encodes ACGT only");
  if (meta.count("length_policy")) out.length_policy = meta.at("length_policy");
  out.per_position =
      meta.count("targets_per_position") && meta.at("targets_per_position") == "true";
  out.target_names = string_list(meta, "target_names", path);
  out.class_names = string_list(meta, "class_names", path);
  out.target_names = output_names(out.task, spec.outputs, out.target_names, out.class_names);
  Generator unused(0);  // the weights are overwritten by the checkpoint's
  out.module = make_model(spec, unused);
  try {
    out.module->load_state_dict(contents.tensors);
  } catch (const Error& e) {
    fail(path, ": does not fit model '", spec.name, "' (input length ", spec.input_length, ", ",
         spec.outputs, " outputs): ", e.what(),
         meta.count("input_length") ? ""
                                    : "; if it was trained on inputs of another length, give "
                                      "that length with --length (and --outputs, --model)");
  }
  out.module->eval();
  return out;
}

}  // namespace dnagrad::genomics
