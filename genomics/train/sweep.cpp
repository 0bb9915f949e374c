#include "genomics/train/sweep.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/rng.h"

namespace dnagrad::genomics {

using json = nlohmann::ordered_json;

namespace {

// One varied setting: a list of values, or a distribution for random search.
struct Parameter {
  std::string name;
  std::vector<json> values{};  // a choice
  std::string distribution{};  // "uniform" | "log_uniform" when values is empty
  double min = 0, max = 0;
};

void check_keys(const json& object, const std::vector<std::string>& known,
                const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (const std::string& k : known) found = found || k == key;
    if (found) continue;
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    fail(where, ": unknown key '", key, "' (known: ", list, ")");
  }
}

Parameter parse_parameter(const std::string& name, const json& spec, const std::string& where,
                          const json& fields) {
  if (!fields.contains(name)) {
    std::string list;
    for (const auto& [field, value] : fields.items()) list += (list.empty() ? "" : ", ") + field;
    fail(where, ": unknown parameter '", name, "' (train settings: ", list, ")");
  }
  DNAGRAD_CHECK(spec.is_object(), where, ": parameter '", name,
                "' must be an object such as {\"values\": [...]}, got ", spec.dump());
  check_keys(spec, {"values", "distribution", "min", "max"}, where + ": parameters." + name);
  Parameter p{.name = name};
  if (spec.contains("values")) {
    const json& values = spec["values"];
    DNAGRAD_CHECK(values.is_array() && !values.empty(), where, ": parameters.", name,
                  ".values must be a non-empty list, got ", values.dump());
    p.values.assign(values.begin(), values.end());
    return p;
  }
  DNAGRAD_CHECK(spec.contains("distribution"), where, ": parameters.", name,
                " needs \"values\" or a \"distribution\"");
  p.distribution = spec["distribution"].is_string() ? spec["distribution"].get<std::string>() : "";
  DNAGRAD_CHECK(p.distribution == "uniform" || p.distribution == "log_uniform", where,
                ": parameters.", name, ".distribution: unknown distribution ",
                spec["distribution"].dump(), " (known: uniform, log_uniform)");
  DNAGRAD_CHECK(spec.contains("min") && spec["min"].is_number() && spec.contains("max") &&
                    spec["max"].is_number(),
                where, ": parameters.", name, " needs numbers \"min\" and \"max\"");
  p.min = spec["min"].get<double>();
  p.max = spec["max"].get<double>();
  DNAGRAD_CHECK(p.min <= p.max, where, ": parameters.", name, ": min ", p.min, " > max ", p.max);
  DNAGRAD_CHECK(p.distribution != "log_uniform" || p.min > 0, where, ": parameters.", name,
                ": log_uniform needs min > 0, got ", p.min);
  return p;
}

json draw(const Parameter& p, Generator& gen) {
  const double u = gen.uniform();
  if (!p.values.empty()) {
    const auto index = static_cast<size_t>(u * static_cast<double>(p.values.size()));
    return p.values[std::min(index, p.values.size() - 1)];
  }
  if (p.distribution == "uniform") return p.min + (p.max - p.min) * u;
  return std::exp(std::log(p.min) + (std::log(p.max) - std::log(p.min)) * u);
}

// Every combination of the parameters' values, the last varying fastest.
std::vector<json> grid(const std::vector<Parameter>& parameters) {
  std::vector<json> points{json::object()};
  for (const Parameter& p : parameters) {
    std::vector<json> next;
    for (const json& point : points)
      for (const json& value : p.values) {
        json extended = point;
        extended[p.name] = value;
        next.push_back(std::move(extended));
      }
    points = std::move(next);
  }
  return points;
}

Halving parse_halving(const json& spec, const std::string& label) {
  const std::string where = label + ": halving";
  DNAGRAD_CHECK(spec.is_object(), where, " must be an object, got ", spec.dump());
  check_keys(spec, {"rungs", "keep", "metric", "mode"}, where);
  Halving h;
  const json rungs = spec.value("rungs", json());
  DNAGRAD_CHECK(rungs.is_array() && !rungs.empty(), where,
                ".rungs must be a non-empty list of epochs, got ", rungs.dump());
  for (const json& r : rungs) {
    DNAGRAD_CHECK(r.is_number_integer() && r.get<int64_t>() >= 1 &&
                      (h.rungs.empty() || r.get<int64_t>() > h.rungs.back()),
                  where, ".rungs must be increasing epochs >= 1, got ", rungs.dump());
    h.rungs.push_back(r.get<int64_t>());
  }
  const json keep = spec.value("keep", json(0.5));
  DNAGRAD_CHECK(keep.is_number() && keep.get<double>() > 0 && keep.get<double>() < 1, where,
                ".keep must be a fraction in (0, 1), got ", keep.dump());
  h.keep = keep.get<double>();
  const json metric = spec.value("metric", json("val_loss"));
  DNAGRAD_CHECK(metric.is_string() && (metric.get<std::string>() == "val_loss" ||
                                       metric.get<std::string>().starts_with("val_")),
                where, ".metric must be a validation metric (val_loss, val_pearson, ...), got ",
                metric.dump());
  h.metric = metric.get<std::string>();
  const json mode = spec.value("mode", json("min"));
  DNAGRAD_CHECK(mode == "min" || mode == "max", where, ".mode must be \"min\" or \"max\", got ",
                mode.dump());
  h.maximize = mode == "max";
  return h;
}

}  // namespace

