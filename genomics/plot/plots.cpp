// Axes (nice ticks, scales) and the x-y plots: line plots with a legend, and parity plots.
//
// Layout of an x-y plot, in pixels (SVG's y grows downward):
//
//   +------------------------------------------------------+
//   |                      title                           |  top margin
//   |  y   +--------------------------------+  ── legend   |
//   |  l   |        plot area               |  -- entry    |
//   |  a   |                                |              |
//   |  b   +--------------------------------+              |
//   |          ticks and tick labels, x label              |  bottom margin
//   +------------------------------------------------------+
//
// The left margin is sized from the widest y tick label, the right one from the widest legend
// entry, so nothing is cut off whatever the numbers and names are.
#include "genomics/plot/plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "genomics/plot/plot_axes.h"

namespace dnagrad::plots {

// ---- ticks -------------------------------------------------------------------------------------

std::vector<double> nice_ticks(double lo, double hi, int target_count) {
  DNAGRAD_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo <= hi, "nice_ticks: bad range [", lo,
                ", ", hi, "]");
  DNAGRAD_CHECK(target_count >= 1, "nice_ticks: target_count must be >= 1, got ", target_count);
  if (hi == lo) {  // a constant: show a small range around it
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  // The raw step, rounded to 1, 2 or 5 times its power of ten.
  const double raw = (hi - lo) / target_count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;  // in [1, 10)
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  // First and last tick on the step grid at or beyond the range (1e-9 absorbs rounding noise).
  const double first = std::floor(lo / step + 1e-9);
  const double last = std::ceil(hi / step - 1e-9);
  std::vector<double> ticks;
  for (double k = first; k <= last; k += 1) ticks.push_back(k * step);
  return ticks;
}

std::vector<double> log_ticks(double lo, double hi) {
  DNAGRAD_CHECK(lo > 0 && hi >= lo && std::isfinite(hi), "log_ticks: need 0 < lo <= hi, got [", lo,
                ", ", hi, "]");
  const int first = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  const int last = std::max(first + 1, static_cast<int>(std::ceil(std::log10(hi) - 1e-9)));
  const bool fill_in = last - first <= 2;
  std::vector<double> ticks;
  for (int k = first; k <= last; ++k) {
    const double decade = std::pow(10.0, k);
    ticks.push_back(decade);
    if (fill_in && k < last) {
      ticks.push_back(2 * decade);
      ticks.push_back(5 * decade);
    }
  }
  return ticks;
}

std::string tick_label(double value, double step) {
  if (value == 0) return "0";
  const double magnitude = std::abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", value);
    return buffer;
  }
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  return svg::fmt(value, decimals);
}

// ---- axes --------------------------------------------------------------------------------------

