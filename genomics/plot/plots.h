// Plots for slides: line plots (loss curves, fitted curves over data), parity plots, heatmaps of
// filter weights and DNA sequence logos. Each function returns a complete SVG document as a
// string; svg::write_file(path, svg) writes it atomically.
//
// Everything takes plain data (std::vector<double>, Matrix), so this module depends on nothing
// but svg.h: copy tensors out first. Bad inputs (mismatched lengths, non-positive values on a
// log axis, a PFM without 4 rows, ...) throw dnagrad::Error naming the plot and the value.
//
// Option structs give every member a default, so designated initializers may name any subset:
// {.title = "Loss", .log_y = true}.
//
// Bases are in dnagrad's alphabet order A, C, G, T: row 0 of a PFM is A, row 3 is T.
//
//   std::vector<plots::Series> curves = {{.name = "CNN train", .y = cnn_train_loss},
//                                        {.name = "CNN val", .y = cnn_val_loss}};
//   svg::write_file("loss_curves.svg",
//                   plots::line_plot(curves, {.title = "Loss", .x_label = "epoch",
//                                             .y_label = "MSE", .log_y = true}));
#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "genomics/plot/svg.h"

namespace dnagrad::plots {

// A rows x cols matrix of doubles, row-major: at(r, c) = values[r * cols + c].
struct Matrix {
  size_t rows = 0, cols = 0;
  std::vector<double> values{};
  double at(size_t r, size_t c) const { return values[r * cols + c]; }
};

// ---- axes ------------------------------------------------------------------------------------

// "Nice" tick positions covering [lo, hi]: about `target_count` intervals whose step is 1, 2 or 5
// times a power of ten, starting at or below lo and ending at or above hi. So 0..1 gives
// 0, 0.2, 0.4, 0.6, 0.8, 1 and 3..97 gives 0, 20, ..., 100. lo == hi is widened around the value.
std::vector<double> nice_ticks(double lo, double hi, int target_count = 5);

// Ticks for a log axis covering [lo, hi] (both > 0): the powers of ten from the one at or below
// lo to the one at or above hi, with 2x and 5x in between when that spans at most two decades.
std::vector<double> log_ticks(double lo, double hi);

// A tick's label: as many decimals as the step between ticks needs ("0.2", "15", "0.05"), and
// scientific notation ("1e-05", "2e+06") for very small or very large values.
std::string tick_label(double value, double step);

// ---- line plots and scatter ------------------------------------------------------------------

enum class SeriesKind {
  Line,    // points joined in order (loss curves, fitted curves)
  Points,  // unconnected markers (data)
};

struct Series {
  std::string name{};       // legend entry
  std::vector<double> x{};  // empty: 1, 2, ..., y.size() (epochs, iterations)
  std::vector<double> y{};  // a NaN or Inf leaves a gap in a line (and is not drawn)
  SeriesKind kind = SeriesKind::Line;
  std::string color{};  // empty: colour number i of a colour-blind-safe palette
  std::string dash{};   // empty: dash pattern number i; "none" forces a solid line
};

struct PlotOptions {
  std::string title{}, x_label{}, y_label{};
  double width = 720, height = 450;  // canvas size in px
  bool log_y = false;                // logarithmic y axis (every y must then be > 0)
};

// Several named series on one pair of axes, with a legend to the right of the plot.
std::string line_plot(const std::vector<Series>& series, const PlotOptions& options);

// Predicted against true values: one small translucent dot per pair (so dense regions look
// darker), the y = x line, and the same range and scale on both axes (a square plot area whose
// side is set by options.height; options.width is not used). Put R² in options.title.
std::string parity_plot(const std::vector<double>& truth, const std::vector<double>& predicted,
                        const PlotOptions& options);

// ---- parallel coordinates ---------------------------------------------------------------------

// One vertical axis: a name and one value per line, scaled from their min (bottom) to their max
// (top), on a log scale when `log` (every value must then be > 0).
struct ParallelAxis {
  std::string name{};
  std::vector<double> values{};
  bool log = false;
};

// Parallel coordinates: the axes side by side, each line one item (a run) crossing every axis at
// its value, coloured by its value on the LAST axis (blue at the axis minimum, red at its maximum;
// for a loss, blue is best). Lines with a value that is not finite are left out. Every axis must
// hold one value per line name. Each axis shows its name on top, its max above and its min below.
std::string parallel_coordinates(const std::vector<ParallelAxis>& axes,
                                 const std::vector<std::string>& line_names,
                                 const PlotOptions& options);

// ---- heatmaps --------------------------------------------------------------------------------

// Diverging colour map for a value on a scale [-limit, +limit]: blue at -limit, white at 0, red
// at +limit (the ColorBrewer RdBu scheme), clamped outside. Returns "#rrggbb".
std::string diverging_color(double value, double limit);

struct HeatmapOptions {
  std::string title{};
  std::vector<std::string> row_labels{};  // empty: 1..rows (pass {"A", "C", "G", "T"} for DNA)
  std::vector<std::string> col_labels{};  // empty: 1..cols
  std::string value_label{};              // caption of the colour bar, e.g. "weight"
  double cell_size = 22;                  // px per cell
  double limit = 0;                       // colour scale [-limit, limit]; 0: the largest |value|
};

// One matrix as coloured cells with row and column labels and a colour bar.
std::string heatmap(const Matrix& values, const HeatmapOptions& options);

// "Small multiples": many matrices of one shape (e.g. 32 conv filters of 4 x 3) as a grid of
// panels with `n_columns` panels per row, each titled panel_titles[i] ("filter 0", ...), on ONE
// shared colour scale so that panels can be compared, with one colour bar.
std::string heatmap_grid(const std::vector<Matrix>& panels,
                         const std::vector<std::string>& panel_titles,
                         const HeatmapOptions& options, int n_columns = 8);

// ---- sequence logos --------------------------------------------------------------------------

// Logo colours by base: A green, C blue, G orange, T red.
inline constexpr std::array<const char*, 4> base_colors = {"#109648", "#255C99", "#F7B32B",
                                                           "#D62839"};

// Information content in bits of one column of 4 counts or probabilities (A, C, G, T):
// IC = 2 - H with H = -sum p log2 p over the normalised p (0 log 0 = 0). A uniform column has
// IC = 0, a column of one base IC = 2, [0.5, 0.5, 0, 0] IC = 1. An all-zero column (e.g. only
// N seen) has IC = 0. Negative or non-finite entries throw.
double information_content(const std::vector<double>& column);

// Letter heights of an information-content logo from a position frequency (or probability)
// matrix [4 x w]: height(b, j) = p(b, j) * IC(j), in bits. A column's letters add up to its IC.
Matrix logo_heights(const Matrix& pfm);

// One letter of a logo in data units (bits, or score units): base 0..3 drawn in column `column`
// between `bottom` and `top` (bottom < top).
struct LogoLetter {
  size_t column;
  int base;
  double bottom, top;
};

// Stacks the letters of a heights matrix [4 x w], column by column: positive heights upward
// from 0 with the SMALLEST at the bottom and the largest on top (the eye reads the top letter
// first), negative heights downward from 0 with the smallest |height| nearest the axis.
// Zero heights are left out.
std::vector<LogoLetter> stack_letters(const Matrix& heights);

struct LogoOptions {
  std::string title{};
  std::string y_label{};     // empty: "bits" for sequence logos, "score" for attribution logos
  double column_width = 26;  // px per position
  double height = 110;       // px of the y axis (0..2 bits for a sequence logo)
};

// Information-content logo of a PFM [4 x w]: y axis 0..2 bits, x axis positions 1..w, letters
// drawn as filled outlines scaled to their exact heights.
std::string sequence_logo(const Matrix& pfm, const LogoOptions& options);

// Logo of signed per-base scores [4 x w] (attributions such as gradient x input or ISM): each
// letter's height is its score, positive letters stacked above the axis and negative below.
std::string attribution_logo(const Matrix& scores, const LogoOptions& options);

// Many sequence logos in one SVG, `n_columns` per row, each titled panel_titles[i]
// ("filter 7: TAT"); options.title (if any) goes above the grid.
std::string logo_grid(const std::vector<Matrix>& pfms, const std::vector<std::string>& panel_titles,
                      const LogoOptions& options, int n_columns = 4);

}  // namespace dnagrad::plots
