#include "genomics/train/runs_report.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "genomics/plot/plots.h"
#include "genomics/plot/svg.h"

namespace dnagrad::genomics {

using json = nlohmann::ordered_json;

namespace {

// Sorts the table by the clicked column: numbers as numbers (a cell's data-v), text otherwise.
// Written without '<' and '&' so that the page stays well-formed XML too.
constexpr const char* kSortScript = R"(
document.querySelectorAll('th').forEach(function (th, column) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var rows = Array.from(body.rows);
    var up = th.dataset.up !== '1';
    th.dataset.up = up ? '1' : '0';
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.v, y = b.cells[column].dataset.v;
      var order = (x === undefined || y === undefined)
        ? a.cells[column].textContent.localeCompare(b.cells[column].textContent)
        : Number(x) - Number(y);
      return up ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
)";

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #ddd;"
    "text-align:right}th{cursor:pointer;background:#f4f4f4}"
    "pre{background:#f4f4f4;padding:1em}";

// A table cell: the shown text, and for numbers the value the sort compares.
std::string cell(const json& value) {
  if (value.is_number()) {
    const double v = value.get<double>();
    std::ostringstream text;
    text << v;
    return "<td data-v=\"" + svg::escape(value.dump()) + "\">" + svg::escape(text.str()) + "</td>";
  }
  if (value.is_null()) return "<td>-</td>";
  return "<td>" + svg::escape(value.is_string() ? value.get<std::string>() : value.dump()) +
         "</td>";
}

// The SVG of a plot without its XML declaration, to sit inside the page.
std::string inline_svg(const std::string& svg) {
  return svg.rfind("<?xml", 0) == 0 ? svg.substr(svg.find("?>") + 2) : svg;
}

// Settings -> best_val_loss: one axis per numeric setting that differs between runs, the loss
// last; one line per run with a final loss. A setting spanning two decades or more (a learning
// rate) gets a log axis. Empty when there is nothing to draw.
std::string settings_plot(const std::vector<RunRow>& runs, const std::vector<json>& configs,
                          const std::vector<std::map<std::string, double>>& finals,
                          const std::vector<std::string>& varied) {
  std::vector<size_t> shown;
  for (size_t r = 0; r < runs.size(); ++r)
    if (finals[r].contains("best_val_loss")) shown.push_back(r);
  std::vector<plots::ParallelAxis> axes;
  for (const std::string& key : varied) {
    plots::ParallelAxis axis{.name = key};
    for (size_t r : shown) {
      const json value = configs[r].value(key, json());
      axis.values.push_back(value.is_number() ? value.get<double>() : NAN);
    }
    const auto [lo, hi] = std::minmax_element(axis.values.begin(), axis.values.end());
    if (shown.empty() || !std::isfinite(*lo) || !std::isfinite(*hi)) continue;  // not numeric
    axis.log = *lo > 0 && *hi / *lo >= 100;
    axes.push_back(std::move(axis));
  }
  if (axes.empty() || shown.empty()) return "";
  plots::ParallelAxis loss{.name = "best_val_loss"};
  std::vector<std::string> names;
  for (size_t r : shown) {
    loss.values.push_back(finals[r].at("best_val_loss"));
    names.push_back("run " + std::to_string(runs[r].id));
  }
  axes.push_back(std::move(loss));
  return inline_svg(
      plots::parallel_coordinates(axes, names, {.title = "settings → best_val_loss"}));
}

}  // namespace

std::string runs_report_html(const Registry& registry, const std::string& title) {
  const std::vector<RunRow> runs = registry.runs();
  std::vector<json> configs;
  std::vector<std::map<std::string, double>> finals;
  std::set<std::string> metric_names;
  for (const RunRow& run : runs) {
    configs.push_back(json::parse(run.config));
    finals.push_back(registry.final_metrics(run.id));
    for (const auto& [name, value] : finals.back()) metric_names.insert(name);
  }
  // The settings that differ between runs, in config order.
  std::vector<std::string> varied;
  if (!configs.empty())
    for (const auto& [key, value] : configs[0].items())
      for (const json& c : configs)
        if (c.value(key, json()) != value) {
          varied.push_back(key);
          break;
        }

  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>" << svg::escape(title)
       << "</title><style>" << kStyle << "</style></head><body>\n<h1>" << svg::escape(title)
       << "</h1>\n<p>" << runs.size() << " runs from " << svg::escape(registry.path())
       << ". Click a column to sort by it.</p>\n<table><thead><tr><th>run</th><th>status</th>";
  for (const std::string& key : varied) html << "<th>" << svg::escape(key) << "</th>";
  html << "<th>epochs</th>";
  for (const std::string& name : metric_names) html << "<th>" << svg::escape(name) << "</th>";
  html << "</tr></thead><tbody>\n";

  std::vector<plots::Series> curves;
  std::optional<size_t> best;
  for (size_t r = 0; r < runs.size(); ++r) {
    plots::Series curve{.name = "run " + std::to_string(runs[r].id)};
    for (const EpochMetric& m : registry.epoch_metrics(runs[r].id))
      if (m.name == "val_loss") {
        curve.x.push_back(static_cast<double>(m.epoch));
        curve.y.push_back(m.value);
      }
    html << "<tr>" << cell(runs[r].id) << cell(runs[r].status);
    for (const std::string& key : varied) html << cell(configs[r].value(key, json()));
    html << cell(curve.x.size());
    for (const std::string& name : metric_names) {
      const auto it = finals[r].find(name);
      html << cell(it == finals[r].end() || !std::isfinite(it->second) ? json() : json(it->second));
    }
    html << "</tr>\n";
    if (!curve.y.empty()) curves.push_back(std::move(curve));
    const auto loss = finals[r].find("best_val_loss");
    if (runs[r].status == "finished" && loss != finals[r].end() && std::isfinite(loss->second) &&
        (!best || loss->second < finals[*best].at("best_val_loss")))
      best = r;
  }
  html << "</tbody></table>\n<h2>Validation loss per epoch</h2>\n";
  if (curves.empty())
    html << "<p>No run has logged an epoch yet.</p>\n";
  else
    html << inline_svg(plots::line_plot(
                curves, {.title = "validation loss", .x_label = "epoch", .y_label = "val_loss"}))
         << "\n";
  if (const std::string plot = settings_plot(runs, configs, finals, varied); !plot.empty())
    html << "<h2>Settings and the best validation loss</h2>\n<p>One line per run, blue the "
         << "lowest loss, red the highest.</p>\n"
         << plot << "\n";
  if (best) {
    html << "<h2>Best run: " << runs[*best].id << " (best_val_loss "
         << finals[*best].at("best_val_loss") << ")</h2>\n<p>Its config, for <code>dnagrad train "
         << "--config</code>:</p>\n<pre>" << svg::escape(configs[*best].dump(2)) << "</pre>\n";
  }
  html << "<script>//<![CDATA[" << kSortScript << "//]]></script>\n</body></html>\n";
  return html.str();
}

}  // namespace dnagrad::genomics
