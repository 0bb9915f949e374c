#include "genomics/motifs.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

std::vector<double> Motif::probabilities() const {
  std::vector<double> p(4 * width, 0.25);
  for (int64_t j = 0; j < width; ++j) {
    double column = 0;
    for (int b = 0; b < 4; ++b) column += counts[b * width + j];
    if (column > 0)
      for (int b = 0; b < 4; ++b) p[b * width + j] = counts[b * width + j] / column;
  }
  return p;
}

std::vector<Motif> motifs_from_activations(const Array& activations,
                                           const std::vector<std::string>& seqs, int64_t width,
                                           int64_t padding, double threshold_fraction) {
  DNAGRAD_CHECK(activations.dim() == 3 && activations.size(0) == static_cast<int64_t>(seqs.size()),
                "motifs_from_activations: expected activations [", seqs.size(), ", F, L_out], got ",
                activations.desc());
  const Array acts = activations.to(Device::cpu()).to(DType::F32);
  const int64_t n = acts.size(0), filters = acts.size(1), len_out = acts.size(2);
  const float* a = acts.data<float>();

  std::vector<Motif> motifs(filters);
  for (int64_t f = 0; f < filters; ++f) {
    Motif& m = motifs[f];
    m.name = "filter" + std::to_string(f);
    m.width = width;
    m.counts.assign(4 * width, 0.0);
    float best = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i)
      for (int64_t t = 0; t < len_out; ++t)
        best = std::max(best, a[(i * filters + f) * len_out + t]);
    const double threshold = threshold_fraction * best;
    for (int64_t i = 0; i < n && best > 0; ++i) {
      const std::string& seq = seqs[i];
      for (int64_t t = 0; t < len_out; ++t) {
        const float v = a[(i * filters + f) * len_out + t];
        if (v <= 0 || v < threshold) continue;
        ++m.sites;
        for (int64_t j = 0; j < width; ++j) {
          const int64_t pos = t - padding + j;
          if (pos < 0 || pos >= static_cast<int64_t>(seq.size())) continue;
          const int b = base_index(seq[pos]);
          if (b >= 0) m.counts[b * width + j] += 1;
        }
      }
    }
    m.consensus.assign(width, 'N');
    for (int64_t j = 0; j < width && m.sites > 0; ++j) {
      int top = 0;
      for (int b = 1; b < 4; ++b)
        if (m.counts[b * width + j] > m.counts[top * width + j]) top = b;
      if (m.counts[top * width + j] > 0) m.consensus[j] = kAlphabet[top];
    }
  }
  return motifs;
}

std::string meme_minimal(const std::vector<Motif>& motifs) {
  std::string out =
      "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
      "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n";
  char line[128];
  for (const Motif& m : motifs) {
    out += "MOTIF " + m.name + " " + (m.alt_name.empty() ? m.consensus : m.alt_name) + "\n";
    std::snprintf(line, sizeof line, "letter-probability matrix: alength= 4 w= %lld nsites= %lld\n",
                  static_cast<long long>(m.width), static_cast<long long>(m.sites));
    out += line;
    const std::vector<double> p = m.probabilities();
    for (int64_t j = 0; j < m.width; ++j) {  // MEME rows are positions, columns A C G T
      std::snprintf(line, sizeof line, " %.6f %.6f %.6f %.6f\n", p[0 * m.width + j],
                    p[1 * m.width + j], p[2 * m.width + j], p[3 * m.width + j]);
      out += line;
    }
    out += "\n";
  }
  return out;
}

}  // namespace dnagrad::genomics
