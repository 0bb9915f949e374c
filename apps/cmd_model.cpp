// `dnagrad model show arch.json --length L` (or a zoo model that is an architecture file:
// `dnagrad model show deepstarr --length 249`): the model, built for inputs of L bases, as a table
// of its layers (module path, type, output shape per sequence, parameters, receptive field,
// multiply-adds per sequence) with the totals. Shape errors name the layer, as training would.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "apps/commands.h"
#include "core/error.h"
#include "core/shape.h"
#include "genomics/models/arch_config.h"
#include "genomics/models/model_zoo.h"

namespace dnagrad::app {

namespace {

struct ModelShowOptions {
  std::string file;
  int64_t length = 0, outputs = 1;
};

// The architecture's JSON: a zoo model's when `file` names one and no such file exists.
std::string read_architecture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.good())
    if (const std::string* json = genomics::published_architecture(path)) return *json;
  DNAGRAD_CHECK(in.good(), "model show: cannot read ", path,
                " (neither a file nor a zoo model given by an architecture file)");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int run_model_show(const ModelShowOptions& o) {
  const genomics::Architecture arch =
      genomics::parse_architecture(read_architecture(o.file), o.file);
  Generator gen(0);  // the weights are not shown; only their count
  const genomics::BuiltArchitecture built =
      genomics::build_architecture(arch, o.length, o.outputs, gen);
  std::cout << "model " << arch.name << " (" << o.file << "), input [4, " << o.length << "], "
            << o.outputs << (o.outputs == 1 ? " output" : " outputs") << "\n";
  size_t name_width = 5;
  for (const genomics::LayerSummary& l : built.layers)
    name_width = std::max(name_width, l.name.size());
  auto row = [&](const std::string& name, const std::string& type, const std::string& shape,
                 const std::string& params, const std::string& field, const std::string& macs) {
    std::ostringstream line;
    line << std::left << std::setw(static_cast<int>(name_width) + 2) << name << std::setw(18)
         << type << std::setw(14) << shape << std::right << std::setw(12) << params << std::setw(17)
         << field << std::setw(16) << macs;
    std::string text = line.str();
    text.erase(text.find_last_not_of(' ') + 1);  // the empty cells of the input and total rows
    std::cout << text << "\n";
  };
  row("layer", "type", "output", "parameters", "receptive field", "multiply-adds");
  row("input", "", shape_str({4, o.length}), "", "1", "");
  int64_t parameters = 0, multiply_adds = 0;
  for (const genomics::LayerSummary& l : built.layers) {
    row(l.name, l.type, shape_str(l.output_shape), std::to_string(l.parameters),
        std::to_string(l.receptive_field), std::to_string(l.multiply_adds));
    parameters += l.parameters;
    multiply_adds += l.multiply_adds;
  }
  row("total", "", "", std::to_string(parameters), "", std::to_string(multiply_adds));
  return 0;
}

}  // namespace

void add_model_command(CLI::App& app, Commands& commands) {
  CLI::App* model = app.add_subcommand("model", "describe a model");
  model->require_subcommand(1);
  auto o = std::make_shared<ModelShowOptions>();
  CLI::App* show = model->add_subcommand(
      "show",
      "the layers of an architecture file: output shapes, parameters, receptive field, "
      "multiply-adds per sequence");
  show->add_option(
          "file", o->file,
          "architecture JSON (docs/models.md), or a zoo model given by one (deepstarr, basset)")
      ->required();
  show->add_option("--length", o->length, "input length L in bases")->required();
  show->add_option("--outputs", o->outputs, "outputs of the head")->capture_default_str();
  commands.entries.push_back({show, [o]() { return run_model_show(*o); }});
}

}  // namespace dnagrad::app
