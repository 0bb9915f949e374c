#include "genomics/interpret/motif_match.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "genomics/metrics.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

namespace {

// Pearson r of query columns [i0, i1) against library columns [i0 + offset, i1 + offset);
// q is [4, wq] and l is [4, wl] row-major probabilities. NaN when either side is constant.
double aligned_pearson(const std::vector<double>& q, int64_t wq, const std::vector<double>& l,
                       int64_t wl, int64_t offset, int64_t i0, int64_t i1) {
  std::vector<double> a, b;
  for (int base = 0; base < 4; ++base)
    for (int64_t i = i0; i < i1; ++i) {
      a.push_back(q[base * wq + i]);
      b.push_back(l[base * wl + i + offset]);
    }
  return pearson(a, b);
}

// True when `a` is a better placement than `b` (see the tie rules in the header).
bool better(const MotifMatch& a, const MotifMatch& b) {
  if (a.similarity != b.similarity) return a.similarity > b.similarity;
  if (a.overlap != b.overlap) return a.overlap > b.overlap;
  if (std::abs(a.offset) != std::abs(b.offset)) return std::abs(a.offset) < std::abs(b.offset);
  return a.strand == '+' && b.strand == '-';
}

// The best placement of the probabilities `strands[s]` ([4, wq] each, '+' then '-') against
// library motif `index`; similarity NaN when no placement has a defined r.
MotifMatch best_placement(const std::array<std::vector<double>, 2>& strands, int64_t wq,
                          const Motif& target, size_t index) {
  const int64_t wl = target.width;
  const std::vector<double> l = target.probabilities();
  const int64_t min_overlap = (std::min(wq, wl) + 1) / 2;  // ceil(min / 2)
  MotifMatch best{.library_index = index, .similarity = std::nan("")};
  for (int s = 0; s < 2; ++s)
    for (int64_t offset = min_overlap - wq; offset <= wl - min_overlap; ++offset) {
      const int64_t i0 = std::max<int64_t>(0, -offset), i1 = std::min(wq, wl - offset);
      const MotifMatch m{.library_index = index,
                         .strand = s == 0 ? '+' : '-',
                         .offset = offset,
                         .overlap = i1 - i0,
                         .similarity = aligned_pearson(strands[s], wq, l, wl, offset, i0, i1)};
      if (!std::isnan(m.similarity) && (std::isnan(best.similarity) || better(m, best))) best = m;
    }
  return best;
}

// "." for an empty field, so that every TSV column holds something.
std::string or_dot(const std::string& s) { return s.empty() ? "." : s; }

}  // namespace

Motif reverse_complement(const Motif& motif) {
  Motif rc = motif;
  const int64_t w = motif.width;
  for (int b = 0; b < 4; ++b)
    for (int64_t j = 0; j < w; ++j) rc.counts[b * w + j] = motif.counts[(3 - b) * w + (w - 1 - j)];
  rc.consensus = reverse_complement(motif.consensus);
  return rc;
}

std::vector<MotifMatch> match_motifs(const Motif& query, const std::vector<Motif>& library) {
  const std::array<std::vector<double>, 2> strands = {query.probabilities(),
                                                      reverse_complement(query).probabilities()};
  std::vector<MotifMatch> matches;
  for (size_t k = 0; k < library.size(); ++k) {
    const MotifMatch m = best_placement(strands, query.width, library[k], k);
    if (!std::isnan(m.similarity)) matches.push_back(m);
  }
  std::stable_sort(matches.begin(), matches.end(), [](const MotifMatch& a, const MotifMatch& b) {
    return a.similarity > b.similarity;
  });
  return matches;
}

std::string motif_matches_tsv(const std::vector<Motif>& queries,
                              const std::vector<Motif>& library) {
  std::string out =
      "filter\tbest_id\tbest_name\tstrand\toffset\toverlap\tsimilarity\tsecond_id\t"
      "second_similarity\n";
  char number[32];
  for (const Motif& q : queries) {
    const std::vector<MotifMatch> m = match_motifs(q, library);
    out += q.name;
    if (m.empty()) {
      out += "\t.\t.\t.\tNA\tNA\tNA\t.\tNA\n";
      continue;
    }
    const Motif& best = library[m[0].library_index];
    std::snprintf(number, sizeof number, "%.4f", m[0].similarity);
    out += "\t" + best.name + "\t" + or_dot(best.alt_name) + "\t" + m[0].strand + "\t" +
           std::to_string(m[0].offset) + "\t" + std::to_string(m[0].overlap) + "\t" + number;
    if (m.size() > 1) {
      std::snprintf(number, sizeof number, "%.4f", m[1].similarity);
      out += "\t" + library[m[1].library_index].name + "\t" + number + "\n";
    } else {
      out += "\t.\tNA\n";
    }
  }
  return out;
}

}  // namespace dnagrad::genomics