std::vector<int64_t> halving_survivors(std::vector<std::pair<int64_t, double>> values,
                                       const Halving& halving) {
  // Better first: NaN last, then by value in the mode's direction, then by id.
  std::sort(values.begin(), values.end(), [&](const auto& a, const auto& b) {
    const bool a_nan = std::isnan(a.second), b_nan = std::isnan(b.second);
    if (a_nan != b_nan) return b_nan;
    if (!a_nan && a.second != b.second)
      return halving.maximize ? a.second > b.second : a.second < b.second;
    return a.first < b.first;
  });
  const auto n = static_cast<double>(values.size());
  const auto kept =
      std::min(values.size(), static_cast<size_t>(std::max(1.0, std::ceil(halving.keep * n))));
  std::vector<int64_t> ids;
  for (size_t i = 0; i < kept; ++i) ids.push_back(values[i].first);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Sweep expand_sweep(std::string_view json_text, const std::string& label,
                   const TrainConfig& defaults) {
  json spec;
  try {
    spec = json::parse(json_text);
  } catch (const json::parse_error& e) {
    fail(label, ": not valid JSON: ", e.what());
  }
  DNAGRAD_CHECK(spec.is_object(), label, ": a sweep file is a JSON object");
  check_keys(spec, {"name", "method", "seed", "budget", "base", "parameters", "halving"}, label);
  Sweep sweep;
  DNAGRAD_CHECK(!spec.contains("name") || spec["name"].is_string(), label,
                ": name must be a string, got ", spec.value("name", json()).dump());
  sweep.name = spec.value("name", "");
  DNAGRAD_CHECK(!spec.contains("method") || spec["method"].is_string(), label,
                ": method must be \"grid\" or \"random\", got ",
                spec.value("method", json()).dump());
  const std::string method = spec.value("method", "grid");
  DNAGRAD_CHECK(method == "grid" || method == "random", label, ": method: unknown method '", method,
                "' (known: grid, random)");
  const json base = spec.value("base", json::object());
  DNAGRAD_CHECK(base.is_object(), label, ": base must be an object of train settings");
  // Parsed once on its own, so an error in the base is reported as the base's.
  const TrainConfig base_config = parse_train_config(base.dump(), label + ": base", defaults);
  const json fields = json::parse(train_config_json(base_config, -1));

  const json space = spec.value("parameters", json::object());
  DNAGRAD_CHECK(space.is_object() && !space.empty(), label,
                ": the search space is empty (\"parameters\" names no setting to vary)");
  std::vector<Parameter> parameters;
  for (const auto& [name, p] : space.items())
    parameters.push_back(parse_parameter(name, p, label, fields));

  std::vector<json> points;
  if (method == "grid") {
    for (const Parameter& p : parameters)
      DNAGRAD_CHECK(!p.values.empty(), label, ": parameters.", p.name, ": grid search needs ",
                    "\"values\"; distribution '", p.distribution, "' is for method random");
    DNAGRAD_CHECK(!spec.contains("budget") && !spec.contains("seed"), label,
                  ": \"seed\" and \"budget\" are for method random; grid runs every combination");
    points = grid(parameters);
  } else {
    const json budget = spec.value("budget", json());
    DNAGRAD_CHECK(budget.is_number_integer() && budget.get<int64_t>() >= 1, label,
                  ": budget: random search needs a number of runs >= 1, got ", budget.dump());
    const json seed = spec.value("seed", json(0));
    DNAGRAD_CHECK(seed.is_number_unsigned(), label, ": seed must be a whole number >= 0, got ",
                  seed.dump());
    Generator gen(seed.get<uint64_t>());
    for (int64_t r = 0; r < budget.get<int64_t>(); ++r) {
      json point = json::object();
      for (const Parameter& p : parameters) point[p.name] = draw(p, gen);
      points.push_back(std::move(point));
    }
  }
  for (size_t r = 0; r < points.size(); ++r) {
    json merged = fields;
    merged.update(points[r]);
    const std::string where = cat(label, ": run ", r + 1, " ", points[r].dump());
    // Type errors already name `where`; range errors (check_train_config) get it prefixed.
    TrainConfig config;
    try {
      config = parse_train_config(merged.dump(), where, defaults);
      check_train_config(config);
    } catch (const Error& e) {
      if (std::string_view(e.what()).starts_with(where)) throw;
      fail(where, ": ", e.what());
    }
    sweep.runs.push_back({std::move(config), points[r].dump()});
  }
  if (spec.contains("halving")) {
    sweep.halving = parse_halving(spec["halving"], label);
    for (size_t r = 0; r < sweep.runs.size(); ++r)
      DNAGRAD_CHECK(sweep.halving->rungs.back() < sweep.runs[r].config.epochs, label,
                    ": halving.rungs: the last rung, epoch ", sweep.halving->rungs.back(),
                    ", must come before the end of every run; run ", r + 1, " trains ",
                    sweep.runs[r].config.epochs, " epochs");
  }
  return sweep;
}

}  // namespace dnagrad::genomics
