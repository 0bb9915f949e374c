// From first-layer convolution filters to motifs, as in seed 001: run the filter along one-hot
// sequences, keep the subsequences where its activation reaches a fraction of its maximum
// (default one half), and count their bases into a position frequency matrix (PFM).
#pragma once
#include <string>
#include <vector>

#include "core/array.h"

namespace dnagrad::genomics {

struct FilterMotif {
  std::string name;             // "filter0", ...
  int64_t width = 0;            // w
  std::vector<double> counts;   // [4, w] row-major: counts[b * w + j] for base b at position j
  int64_t sites = 0;            // subsequences counted
  std::string consensus;        // most frequent base per position ('N' where no site)
  // Probabilities [4, w]: counts / sites, uniform 0.25 when there are no sites.
  std::vector<double> probabilities() const;
};

// activations [N, F, L_out]: the first conv layer's outputs (before its nonlinearity) for the
// sequences `seqs` (length L); the layer has kernel width `width`, stride 1, dilation 1 and
// `padding`, so output t sees positions t - padding .. t - padding + width - 1 (positions
// outside the sequence are not counted). A window counts for filter f when its activation is
// positive and at least `threshold_fraction` times the filter's maximum over all windows.
std::vector<FilterMotif> motifs_from_activations(const Array& activations,
                                                 const std::vector<std::string>& seqs,
                                                 int64_t width, int64_t padding = 0,
                                                 double threshold_fraction = 0.5);

// MEME minimal format (version 4, ACGT, both strands, uniform background): one MOTIF block per
// motif with its letter-probability matrix, rows summing to 1, a blank line after each.
std::string meme_minimal(const std::vector<FilterMotif>& motifs);

}  // namespace dnagrad::genomics
