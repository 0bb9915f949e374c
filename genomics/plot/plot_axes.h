// Internal to the plots (plots.cpp, plot_heatmap.cpp, plot_logo.cpp, plot_attribution.cpp):
// mapping data values to pixels and drawing axes, titles and the sizes they share. Not part of
// the public API.
#pragma once
#include <string>
#include <vector>

#include "genomics/plot/svg.h"

namespace dnagrad::plots::detail {

// Font sizes in px.
inline constexpr double title_size = 17;
inline constexpr double label_size = 14;  // axis labels
inline constexpr double tick_size = 12;   // tick labels, legend entries
inline constexpr double tick_length = 5;

inline constexpr const char* axis_color = "#333333";
inline constexpr const char* grid_color = "#e5e5e5";

// The letters of logos (plot_logo.cpp, plot_attribution.cpp): outlines of A, C, G, T designed in
// a 100 x 100 box (y down, the letter touching all four sides), drawn through
// translate(x, y_top) scale(width / 100, height / 100) onto a letter's rectangle. A: two legs
// and a crossbar, its triangular counter cut out by a second sub-path wound the other way.
// C: a ring (outer radius 50, inner 29) open on the right between -40 and +40 degrees. G: the
// same ring open only above the middle, plus a bar pointing in. T: a bar and a stem.
inline constexpr const char* base_glyphs[4] = {
    "M0 100L38 0H62L100 100H76L66.1 74H33.9L24 100ZM41.1 55H58.9L50 31.6Z",
    "M88.3 17.9A50 50 0 1 0 88.3 82.1L72.2 68.6A29 29 0 1 1 72.2 31.4Z",
    "M88.3 17.9A50 50 0 1 0 100 50H54V66H74.2A29 29 0 1 1 72.2 31.4Z",
    "M0 0H100V20H62V100H38V20H0Z",
};

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

// A vertical colour bar of diverging_color from -limit (bottom) to +limit (top), colorbar_width
// px wide with ticks on its right and `caption` above it (plot_heatmap.cpp).
inline constexpr double colorbar_width = 16;
void draw_colorbar(svg::Document& doc, double x, double top, double height, double limit,
                   const std::string& caption);

}  // namespace dnagrad::plots::detail
