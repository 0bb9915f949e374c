// Attribution maps: stacked panels of a logo track over a heatmap track (plot_attribution.h).
//
// Layout of one panel, in pixels from the panel's top (SVG's y grows downward):
//
//   panel_title_height   "positions a–b"
//   logo_height          letters on a y axis shared by all panels
//   track_gap
//   4 * cell_height      heatmap rows A, C, G, T (zero cells left white: not drawn)
//   axis_height          position ticks and labels
//   panel_gap
#include "genomics/plot/plot_attribution.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "genomics/plot/plot_axes.h"

namespace dnagrad::plots {

using namespace detail;

namespace {

constexpr double panel_title_height = 22;
constexpr double logo_height = 90;
constexpr double track_gap = 6;
constexpr double cell_height = 12;
constexpr double axis_height = tick_length + tick_size + 8;
constexpr double panel_gap = 16;
constexpr double panel_height =
    panel_title_height + logo_height + track_gap + 4 * cell_height + axis_height;
constexpr double target_panel_width = 1200;  // px of positions per panel when not given

void check_matrix(const Matrix& m, const char* what) {
  DNAGRAD_CHECK(m.rows == 4 && m.cols > 0 && m.values.size() == 4 * m.cols,
                "attribution_map: ", what, " must be a [4 x width] matrix (rows A, C, G, T), got ",
                m.rows, " x ", m.cols, " with ", m.values.size(), " values");
  for (size_t i = 0; i < m.values.size(); ++i)
    DNAGRAD_CHECK(std::isfinite(m.values[i]), "attribution_map: ", what, " holds ", m.values[i],
                  " at base ", "ACGT"[i / m.cols], ", column ", i % m.cols + 1);
}

// Columns [first, first + count) of a [4 x W] matrix.
Matrix columns(const Matrix& m, size_t first, size_t count) {
  Matrix out{4, count, std::vector<double>(4 * count)};
  for (size_t b = 0; b < 4; ++b)
    std::copy_n(m.values.begin() + static_cast<std::ptrdiff_t>(b * m.cols + first), count,
                out.values.begin() + static_cast<std::ptrdiff_t>(b * count));
  return out;
}

// What every panel shares: the logo's y axis, the colour scale and the horizontal geometry.
struct Frame {
  double logo_lo, logo_hi;
  std::vector<Tick> logo_ticks;
  double limit;         // colour scale [-limit, limit]
  double left, column;  // x of the first column, px per position
  std::string logo_label;
};

// One panel at y0: columns [first, first + count) of the matrices.
void draw_panel(svg::Document& doc, double y0, const Matrix& logo, const Matrix& heat, size_t first,
                int64_t first_position, const Frame& f) {
  const size_t count = logo.cols;
  const double right = f.left + f.column * static_cast<double>(count);
  const int64_t a = first_position + static_cast<int64_t>(first);
  const int64_t b = a + static_cast<int64_t>(count) - 1;
  doc.text((f.left + right) / 2, y0 + 15,
           "positions " + std::to_string(a) + "–" + std::to_string(b),
           {.size = tick_size + 1, .anchor = svg::Anchor::Middle, .bold = true});

  // The logo: letters between the axis at 0 and their value, 1 px of air between columns.
  const double logo_top = y0 + panel_title_height;
  const Scale y{f.logo_lo, f.logo_hi, logo_top + logo_height, logo_top};
  draw_y_axis(doc, y, f.left, f.logo_ticks, tick_size);
  draw_y_label(doc, 8 + label_size * 0.8, logo_top + logo_height / 2, f.logo_label, label_size);
  const double air = std::min(1.0, f.column / 8);
  for (const LogoLetter& letter : stack_letters(logo)) {
    const double px_top = y(letter.top), px_height = y(letter.bottom) - px_top;
    if (px_height < 0.1) continue;  // invisible; leaving it out keeps the file small
    const double px_left = f.left + f.column * static_cast<double>(letter.column) + air;
    doc.path(base_glyphs[letter.base], {.fill = base_colors[letter.base]},
             "translate(" + svg::fmt(px_left) + " " + svg::fmt(px_top) + ") scale(" +
                 svg::fmt((f.column - 2 * air) / 100, 4) + " " + svg::fmt(px_height / 100, 4) +
                 ")");
  }
  doc.line(f.left, y(0), right, y(0), {.stroke = axis_color, .stroke_width = 1.2});

  // The heatmap, one row per base under the logo.
  const double heat_top = logo_top + logo_height + track_gap;
  for (size_t r = 0; r < 4; ++r) {
    const double row_y = heat_top + cell_height * static_cast<double>(r);
    for (size_t c = 0; c < count; ++c)
      if (heat.at(r, c) != 0)
        doc.rect(f.left + f.column * static_cast<double>(c), row_y, f.column, cell_height,
                 {.fill = diverging_color(heat.at(r, c), f.limit)});
    doc.text(f.left - 4, row_y + cell_height / 2 + 0.35 * (tick_size - 1),
             std::string(1, "ACGT"[r]),
             {.size = tick_size - 1, .anchor = svg::Anchor::End, .bold = true});
  }
  const double heat_bottom = heat_top + 4 * cell_height;
  doc.rect(f.left, heat_top, right - f.left, heat_bottom - heat_top,
           {.fill = "none", .stroke = "#999999", .stroke_width = 0.8});

  // Position ticks at the centres of their columns, about one per 70 px.
  const Scale x{static_cast<double>(a) - 0.5, static_cast<double>(b) + 0.5, f.left, right};
  const int target = std::max(2, static_cast<int>((right - f.left) / 70));
  std::vector<double> inside;
  for (double t : nice_ticks(static_cast<double>(a), static_cast<double>(b), target))
    if (t >= static_cast<double>(a) && t <= static_cast<double>(b)) inside.push_back(t);
  draw_x_axis(doc, x, heat_bottom, labelled_ticks(inside, false), tick_size - 1);
}

}  // namespace

std::string attribution_map(const Matrix& logo, const Matrix& heatmap,
                            const AttributionMapOptions& options) {
  check_matrix(logo, "logo");
  check_matrix(heatmap, "heatmap");
  DNAGRAD_CHECK(logo.cols == heatmap.cols, "attribution_map: the logo has ", logo.cols,
                " positions but the heatmap ", heatmap.cols);
  DNAGRAD_CHECK(options.panel_positions >= 1, "attribution_map: panel_positions must be >= 1");
  DNAGRAD_CHECK(options.column_width == 0 || options.column_width >= 2,
                "attribution_map: column_width must be 0 (automatic) or >= 2 px, got ",
                options.column_width);
  const size_t width = logo.cols, per_panel = std::min(width, options.panel_positions);

  Frame f;
  // The logo's y range holds the tallest stack above 0 and the deepest below, in every panel.
  double hi = 0, lo = 0;
  for (size_t j = 0; j < width; ++j) {
    double up = 0, down = 0;
    for (size_t b = 0; b < 4; ++b) (logo.at(b, j) > 0 ? up : down) += logo.at(b, j);
    hi = std::max(hi, up), lo = std::min(lo, down);
  }
  const std::vector<double> ticks = nice_ticks(lo, hi, 4);
  f.logo_lo = ticks.front(), f.logo_hi = ticks.back();
  f.logo_ticks = labelled_ticks(ticks, false);
  f.limit = 0;
  for (double v : heatmap.values) f.limit = std::max(f.limit, std::abs(v));
  if (f.limit == 0) f.limit = 1;  // all zero: everything white
  f.logo_label = options.logo_label.empty() ? "score" : options.logo_label;
  f.left = 8 + label_size + 4 + max_label_width(f.logo_ticks, tick_size) + tick_length + 4;
  f.column = options.column_width > 0
                 ? options.column_width
                 : std::clamp(target_panel_width / static_cast<double>(per_panel), 6.0, 26.0);

  const size_t n_panels = (width + per_panel - 1) / per_panel;
  const double top = options.title.empty() ? 8 : 36;
  const double colorbar_x = f.left + f.column * static_cast<double>(per_panel) + 24;
  const double canvas_width = colorbar_x + colorbar_width + tick_length + 60;
  const double canvas_height = top + static_cast<double>(n_panels) * (panel_height + panel_gap) + 8;
  svg::Document doc(canvas_width, canvas_height);
  if (!options.title.empty())
    doc.text(canvas_width / 2, 26, options.title,
             {.size = title_size, .anchor = svg::Anchor::Middle, .bold = true});
  for (size_t p = 0; p < n_panels; ++p) {
    const size_t first = p * per_panel, count = std::min(per_panel, width - first);
    draw_panel(doc, top + static_cast<double>(p) * (panel_height + panel_gap),
               columns(logo, first, count), columns(heatmap, first, count), first,
               options.first_position, f);
  }
  // One colour bar beside the first panel, from its logo's top to its heatmap's bottom.
  const double bar_top = top + panel_title_height + 20;
  draw_colorbar(doc, colorbar_x, bar_top, logo_height + track_gap + 4 * cell_height - 20, f.limit,
                options.value_label);
  return doc.str();
}

}  // namespace dnagrad::plots
