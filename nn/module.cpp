#include "nn/module.h"

#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace dnagrad::nn {

void Module::check_new_name(const std::string& name) const {
  DNAGRAD_CHECK(!name.empty() && name.find('.') == std::string::npos, "Module: invalid name '",
                name, "' (names must be non-empty and contain no '.')");
  auto taken = [&](const auto& list) {
    for (const auto& entry : list)
      if (entry.first == name) return true;
    return false;
  };
  DNAGRAD_CHECK(!taken(params_) && !taken(buffers_) && !taken(children_), "Module: the name '",
                name, "' is already registered in this module");
}

void Module::register_parameter(const std::string& name, Tensor* param) {
  check_new_name(name);
  DNAGRAD_CHECK(param && param->defined(), "register_parameter: '", name, "' is undefined");
  params_.emplace_back(name, param);
}

void Module::register_buffer(const std::string& name, Array* buffer) {
  check_new_name(name);
  DNAGRAD_CHECK(buffer && buffer->defined(), "register_buffer: '", name, "' is undefined");
  buffers_.emplace_back(name, buffer);
}

void Module::register_module(const std::string& name, std::shared_ptr<Module> child) {
  check_new_name(name);
  DNAGRAD_CHECK(child != nullptr, "register_module: '", name, "' is null");
  children_.emplace_back(name, std::move(child));
}

std::vector<std::pair<std::string, Module*>> Module::modules() {
  std::vector<std::pair<std::string, Module*>> out;
  for (const auto& [path, module] : std::as_const(*this).modules())
    out.emplace_back(path, const_cast<Module*>(module));
  return out;
}

std::vector<std::pair<std::string, const Module*>> Module::modules() const {
  std::vector<std::pair<std::string, const Module*>> out{{"", this}};
  for (size_t i = 0; i < out.size(); ++i) {
    // Insert module i's children right after it, so that the list stays in preorder.
    const auto& [path, module] = out[i];
    std::vector<std::pair<std::string, const Module*>> children;
    for (const auto& [name, child] : module->children_)
      children.emplace_back(path.empty() ? name : path + "." + name, child.get());
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(i) + 1, children.begin(), children.end());
  }
  return out;
}

StateDict Module::collect(bool params, bool buffers) const {
  StateDict out;
  for (const auto& [path, module] : modules()) {
    const std::string prefix = path.empty() ? "" : path + ".";
    if (params)
      for (const auto& [name, param] : module->params_)
        out.emplace_back(prefix + name, param->data());
    if (buffers)
      for (const auto& [name, buffer] : module->buffers_) out.emplace_back(prefix + name, *buffer);
  }
  return out;
}

NamedTensors Module::named_parameters() const {
  NamedTensors unique;
  std::unordered_set<const TensorImpl*> seen;
  for (const auto& [path, module] : modules())
    for (const auto& [name, param] : module->params_)
      if (seen.insert(param->impl()).second)
        unique.emplace_back(path.empty() ? name : path + "." + name, *param);
  return unique;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, param] : named_parameters()) out.push_back(param);
  return out;
}

StateDict Module::named_buffers() const { return collect(false, true); }

StateDict Module::state_dict() const { return collect(true, true); }

int64_t Module::parameter_count() const {
  int64_t total = 0;
  for (const auto& [name, param] : named_parameters()) total += param.numel();
  return total;
}

void Module::load_state_dict(const StateDict& state) {
  std::unordered_map<std::string, const Array*> given;
  std::string duplicated, missing, unexpected, mismatched;
  for (const auto& [name, array] : state)
    if (!given.emplace(name, &array).second) duplicated += " " + name;

  const StateDict own = state_dict();
  std::unordered_set<std::string> own_names;
  for (const auto& [name, array] : own) {
    own_names.insert(name);
    auto found = given.find(name);
    if (found == given.end()) {
      missing += " " + name;
      continue;
    }
    const Array& src = *found->second;
    if (!src.defined() || src.shape() != array.shape() || src.dtype() != array.dtype())
      mismatched +=
          cat("\n  shape or dtype mismatch for ", name, ": ",
              src.defined() ? src.desc() : "undefined", " given, the model has ", array.desc());
  }
  for (const auto& [name, array] : state)
    if (!own_names.count(name)) unexpected += " " + name;

  std::string problems;
  if (!missing.empty()) problems += "\n  missing tensors:" + missing;
  if (!unexpected.empty()) problems += "\n  unexpected tensors:" + unexpected;
  problems += mismatched;
  if (!duplicated.empty()) problems += "\n  names given twice:" + duplicated;
  DNAGRAD_CHECK(problems.empty(), "load_state_dict: the state does not match the model:", problems);

  for (const auto& [name, array] : own) {
    Array dst = array;  // shares memory with the member
    dst.copy_from(*given.at(name));
  }
}

void Module::train(bool training) {
  for (auto& [path, module] : modules()) module->training_ = training;
}

void Module::zero_grad() {
  for (auto& [name, param] : named_parameters()) param.zero_grad();
}

Device Module::device() const {
  const std::vector<Tensor> params = parameters();
  return params.empty() ? Device::cpu() : params.front().device();
}

void Module::to(Device device) {
  for (auto& [path, module] : modules()) {
    for (auto& [name, param] : module->params_)
      if (param->device() != device)
        *param = Tensor(param->data().to(device), param->requires_grad());
    for (auto& [name, buffer] : module->buffers_) *buffer = buffer->to(device);
  }
}

void Module::to(DType dtype) {
  DNAGRAD_CHECK(dtype != DType::I64, "Module::to: parameters must stay floating point, got int64");
  for (auto& [path, module] : modules()) {
    for (auto& [name, param] : module->params_)
      if (param->dtype() != dtype) *param = Tensor(param->data().to(dtype), param->requires_grad());
    for (auto& [name, buffer] : module->buffers_)
      if (buffer->dtype() != DType::I64) *buffer = buffer->to(dtype);
  }
}

EvalMode::EvalMode(Module& model) {
  for (auto& [path, module] : model.modules()) saved_.emplace_back(module, module->is_training());
  model.eval();
}

EvalMode::~EvalMode() {
  for (auto& [module, training] : saved_) module->training_ = training;
}

}  // namespace dnagrad::nn
