#include "genomics/interpret/motif_match.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "core/rng.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

namespace {

// A motif as Pearson's r needs it: every column of probabilities with 1/4 taken off, and each
// column's squared norm. Aligned columns each sum to 1, so the mean of the 4 x overlap values on
// either side is exactly 1/4, and r = sum(a' b') / sqrt(sum(a'^2) sum(b'^2)) with a' = a - 1/4.
struct Centred {
  int64_t width = 0;
  std::vector<std::array<double, 4>> columns;  // [w][4]
  std::vector<double> norm2;                   // [w]
};

Centred centred(const Motif& motif) {
  const std::vector<double> p = motif.probabilities();  // [4, w]
  Centred c{motif.width, std::vector<std::array<double, 4>>(motif.width),
            std::vector<double>(motif.width, 0.0)};
  for (int64_t j = 0; j < motif.width; ++j)
    for (int b = 0; b < 4; ++b) {
      c.columns[j][b] = p[b * motif.width + j] - 0.25;
      c.norm2[j] += c.columns[j][b] * c.columns[j][b];
    }
  return c;
}

// Pearson r of query columns [i0, i1) against library columns [i0 + offset, i1 + offset); NaN
// when either side's aligned columns are all uniform (no shape to correlate).
double aligned_pearson(const Centred& q, const Centred& l, int64_t offset, int64_t i0, int64_t i1) {
  double dot = 0, q2 = 0, l2 = 0;
  for (int64_t i = i0; i < i1; ++i) {
    for (int b = 0; b < 4; ++b) dot += q.columns[i][b] * l.columns[i + offset][b];
    q2 += q.norm2[i];
    l2 += l.norm2[i + offset];
  }
  constexpr double kUniform = 1e-24;  // squared norm below which the columns count as uniform
  if (q2 <= kUniform || l2 <= kUniform) return std::nan("");
  return std::clamp(dot / std::sqrt(q2 * l2), -1.0, 1.0);
}

// True when `a` is a better placement than `b` (see the tie rules in the header).
bool better(const MotifMatch& a, const MotifMatch& b) {
  if (a.similarity != b.similarity) return a.similarity > b.similarity;
  if (a.overlap != b.overlap) return a.overlap > b.overlap;
  if (std::abs(a.offset) != std::abs(b.offset)) return std::abs(a.offset) < std::abs(b.offset);
  return a.strand == '+' && b.strand == '-';
}

// The best placement of the query's strands ('+' then '-') against library motif `index`;
// similarity NaN when no placement has a defined r.
MotifMatch best_placement(const std::array<Centred, 2>& strands, const Centred& target,
                          size_t index) {
  const int64_t wq = strands[0].width, wl = target.width;
  const int64_t min_overlap = (std::min(wq, wl) + 1) / 2;  // ceil(min / 2)
  MotifMatch best{.library_index = index, .similarity = std::nan("")};
  for (int s = 0; s < 2; ++s)
    for (int64_t offset = min_overlap - wq; offset <= wl - min_overlap; ++offset) {
      const int64_t i0 = std::max<int64_t>(0, -offset), i1 = std::min(wq, wl - offset);
      const MotifMatch m{.library_index = index,
                         .strand = s == 0 ? '+' : '-',
                         .offset = offset,
                         .overlap = i1 - i0,
                         .similarity = aligned_pearson(strands[s], target, offset, i0, i1)};
      if (!std::isnan(m.similarity) && (std::isnan(best.similarity) || better(m, best))) best = m;
    }
  return best;
}

// Every library motif's best placement against `query` (undefined ones left out), sorted by
// similarity, highest first (ties in library order).
std::vector<MotifMatch> best_matches(const Motif& query, const std::vector<Centred>& targets) {
  const std::array<Centred, 2> strands = {centred(query), centred(reverse_complement(query))};
  std::vector<MotifMatch> matches;
  for (size_t k = 0; k < targets.size(); ++k) {
    const MotifMatch m = best_placement(strands, targets[k], k);
    if (!std::isnan(m.similarity)) matches.push_back(m);
  }
  std::stable_sort(matches.begin(), matches.end(), [](const MotifMatch& a, const MotifMatch& b) {
    return a.similarity > b.similarity;
  });
  return matches;
}

// `query` with its columns in the order `perm`.
Motif with_columns(const Motif& query, const std::vector<int64_t>& perm) {
  Motif shuffled = query;
  const int64_t w = query.width;
  for (int b = 0; b < 4; ++b)
    for (int64_t j = 0; j < w; ++j) shuffled.counts[b * w + j] = query.counts[b * w + perm[j]];
  return shuffled;
}

// The null of one query: z = atanh(r) of the best placements of `shuffles` column-shuffled
// copies against every library motif, sorted. Beyond its bulk the null's upper tail is modelled
// as exponential (peaks over a threshold: the top 5 % of the null, at least 10 values, above
// their smallest u; a maximum over placements is in the Gumbel domain, whose excesses over a high
// threshold are exponential), with the scale fitted to those excesses, so a p-value below what
// the shuffles can resolve follows the null's own tail rather than its bulk.
struct QueryNull {
  std::vector<double> z;  // ascending
  double threshold = 0, scale = 0, tail_fraction = 0;