namespace detail {

double Scale::operator()(double value) const {
  const double t = log ? (std::log10(value) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                       : (value - lo) / (hi - lo);
  return px_lo + t * (px_hi - px_lo);
}

std::vector<Tick> labelled_ticks(const std::vector<double>& values, bool log) {
  std::vector<Tick> ticks;
  for (double value : values) {
    // On a log axis each tick is its own step (0.05 needs 2 decimals); on a linear one the
    // spacing decides (0, 0.5, 1 rather than 0, 0.5, 1.0).
    const double step = log || values.size() < 2 ? std::abs(value) : values[1] - values[0];
    ticks.push_back({value, tick_label(value, step == 0 ? 1 : step)});
  }
  return ticks;
}

double max_label_width(const std::vector<Tick>& ticks, double font_size) {
  double width = 0;
  for (const Tick& tick : ticks) width = std::max(width, svg::text_width(tick.label, font_size));
  return width;
}

void draw_y_axis(svg::Document& doc, const Scale& y, double x, const std::vector<Tick>& ticks,
                 double font_size, double grid_end_x) {
  for (const Tick& tick : ticks) {
    const double py = y(tick.value);
    if (grid_end_x > x) doc.line(x, py, grid_end_x, py, {.stroke = grid_color});
    doc.line(x - tick_length, py, x, py, {.stroke = axis_color});
    doc.text(x - tick_length - 3, py + 0.35 * font_size, tick.label,
             {.size = font_size, .anchor = svg::Anchor::End});
  }
  doc.line(x, y.px_lo, x, y.px_hi, {.stroke = axis_color, .stroke_width = 1.2});
}

void draw_x_axis(svg::Document& doc, const Scale& x, double y, const std::vector<Tick>& ticks,
                 double font_size, double grid_end_y) {
  for (const Tick& tick : ticks) {
    const double px = x(tick.value);
    if (grid_end_y >= 0 && grid_end_y < y) doc.line(px, y, px, grid_end_y, {.stroke = grid_color});
    doc.line(px, y, px, y + tick_length, {.stroke = axis_color});
    doc.text(px, y + tick_length + 3 + font_size * 0.8, tick.label,
             {.size = font_size, .anchor = svg::Anchor::Middle});
  }
  doc.line(x.px_lo, y, x.px_hi, y, {.stroke = axis_color, .stroke_width = 1.2});
}

void draw_y_label(svg::Document& doc, double x, double y, const std::string& label,
                  double font_size) {
  doc.text(x, y, label, {.size = font_size, .anchor = svg::Anchor::Middle, .rotate = -90});
}

}  // namespace detail

using namespace detail;

namespace {

// Okabe & Ito's colour-blind-safe palette (minus its yellow, too pale on white) and dash
// patterns: series i gets colour i and dash i, so 4 series differ in both.
const std::vector<std::string> palette = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                          "#E69F00", "#56B4E9", "#000000", "#999999"};
const std::vector<std::string> dashes = {"none", "8 4", "2 3", "10 3 2 3"};

// The plot area of an x-y plot and the margins around it, from the tick labels and legend.
struct Frame {
  double left, top, right, bottom;  // pixel edges of the plot area
};

Frame frame_for(const PlotOptions& options, const std::vector<Tick>& y_ticks, double legend_width) {
  const double left = 14 + (options.y_label.empty() ? 0 : label_size + 8) +
                      max_label_width(y_ticks, tick_size) + tick_length + 6;
  const double top = options.title.empty() ? 16 : 44;
  const double bottom_margin = options.x_label.empty() ? 32 : 56;
  return {left, top, options.width - 16 - legend_width, options.height - bottom_margin};
}

// Title above the plot area, axis labels beside and below it.
void draw_labels(svg::Document& doc, const PlotOptions& options, const Frame& f) {
  if (!options.title.empty())
    doc.text((f.left + f.right) / 2, 28, options.title,
             {.size = title_size, .anchor = svg::Anchor::Middle, .bold = true});
  if (!options.x_label.empty())
    doc.text((f.left + f.right) / 2, f.bottom + 44, options.x_label,
             {.size = label_size, .anchor = svg::Anchor::Middle});
  if (!options.y_label.empty())
    draw_y_label(doc, 14 + label_size * 0.8, (f.top + f.bottom) / 2, options.y_label, label_size);
}

// The x values of a series: its own, or 1..n.
std::vector<double> x_values(const Series& s) {
  if (!s.x.empty()) return s.x;
  std::vector<double> x(s.y.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i + 1);
  return x;
}

}  // namespace

std::string line_plot(const std::vector<Series>& series, const PlotOptions& options) {
  DNAGRAD_CHECK(!series.empty(), "line_plot '", options.title, "': no series");
  // Data ranges over every drawable point.
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const Series& s : series) {
    DNAGRAD_CHECK(s.x.empty() || s.x.size() == s.y.size(), "line_plot: series '", s.name, "' has ",
                  s.x.size(), " x values but ", s.y.size(), " y values");
    const std::vector<double> x = x_values(s);
    for (size_t i = 0; i < x.size(); ++i) {
      if (!std::isfinite(x[i]) || !std::isfinite(s.y[i])) continue;
      DNAGRAD_CHECK(!options.log_y || s.y[i] > 0, "line_plot: series '", s.name,
                    "' has y = ", s.y[i], " at point ", i, ", which a log axis cannot show");
      x_lo = std::min(x_lo, x[i]), x_hi = std::max(x_hi, x[i]);
      y_lo = std::min(y_lo, s.y[i]), y_hi = std::max(y_hi, s.y[i]);
    }
  }
  DNAGRAD_CHECK(x_lo <= x_hi, "line_plot '", options.title, "': no finite points to draw");

  double legend_width = 0;
  for (const Series& s : series)
    legend_width = std::max(legend_width, 40 + svg::text_width(s.name, tick_size));
  const std::vector<Tick> y_ticks = labelled_ticks(
      options.log_y ? log_ticks(y_lo, y_hi) : nice_ticks(y_lo, y_hi, 5), options.log_y);
  const Frame f = frame_for(options, y_ticks, legend_width + 16);
  DNAGRAD_CHECK(f.right - f.left > 50 && f.bottom - f.top > 50, "line_plot: canvas ", options.width,
                " x ", options.height, " is too small");
  const std::vector<Tick> x_ticks = labelled_ticks(
      nice_ticks(x_lo, x_hi, std::max(2, static_cast<int>((f.right - f.left) / 90))), false);
  const Scale x{x_ticks.front().value, x_ticks.back().value, f.left, f.right};
  const Scale y{y_ticks.front().value, y_ticks.back().value, f.bottom, f.top, options.log_y};

  svg::Document doc(options.width, options.height);
  draw_y_axis(doc, y, f.left, y_ticks, tick_size, f.right);
  draw_x_axis(doc, x, f.bottom, x_ticks, tick_size, f.top);
  draw_labels(doc, options, f);

  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    const std::string color = s.color.empty() ? palette[i % palette.size()] : s.color;
    const std::string dash = s.dash.empty() ? dashes[i % dashes.size()] : s.dash;
    const std::vector<double> xs = x_values(s);
    const double legend_y = f.top + 10 + 22 * static_cast<double>(i);
    const double legend_x = f.right + 16;
    if (s.kind == SeriesKind::Points) {
      doc.begin_group({.fill = color, .fill_opacity = 0.6});
      for (size_t j = 0; j < xs.size(); ++j)
        if (std::isfinite(xs[j]) && std::isfinite(s.y[j])) doc.circle(x(xs[j]), y(s.y[j]), 3);
      doc.end_group();
      doc.circle(legend_x + 14, legend_y, 4, {.fill = color});
    } else {
      // A non-finite value ends one polyline; the next finite one starts another (a gap).
      const svg::Style style{.stroke = color, .stroke_width = 2.2, .dash = dash};
      std::vector<svg::Point> run;
      for (size_t j = 0; j <= xs.size(); ++j) {
        if (j < xs.size() && std::isfinite(xs[j]) && std::isfinite(s.y[j])) {
          run.push_back({x(xs[j]), y(s.y[j])});
        } else if (!run.empty()) {
          doc.polyline(run, style);
          run.clear();
        }
      }
      doc.line(legend_x, legend_y, legend_x + 28, legend_y, style);
    }
    doc.text(legend_x + 36, legend_y + 0.35 * tick_size, s.name, {.size = tick_size});
  }
  return doc.str();
}

