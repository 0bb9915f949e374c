// Internal to the plots (plots.cpp, plot_heatmap.cpp, plot_logo.cpp): mapping data values to
// pixels and drawing axes, titles and the sizes they share. Not part of the public API.
#pragma once
#include <string>
#include <vector>

#include "genomics/svg.h"

namespace dnagrad::plots::detail {

// Font sizes in px.
inline constexpr double title_size = 17;
inline constexpr double label_size = 14;  // axis labels
inline constexpr double tick_size = 12;   // tick labels, legend entries
inline constexpr double tick_length = 5;

inline constexpr const char* axis_color = "#333333";
inline constexpr const char* grid_color = "#e5e5e5";

// Maps data values in [lo, hi] linearly (or linearly in log10) onto pixels [px_lo, px_hi].
// For a y axis px_lo is the pixel of the BOTTOM of the plot (the larger pixel number), because
// SVG's y grows downward: the flip that puts larger values higher happens here and only here.
struct Scale {
  double lo, hi;
  double px_lo, px_hi;
  bool log = false;
  double operator()(double value) const;
};

struct Tick {
  double value;
  std::string label;
};

// nice_ticks / log_ticks with their labels.
std::vector<Tick> labelled_ticks(const std::vector<double>& values, bool log);

// The widest tick label in px.
double max_label_width(const std::vector<Tick>& ticks, double font_size);

// A vertical axis line at pixel column x spanning the scale, ticks pointing left with
// right-aligned labels. With grid_end_x > x, light grid lines run from the axis to grid_end_x.
void draw_y_axis(svg::Document& doc, const Scale& y, double x, const std::vector<Tick>& ticks,
                 double font_size, double grid_end_x = -1);

// A horizontal axis line at pixel row y, ticks pointing down with centred labels. With
// grid_end_y < y, light grid lines run from the axis up to grid_end_y.
void draw_x_axis(svg::Document& doc, const Scale& x, double y, const std::vector<Tick>& ticks,
                 double font_size, double grid_end_y = -1);

// An axis label rotated to read bottom to top, centred on (x, y).
void draw_y_label(svg::Document& doc, double x, double y, const std::string& label,
                  double font_size);

}  // namespace dnagrad::plots::detail
