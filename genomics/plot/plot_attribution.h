// Attribution maps of one sequence (ISM, saliency, gradient x input), readable at 2,000 bp: the
// positions are cut into panels of `panel_positions` stacked top to bottom, each panel a logo
// track over a heatmap track on one position axis:
//
//   title
//   positions 901–1100                        (panel title)
//   logo      letters scaled by their value: positive above the axis, negative below
//   heatmap   rows A, C, G, T; blue < 0 < red, white at 0         colour bar (first panel)
//   axis      positions, 1-based as in a genome browser
//   positions 1101–1300 ...                   (the next panel)
//
// All panels share one logo y range and one colour scale, so panels can be compared. Like
// plots.h, this takes plain matrices; genomics/interpret/attribution.h's reference_base_scores
// gives the usual logo input (only the reference base of each position non-zero).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "genomics/plot/plots.h"

namespace dnagrad::plots {

struct AttributionMapOptions {
  std::string title{};
  std::string logo_label{};      // the logo's y axis; empty: "score"
  std::string value_label{};     // caption of the colour bar, e.g. "Δ prediction"
  int64_t first_position = 1;    // the position of column 0 on the axis
  size_t panel_positions = 200;  // positions per panel (the last one may be shorter)
  double column_width = 0;       // px per position; 0: panels about 1,200 px wide (6 to 26 px)
};

// logo [4 x W] letter heights and heatmap [4 x W] values (rows A, C, G, T), W >= 1, all finite.
// Returns the SVG document; throws naming the matrix or option at fault.
std::string attribution_map(const Matrix& logo, const Matrix& heatmap,
                            const AttributionMapOptions& options);

}  // namespace dnagrad::plots
