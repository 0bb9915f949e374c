// A trained model read back from a checkpoint, with what its metadata says about it: the
// library side of `dnagrad predict`, `evaluate` and the interpretation commands.
//
// Checkpoints written by `dnagrad train` carry the model spec (name, input length, outputs),
// the task, the target names and whether outputs belong to positions. A checkpoint written
// elsewhere (PyTorch's state_dict saved with safetensors) has none of that: the caller supplies
// the spec (`fallback`), and the task defaults to regression.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "genomics/models/model_zoo.h"
#include "genomics/tasks.h"

namespace dnagrad::genomics {

struct TrainedModel {
  std::shared_ptr<nn::Module> module;  // in eval mode
  ModelSpec spec;
  Task task = Task::Regression;
  bool per_position = false;
  std::vector<std::string> target_names;  // one per output; "prediction" for a single output
  // How training fitted input lengths: "exact", "center-fit" (to spec.input_length),
  // "pad-with-mask", or "" when the checkpoint does not say.
  std::string length_policy;
  std::vector<std::string> class_names;  // text labels of training: class index -> name
};

// The column names of a model's outputs, as `dnagrad predict` writes them: for a multiclass
// task the class names (text labels) or class_0, class_1, ...; for a binary task with class
// names the name of class 1 (its probability); else "prediction" for one output, the target
// names when there is one per output, or prediction_0, prediction_1, ...
std::vector<std::string> output_names(Task task, int64_t outputs,
                                      const std::vector<std::string>& target_names,
                                      const std::vector<std::string>& class_names = {});

// Fields of `fallback` that are set (non-empty name, positive length/outputs) override the
// checkpoint's metadata, which fills in the rest; `default_length` (when positive) is the input
// length of a checkpoint whose metadata has none (one written elsewhere). Then the model is
// built and the weights loaded strictly (a wrong architecture or shape is an error naming the
// tensor). Throws naming `path` when the spec is still incomplete.
TrainedModel load_trained_model(const std::string& path, const ModelSpec& fallback,
                                int64_t default_length = 0);

}  // namespace dnagrad::genomics