std::string parity_plot(const std::vector<double>& truth, const std::vector<double>& predicted,
                        const PlotOptions& options) {
  DNAGRAD_CHECK(truth.size() == predicted.size(), "parity_plot: ", truth.size(),
                " true values but ", predicted.size(), " predictions");
  DNAGRAD_CHECK(!truth.empty(), "parity_plot '", options.title, "': no points");
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < truth.size(); ++i) {
    DNAGRAD_CHECK(std::isfinite(truth[i]) && std::isfinite(predicted[i]), "parity_plot: point ", i,
                  " is not finite (true ", truth[i], ", predicted ", predicted[i], ")");
    lo = std::min({lo, truth[i], predicted[i]});
    hi = std::max({hi, truth[i], predicted[i]});
  }
  // One range and one set of ticks for both axes, and a square plot area: a point's distance
  // from the diagonal then reads the same in every direction.
  const std::vector<Tick> ticks = labelled_ticks(nice_ticks(lo, hi, 5), false);
  PlotOptions square = options;
  Frame f = frame_for(square, ticks, 0);
  const double side = f.bottom - f.top;
  DNAGRAD_CHECK(side > 50, "parity_plot: canvas height ", options.height, " is too small");
  square.width = f.left + side + 30;
  f.right = f.left + side;
  const Scale x{ticks.front().value, ticks.back().value, f.left, f.right};
  const Scale y{ticks.front().value, ticks.back().value, f.bottom, f.top};

  svg::Document doc(square.width, square.height);
  draw_y_axis(doc, y, f.left, ticks, tick_size, f.right);
  draw_x_axis(doc, x, f.bottom, ticks, tick_size, f.top);
  draw_labels(doc, square, f);

  // Thousands of points: small translucent dots sharing their style through one group, at
  // 0.1 px precision (see svg::Document::circle), keep a 13,000-point file near 0.5 MB.
  const bool dense = truth.size() > 2000;
  doc.begin_group({.fill = palette[0], .fill_opacity = dense ? 0.25 : 0.55});
  for (size_t i = 0; i < truth.size(); ++i)
    doc.circle(x(truth[i]), y(predicted[i]), dense ? 1.8 : 3);
  doc.end_group();

  const double ends[2] = {ticks.front().value, ticks.back().value};
  doc.line(x(ends[0]), y(ends[0]), x(ends[1]), y(ends[1]),
           {.stroke = "#444444", .stroke_width = 1.5, .dash = "6 4"});
  // A one-entry legend in the top-left corner, where predictions far above the truth would
  // be: that corner is empty when a model is any good.
  const double legend_x = f.left + 10, legend_y = f.top + 10;
  doc.rect(legend_x, legend_y, 84, 24, {.fill = "#ffffff", .stroke = grid_color});
  doc.line(legend_x + 8, legend_y + 12, legend_x + 36, legend_y + 12,
           {.stroke = "#444444", .stroke_width = 1.5, .dash = "6 4"});
  doc.text(legend_x + 44, legend_y + 12 + 0.35 * tick_size, "y = x", {.size = tick_size});
  return doc.str();
}

}  // namespace dnagrad::plots
