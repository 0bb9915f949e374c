// Heatmaps: a diverging colour map centred at 0, single matrices and grids of small multiples
// (one panel per conv filter), each with a colour bar.
//
// Layout of one panel, in pixels from the panel's top-left corner (SVG's y grows downward):
//
//   title                     panel_title_height
//   A  [][][]                 one row of cells per matrix row, row labels to the left
//   C  [][][]
//   ...
//      1 2 3                  column labels below
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "genomics/plot/plot_axes.h"
#include "genomics/plot/plots.h"

namespace dnagrad::plots {

using namespace detail;

std::string diverging_color(double value, double limit) {
  DNAGRAD_CHECK(limit > 0 && std::isfinite(limit), "diverging_color: limit must be > 0, got ",
                limit);
  DNAGRAD_CHECK(std::isfinite(value), "diverging_color: value is ", value);
  // Five stops of ColorBrewer's RdBu at t = -1, -0.5, 0, 0.5, 1 with pure white in the middle;
  // between two stops each channel is interpolated linearly.
  static const double stops[5][3] = {{0x21, 0x66, 0xAC},
                                     {0x92, 0xC5, 0xDE},
                                     {0xFF, 0xFF, 0xFF},
                                     {0xF4, 0xA5, 0x82},
                                     {0xB2, 0x18, 0x2B}};
  const double t = std::clamp(value / limit, -1.0, 1.0);
  const double position = (t + 1) * 2;  // 0..4 along the stops
  const int lower = std::min(3, static_cast<int>(position));
  const double frac = position - lower;
  int rgb[3];
  for (int c = 0; c < 3; ++c)
    rgb[c] =
        static_cast<int>(std::lround(stops[lower][c] * (1 - frac) + stops[lower + 1][c] * frac));
  char hex[8];
  std::snprintf(hex, sizeof hex, "#%02X%02X%02X", rgb[0], rgb[1], rgb[2]);
  return hex;
}

namespace {

constexpr double panel_title_height = 20;
constexpr double panel_gap = 18;  // between panels

std::vector<std::string> labels_or_numbers(const std::vector<std::string>& labels, size_t n,
                                           const char* what) {
  if (labels.empty()) {
    std::vector<std::string> numbers;
    for (size_t i = 1; i <= n; ++i) numbers.push_back(std::to_string(i));
    return numbers;
  }
  DNAGRAD_CHECK(labels.size() == n, "heatmap: ", labels.size(), " ", what, " labels for ", n, " ",
                what, "s");
  return labels;
}

struct PanelLayout {
  std::vector<std::string> row_labels, col_labels;
  double label_width;    // left of the cells
  double width, height;  // whole panel, title and labels included
};

PanelLayout panel_layout(const Matrix& shape, const HeatmapOptions& options) {
  PanelLayout layout;
  layout.row_labels = labels_or_numbers(options.row_labels, shape.rows, "row");
  layout.col_labels = labels_or_numbers(options.col_labels, shape.cols, "column");
  layout.label_width = 6;
  for (const std::string& label : layout.row_labels)
    layout.label_width = std::max(layout.label_width, svg::text_width(label, tick_size) + 6);
  layout.width = layout.label_width + options.cell_size * static_cast<double>(shape.cols);
  layout.height =
      panel_title_height + options.cell_size * static_cast<double>(shape.rows) + tick_size + 8;
  return layout;
}

// One matrix at offset (x0, y0): title, cells, a thin frame, row and column labels.
void draw_panel(svg::Document& doc, double x0, double y0, const Matrix& m,
                const PanelLayout& layout, const std::string& title, double cell, double limit) {
  const double cells_x = x0 + layout.label_width, cells_y = y0 + panel_title_height;
  if (!title.empty())
    doc.text(cells_x + cell * static_cast<double>(m.cols) / 2, y0 + 14, title,
             {.size = tick_size, .anchor = svg::Anchor::Middle, .bold = true});
  for (size_t r = 0; r < m.rows; ++r) {
    for (size_t c = 0; c < m.cols; ++c)
      doc.rect(cells_x + cell * static_cast<double>(c), cells_y + cell * static_cast<double>(r),
               cell, cell, {.fill = diverging_color(m.at(r, c), limit)});
    doc.text(cells_x - 5, cells_y + cell * (static_cast<double>(r) + 0.5) + 0.35 * tick_size,
             layout.row_labels[r], {.size = tick_size, .anchor = svg::Anchor::End});
  }
  const double bottom = cells_y + cell * static_cast<double>(m.rows);
  for (size_t c = 0; c < m.cols; ++c)
    doc.text(cells_x + cell * (static_cast<double>(c) + 0.5), bottom + tick_size + 2,
             layout.col_labels[c], {.size = tick_size - 1, .anchor = svg::Anchor::Middle});
  doc.rect(cells_x, cells_y, cell * static_cast<double>(m.cols), cell * static_cast<double>(m.rows),
           {.fill = "none", .stroke = "#999999", .stroke_width = 0.8});
}

}  // namespace

void detail::draw_colorbar(svg::Document& doc, double x, double top, double height, double limit,
                           const std::string& caption) {
  if (!caption.empty())
    doc.text(x + colorbar_width / 2, top - 8, caption,
             {.size = tick_size, .anchor = svg::Anchor::Middle});
  const Scale value{-limit, limit, top + height, top};
  const int n_steps = 64;  // thin bands, each a flat colour: a smooth gradient to the eye
  for (int i = 0; i < n_steps; ++i) {
    const double lo = -limit + 2 * limit * i / n_steps, hi = -limit + 2 * limit * (i + 1) / n_steps;
    // Each band overlaps the next by 0.5 px so that no hairline gaps show between them.
    doc.rect(x, value(hi), colorbar_width, value(lo) - value(hi) + 0.5,
             {.fill = diverging_color((lo + hi) / 2, limit)});
  }
  doc.rect(x, top, colorbar_width, height,
           {.fill = "none", .stroke = "#999999", .stroke_width = 0.8});
  // Ticks inside [-limit, limit] only (nice_ticks may reach beyond it).
  std::vector<double> inside;
  for (double t : nice_ticks(-limit, limit, 4))
    if (std::abs(t) <= limit * (1 + 1e-9)) inside.push_back(t);
  for (const Tick& tick : labelled_ticks(inside, false)) {
    const double py = value(tick.value);
    doc.line(x + colorbar_width, py, x + colorbar_width + tick_length, py, {.stroke = axis_color});
    doc.text(x + colorbar_width + tick_length + 3, py + 0.35 * tick_size, tick.label,
             {.size = tick_size});
  }
}

std::string heatmap_grid(const std::vector<Matrix>& panels,
                         const std::vector<std::string>& panel_titles,
                         const HeatmapOptions& options, int n_columns) {
  DNAGRAD_CHECK(!panels.empty(), "heatmap_grid: no panels");
  DNAGRAD_CHECK(panel_titles.empty() || panel_titles.size() == panels.size(),
                "heatmap_grid: ", panel_titles.size(), " titles for ", panels.size(), " panels");
  DNAGRAD_CHECK(n_columns >= 1, "heatmap_grid: n_columns must be >= 1, got ", n_columns);
  DNAGRAD_CHECK(options.cell_size > 0, "heatmap: cell_size must be > 0, got ", options.cell_size);
  // One colour scale for all panels: the same colour means the same value everywhere.
  double limit = options.limit;
  for (size_t i = 0; i < panels.size(); ++i) {
    const Matrix& m = panels[i];
    DNAGRAD_CHECK(m.rows > 0 && m.cols > 0 && m.values.size() == m.rows * m.cols, "heatmap: panel ",
                  i, " is ", m.rows, " x ", m.cols, " with ", m.values.size(), " values");
    DNAGRAD_CHECK(m.rows == panels[0].rows && m.cols == panels[0].cols, "heatmap_grid: panel ", i,
                  " is ", m.rows, " x ", m.cols, " but panel 0 is ", panels[0].rows, " x ",
                  panels[0].cols);
    for (double v : m.values) {
      DNAGRAD_CHECK(std::isfinite(v), "heatmap: panel ", i, " holds the value ", v);
      if (options.limit <= 0) limit = std::max(limit, std::abs(v));
    }
  }
  if (limit <= 0) limit = 1;  // an all-zero matrix: everything white

  const PanelLayout layout = panel_layout(panels[0], options);
  const size_t n_cols = std::min(panels.size(), static_cast<size_t>(n_columns));
  const size_t n_rows = (panels.size() + n_cols - 1) / n_cols;
  const double top = options.title.empty() ? 24 : 52;  // room for the colour bar caption
  const double grid_width = static_cast<double>(n_cols) * (layout.width + panel_gap);
  const double grid_height = static_cast<double>(n_rows) * (layout.height + panel_gap);
  const double colorbar_x = 12 + grid_width + 8;
  const double colorbar_height = std::clamp(grid_height - 40, 80.0, 260.0);
  const double width = colorbar_x + colorbar_width + tick_length + 60;
  const double height = top + std::max(grid_height, colorbar_height + 30);

  svg::Document doc(width, height);
  if (!options.title.empty())
    doc.text(width / 2, 28, options.title,
             {.size = title_size, .anchor = svg::Anchor::Middle, .bold = true});
  for (size_t i = 0; i < panels.size(); ++i) {
    const double x0 = 12 + static_cast<double>(i % n_cols) * (layout.width + panel_gap);
    const double y0 = top + static_cast<double>(i / n_cols) * (layout.height + panel_gap);
    draw_panel(doc, x0, y0, panels[i], layout, panel_titles.empty() ? "" : panel_titles[i],
               options.cell_size, limit);
  }
  draw_colorbar(doc, colorbar_x, top + panel_title_height, colorbar_height, limit,
                options.value_label);
  return doc.str();
}

std::string heatmap(const Matrix& values, const HeatmapOptions& options) {
  return heatmap_grid({values}, {}, options, 1);
}

}  // namespace dnagrad::plots
