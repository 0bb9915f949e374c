// Sequence logos: information content, letter stacking, and the A/C/G/T glyphs.
//
// Information content. A column of a position frequency matrix (PFM) holds counts of A, C, G, T;
// normalised they are probabilities p_b. Its Shannon entropy H = -sum_b p_b log2 p_b is 2 bits
// when all four bases are equally likely (no information) and 0 bits when one base is certain.
// The information content IC = 2 - H therefore runs from 0 to 2 bits. In the logo a column is a
// stack as tall as its IC, shared among the bases in proportion to p_b: height_b = p_b * IC.
// (Small-sample corrections are left out: the PFMs here come from hundreds of subsequences.)
//
// Glyphs. Text cannot be stretched to an exact height reliably (fonts differ in their ascent), so
// each letter is a filled outline designed in a 100 x 100 box (y down, the letter touching all
// four sides) and drawn through  translate(x, y_top) scale(width / 100, height / 100),
// which maps the box exactly onto the letter's rectangle.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "genomics/plot/plot_axes.h"
#include "genomics/plot/plots.h"

namespace dnagrad::plots {

using namespace detail;

double information_content(const std::vector<double>& column) {
  DNAGRAD_CHECK(column.size() == 4,
                "information_content: a column needs 4 values (A, C, G, T), got ", column.size());
  double total = 0;
  for (double v : column) {
    DNAGRAD_CHECK(std::isfinite(v) && v >= 0,
                  "information_content: counts must be finite and >= 0, got ", v);
    total += v;
  }
  if (total == 0) return 0;
  double entropy = 0;
  for (double v : column) {
    if (v == 0) continue;  // 0 log 0 = 0
    const double p = v / total;
    entropy -= p * std::log2(p);
  }
  return std::max(0.0, 2 - entropy);  // max: rounding must not give -1e-16 bits
}

namespace {

void check_bases_matrix(const Matrix& m, const char* what) {
  DNAGRAD_CHECK(m.rows == 4 && m.cols > 0 && m.values.size() == 4 * m.cols, what,
                ": expected a [4 x width] matrix (rows A, C, G, T), got ", m.rows, " x ", m.cols,
                " with ", m.values.size(), " values");
}

}  // namespace

Matrix logo_heights(const Matrix& pfm) {
  check_bases_matrix(pfm, "logo_heights");
  Matrix heights{4, pfm.cols, std::vector<double>(4 * pfm.cols)};
  for (size_t j = 0; j < pfm.cols; ++j) {
    const std::vector<double> column = {pfm.at(0, j), pfm.at(1, j), pfm.at(2, j), pfm.at(3, j)};
    double total = 0;
    for (double v : column) {
      DNAGRAD_CHECK(std::isfinite(v) && v >= 0, "logo_heights: column ", j + 1, " has the count ",
                    v);
      total += v;
    }
    const double ic = information_content(column);
    for (size_t b = 0; b < 4; ++b)
      heights.values[b * pfm.cols + j] = total > 0 ? column[b] / total * ic : 0;
  }
  return heights;
}

std::vector<LogoLetter> stack_letters(const Matrix& heights) {
  check_bases_matrix(heights, "stack_letters");
  std::vector<LogoLetter> letters;
  for (size_t j = 0; j < heights.cols; ++j) {
    std::vector<int> order = {0, 1, 2, 3};
    // Smallest |height| first: nearest the axis, above it and below it alike.
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return std::abs(heights.at(a, j)) < std::abs(heights.at(b, j));
    });
    double up = 0, down = 0;  // the current top of the positive stack, bottom of the negative
    for (int b : order) {
      const double h = heights.at(b, j);
      DNAGRAD_CHECK(std::isfinite(h), "stack_letters: column ", j + 1, " has the height ", h);
      if (h > 0) {
        letters.push_back({j, b, up, up + h});
        up += h;
      } else if (h < 0) {
        letters.push_back({j, b, down + h, down});
        down += h;
      }
    }
  }
  return letters;
}

