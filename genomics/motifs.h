// Motifs as position frequency matrices (PFMs), and where dnagrad gets them from: first-layer
// convolution filters (seed 001: run the filter along one-hot sequences, keep the subsequences
// where its activation reaches a fraction of its maximum, default one half, and count their
// bases) or MEME files such as JASPAR's (genomics/io/meme.h reads them, meme_minimal writes them).
#pragma once
#include <string>
#include <vector>

#include "core/array.h"

namespace dnagrad::genomics {

struct Motif {
  std::string name;            // MEME motif identifier: "filter0", "MA0139.2"
  int64_t width = 0;           // w
  std::vector<double> counts;  // [4, w] row-major: counts[b * w + j] for base b at position j
  int64_t sites = 0;           // sites counted (MEME's nsites)
  std::string consensus;       // most frequent base per position ('N' where no site)
  std::string alt_name{};      // MEME alternate name, e.g. "CTCF"; empty for filters
  // Probabilities [4, w]: each column of counts divided by its sum (uniform 0.25 where the
  // column is all zero).
  std::vector<double> probabilities() const;
};

// activations [N, F, L_out]: the first conv layer's outputs (before its nonlinearity) for the
// sequences `seqs` (length L); the layer has kernel width `width`, stride 1, dilation 1 and
// `padding`, so output t sees positions t - padding .. t - padding + width - 1 (positions
// outside the sequence are not counted). A window counts for filter f when its activation is
// positive and at least `threshold_fraction` times the filter's maximum over all windows.
std::vector<Motif> motifs_from_activations(const Array& activations,
                                           const std::vector<std::string>& seqs, int64_t width,
                                           int64_t padding = 0, double threshold_fraction = 0.5);

// MEME minimal format (version 4, ACGT, both strands, uniform background): one MOTIF block per
// motif, "MOTIF <name> <alt_name>" (the consensus stands in for an empty alt_name), then its
// letter-probability matrix with w= and nsites= = sites, rows summing to 1, and a blank line.
// No E= : a filter's motif has no E-value (MEME's would say how surprising the sites are), and
// a made-up "E= 0" would read as certain.
std::string meme_minimal(const std::vector<Motif>& motifs);

}  // namespace dnagrad::genomics
