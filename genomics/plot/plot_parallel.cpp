// Parallel coordinates (plots.h): each axis maps its own [min, max] to the plot's height, so
// settings of different units (a learning rate, a batch size, a loss) share one picture.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"
#include "genomics/plot/plots.h"

namespace dnagrad::plots {

namespace {

// A value as people read it: 6 significant digits ("0.001", "64", "0.771842").
std::string short_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// The axis's value as a fraction of its height, 0 at the bottom (min) and 1 at the top (max).
struct AxisScale {
  double lo, hi;
  bool log;
  double at(double v) const {
    const double x = log ? std::log10(v) : v, a = log ? std::log10(lo) : lo,
                 b = log ? std::log10(hi) : hi;
    return b > a ? (x - a) / (b - a) : 0.5;  // a constant axis: every line crosses mid-height
  }
};

}  // namespace

std::string parallel_coordinates(const std::vector<ParallelAxis>& axes,
                                 const std::vector<std::string>& line_names,
                                 const PlotOptions& options) {
  DNAGRAD_CHECK(axes.size() >= 2, "parallel_coordinates: needs at least 2 axes, got ", axes.size());
  const size_t n_lines = line_names.size();
  std::vector<bool> drawn(n_lines, true);
  for (const ParallelAxis& axis : axes) {
    DNAGRAD_CHECK(axis.values.size() == n_lines, "parallel_coordinates: axis '", axis.name,
                  "' has ", axis.values.size(), " values for ", n_lines, " lines");
    for (size_t i = 0; i < n_lines; ++i)
      if (!std::isfinite(axis.values[i]) || (axis.log && axis.values[i] <= 0)) drawn[i] = false;
  }
  std::vector<AxisScale> scales;
  for (const ParallelAxis& axis : axes) {
    AxisScale s{INFINITY, -INFINITY, axis.log};
    for (size_t i = 0; i < n_lines; ++i)
      if (drawn[i]) s.lo = std::min(s.lo, axis.values[i]), s.hi = std::max(s.hi, axis.values[i]);
    if (s.lo > s.hi) s.lo = s.hi = 1;  // no line drawn
    scales.push_back(s);
  }
  const double left = 60, right = options.width - 60, top = options.title.empty() ? 50 : 80,
               bottom = options.height - 40;
  const double step = (right - left) / static_cast<double>(axes.size() - 1);
  auto x_of = [&](size_t a) { return left + step * static_cast<double>(a); };
  auto y_of = [&](size_t a, double v) { return bottom - (bottom - top) * scales[a].at(v); };

  svg::Document doc(options.width, options.height);
  if (!options.title.empty())
    doc.text(options.width / 2, 30, options.title,
             {.size = 16, .anchor = svg::Anchor::Middle, .bold = true});
  // Worst (reddest) first, so that the best lines are drawn last, on top.
  std::vector<size_t> order;
  for (size_t i = 0; i < n_lines; ++i)
    if (drawn[i]) order.push_back(i);
  const size_t last = axes.size() - 1;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return axes[last].values[a] > axes[last].values[b]; });
  for (size_t i : order) {
    std::vector<svg::Point> points;
    for (size_t a = 0; a < axes.size(); ++a)
      points.push_back({x_of(a), y_of(a, axes[a].values[i])});
    const double t = scales[last].at(axes[last].values[i]);  // 0 best .. 1 worst for a loss
    doc.polyline(points, {.stroke = diverging_color(2 * t - 1, 1), .stroke_width = 2});
  }
  for (size_t a = 0; a < axes.size(); ++a) {
    doc.line(x_of(a), top, x_of(a), bottom, {.stroke = "#444444", .stroke_width = 1});
    doc.text(x_of(a), top - 22, axes[a].name + (axes[a].log ? " (log)" : ""),
             {.size = 13, .anchor = svg::Anchor::Middle, .bold = true});
    doc.text(x_of(a), top - 6, short_number(scales[a].hi),
             {.size = 11, .anchor = svg::Anchor::Middle});
    doc.text(x_of(a), bottom + 16, short_number(scales[a].lo),
             {.size = 11, .anchor = svg::Anchor::Middle});
  }
  return doc.str();
}

}  // namespace dnagrad::plots