namespace {

constexpr double panel_title_height = 22;
constexpr double panel_gap = 22;

struct LogoPanel {
  const Matrix* heights;  // [4 x w] letter heights in data units
  double lo, hi;          // the y range in data units
  std::vector<Tick> ticks;
  std::string y_label, title;
};

// The panel's left margin (y label, tick labels) and total size in px.
double panel_left(const LogoPanel& panel) {
  return 8 + label_size + 4 + max_label_width(panel.ticks, tick_size) + tick_length + 4;
}
double panel_width(const LogoPanel& panel, const LogoOptions& options) {
  return panel_left(panel) + options.column_width * static_cast<double>(panel.heights->cols) + 6;
}
double panel_height(const LogoOptions& options) {
  return panel_title_height + options.height + tick_size + 12;
}

void draw_logo_panel(svg::Document& doc, double x0, double y0, const LogoPanel& panel,
                     const LogoOptions& options) {
  const double left = x0 + panel_left(panel), top = y0 + panel_title_height;
  const double cw = options.column_width;
  const size_t width = panel.heights->cols;
  const Scale y{panel.lo, panel.hi, top + options.height, top};
  if (!panel.title.empty())
    doc.text(left + cw * static_cast<double>(width) / 2, y0 + 15, panel.title,
             {.size = tick_size + 1, .anchor = svg::Anchor::Middle, .bold = true});
  draw_y_axis(doc, y, left, panel.ticks, tick_size);
  draw_y_label(doc, x0 + 8 + label_size * 0.8, top + options.height / 2, panel.y_label, label_size);

  for (const LogoLetter& letter : stack_letters(*panel.heights)) {
    const double px_top = y(letter.top), px_height = y(letter.bottom) - px_top;
    if (px_height < 0.1) continue;  // invisible; leaving it out keeps the file small
    // 1 px of air on each side separates neighbouring columns.
    const double px_left = left + cw * static_cast<double>(letter.column) + 1;
    doc.path(base_glyphs[letter.base], {.fill = base_colors[letter.base]},
             "translate(" + svg::fmt(px_left) + " " + svg::fmt(px_top) + ") scale(" +
                 svg::fmt((cw - 2) / 100, 4) + " " + svg::fmt(px_height / 100, 4) + ")");
  }
  // The baseline at 0 (the bottom of a sequence logo, the middle of an attribution logo), and
  // the position numbers 1..w under the columns.
  const double right = left + cw * static_cast<double>(width);
  doc.line(left, y(0), right, y(0), {.stroke = axis_color, .stroke_width = 1.2});
  for (size_t j = 0; j < width; ++j)
    doc.text(left + cw * (static_cast<double>(j) + 0.5), top + options.height + tick_size + 6,
             std::to_string(j + 1), {.size = tick_size - 1, .anchor = svg::Anchor::Middle});
}

// Lays panels out n_columns per row under an optional title.
std::string draw_logo_grid(const std::vector<LogoPanel>& panels, const LogoOptions& options,
                           int n_columns) {
  DNAGRAD_CHECK(n_columns >= 1, "logo_grid: n_columns must be >= 1, got ", n_columns);
  DNAGRAD_CHECK(options.column_width > 2 && options.height > 10, "logo: column_width ",
                options.column_width, " / height ", options.height, " px are too small");
  double cell_width = 0;
  for (const LogoPanel& panel : panels)
    cell_width = std::max(cell_width, panel_width(panel, options) + panel_gap);
  const double cell_height = panel_height(options) + panel_gap;
  const size_t n_cols = std::min(panels.size(), static_cast<size_t>(n_columns));
  const size_t n_rows = (panels.size() + n_cols - 1) / n_cols;
  const double top = options.title.empty() ? 8 : 36;
  const double width = 8 + cell_width * static_cast<double>(n_cols);
  svg::Document doc(width, top + cell_height * static_cast<double>(n_rows));
  if (!options.title.empty())
    doc.text(width / 2, 28, options.title,
             {.size = title_size, .anchor = svg::Anchor::Middle, .bold = true});
  for (size_t i = 0; i < panels.size(); ++i)
    draw_logo_panel(doc, 8 + cell_width * static_cast<double>(i % n_cols),
                    top + cell_height * static_cast<double>(i / n_cols), panels[i], options);
  return doc.str();
}

// A sequence-logo panel: heights in bits on a fixed 0..2 axis.
LogoPanel information_panel(const Matrix& heights, const LogoOptions& options, std::string title) {
  return {.heights = &heights,
          .lo = 0,
          .hi = 2,
          .ticks = labelled_ticks({0, 1, 2}, false),
          .y_label = options.y_label.empty() ? "bits" : options.y_label,
          .title = std::move(title)};
}

}  // namespace

std::string sequence_logo(const Matrix& pfm, const LogoOptions& options) {
  return logo_grid({pfm}, {}, options, 1);
}

std::string logo_grid(const std::vector<Matrix>& pfms, const std::vector<std::string>& panel_titles,
                      const LogoOptions& options, int n_columns) {
  DNAGRAD_CHECK(!pfms.empty(), "logo_grid: no logos");
  DNAGRAD_CHECK(panel_titles.empty() || panel_titles.size() == pfms.size(),
                "logo_grid: ", panel_titles.size(), " titles for ", pfms.size(), " logos");
  std::vector<Matrix> heights;
  for (const Matrix& pfm : pfms) heights.push_back(logo_heights(pfm));
  std::vector<LogoPanel> panels;
  for (size_t i = 0; i < heights.size(); ++i)
    panels.push_back(
        information_panel(heights[i], options, panel_titles.empty() ? "" : panel_titles[i]));
  return draw_logo_grid(panels, options, n_columns);
}

std::string attribution_logo(const Matrix& scores, const LogoOptions& options) {
  check_bases_matrix(scores, "attribution_logo");
  // The y range must hold the tallest stack above 0 and the deepest below.
  double hi = 0, lo = 0;
  for (size_t j = 0; j < scores.cols; ++j) {
    double up = 0, down = 0;
    for (size_t b = 0; b < 4; ++b) {
      DNAGRAD_CHECK(std::isfinite(scores.at(b, j)), "attribution_logo: column ", j + 1,
                    " has the score ", scores.at(b, j));
      (scores.at(b, j) > 0 ? up : down) += scores.at(b, j);
    }
    hi = std::max(hi, up), lo = std::min(lo, down);
  }
  const std::vector<double> ticks = nice_ticks(lo, hi, 4);
  std::vector<LogoPanel> panels = {{.heights = &scores,
                                    .lo = ticks.front(),
                                    .hi = ticks.back(),
                                    .ticks = labelled_ticks(ticks, false),
                                    .y_label = options.y_label.empty() ? "score" : options.y_label,
                                    .title = ""}};
  return draw_logo_grid(panels, options, 1);
}

}  // namespace dnagrad::plots