  // P(null >= z_obs): the fraction of the null at or above z_obs up to the threshold, the fitted
  // exponential tail beyond it.
  double p_value(double z_obs) const {
    const auto n = static_cast<double>(z.size());
    if (z_obs <= threshold || !(scale > 0)) {
      const auto above = static_cast<double>(z.end() - std::lower_bound(z.begin(), z.end(), z_obs));
      return (above + 1) / (n + 1);
    }
    return tail_fraction * std::exp(-(z_obs - threshold) / scale);
  }
};

double fisher_z(double r) { return std::atanh(std::clamp(r, -0.999999, 0.999999)); }

QueryNull query_null(const Motif& query, const std::vector<Centred>& targets, int shuffles,
                     uint64_t seed) {
  QueryNull null;
  Generator gen(seed);
  for (int s = 0; s < shuffles; ++s)
    for (const MotifMatch& m :
         best_matches(with_columns(query, gen.permutation(query.width)), targets))
      null.z.push_back(fisher_z(m.similarity));
  std::sort(null.z.begin(), null.z.end());
  const auto n = static_cast<int64_t>(null.z.size());
  const int64_t top = std::max<int64_t>(10, n / 20);
  if (n < 2 * top) return null;  // too few to model a tail: empirical p-values only
  null.threshold = null.z[n - top];
  double excess = 0;
  for (int64_t i = n - top; i < n; ++i) excess += null.z[i] - null.threshold;
  null.scale = excess / static_cast<double>(top - 1);  // the smallest excess is 0 by definition
  null.tail_fraction = static_cast<double>(top) / static_cast<double>(n + 1);
  return null;
}

// "." for an empty field, so that every TSV column holds something.
std::string or_dot(const std::string& s) { return s.empty() ? "." : s; }

std::string number(const char* format, double value) {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

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
  std::vector<Centred> targets;
  for (const Motif& m : library) targets.push_back(centred(m));
  return best_matches(query, targets);
}

std::vector<std::vector<MotifMatch>> match_motifs_with_significance(
    const std::vector<Motif>& queries, const std::vector<Motif>& library,
    const MatchSignificanceOptions& options) {
  DNAGRAD_CHECK(options.shuffles >= 2, "motif matching: ", options.shuffles,
                " shuffled copies per query are too few for a null (at least 2)");
  std::vector<Centred> targets;
  for (const Motif& m : library) targets.push_back(centred(m));
  std::vector<std::vector<MotifMatch>> result(queries.size());
  const auto n = static_cast<int64_t>(queries.size());
#pragma omp parallel for schedule(dynamic)
  for (int64_t i = 0; i < n; ++i) {
    // Each query's shuffles come from its own stream: the same p-values on any thread count.
    const QueryNull null = query_null(queries[i], targets, options.shuffles,
                                      options.seed + 0x9E3779B97F4A7C15ULL * uint64_t(i + 1));
    std::vector<MotifMatch>& matches = result[i] = best_matches(queries[i], targets);
    for (MotifMatch& m : matches) {
      m.p_value = null.p_value(fisher_z(m.similarity));
      m.e_value = m.p_value * static_cast<double>(matches.size());
    }
  }
  // q-values (Benjamini-Hochberg) over every match of every query.
  std::vector<MotifMatch*> all;
  for (auto& matches : result)
    for (MotifMatch& m : matches) all.push_back(&m);
  std::stable_sort(all.begin(), all.end(), [](const MotifMatch* a, const MotifMatch* b) {
    return a->p_value < b->p_value;
  });
  double running = 1;
  for (size_t k = all.size(); k-- > 0;) {
    running = std::min(
        running, all[k]->p_value * static_cast<double>(all.size()) / static_cast<double>(k + 1));
    all[k]->q_value = running;
  }
  return result;
}

std::string motif_matches_tsv(const std::vector<Motif>& queries, const std::vector<Motif>& library,
                              const std::vector<std::vector<MotifMatch>>& all, double max_q) {
  DNAGRAD_CHECK(all.size() == queries.size(), "motif_matches_tsv: ", all.size(),
                " lists of matches for ", queries.size(), " queries");
  std::string out =
      "filter\tbest_id\tbest_name\tstrand\toffset\toverlap\tsimilarity\tp_value\te_value\t"
      "q_value\tsignificant_matches\tsecond_id\tsecond_similarity\tsecond_q_value\n";
  for (size_t i = 0; i < queries.size(); ++i) {
    std::vector<MotifMatch> kept;  // by q-value, then similarity
    for (const MotifMatch& m : all[i])
      if (m.q_value <= max_q) kept.push_back(m);
    std::stable_sort(kept.begin(), kept.end(), [](const MotifMatch& a, const MotifMatch& b) {
      return a.q_value < b.q_value || (a.q_value == b.q_value && a.similarity > b.similarity);
    });
    out += queries[i].name;
    if (kept.empty()) {
      out += "\t.\t.\t.\tNA\tNA\tNA\tNA\tNA\tNA\t0\t.\tNA\tNA\n";
      continue;
    }
    const MotifMatch& m = kept[0];
    const Motif& best = library[m.library_index];
    out += "\t" + best.name + "\t" + or_dot(best.alt_name) + "\t" + m.strand + "\t" +
           std::to_string(m.offset) + "\t" + std::to_string(m.overlap) + "\t" +
           number("%.4f", m.similarity) + "\t" + number("%.3g", m.p_value) + "\t" +
           number("%.3g", m.e_value) + "\t" + number("%.3g", m.q_value) + "\t" +
           std::to_string(kept.size());
    if (kept.size() > 1)
      out += "\t" + library[kept[1].library_index].name + "\t" +
             number("%.4f", kept[1].similarity) + "\t" + number("%.3g", kept[1].q_value) + "\n";
    else
      out += "\t.\tNA\tNA\n";
  }
  return out;
}

}  // namespace dnagrad::genomics
