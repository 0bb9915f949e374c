// Which known motif does a motif look like? Used to name the motifs a model's filters learned
// (`dnagrad motifs --jaspar`) after the closest entries of a library such as JASPAR.
//
// Similarity of two motifs (a simple cousin of Tomtom's Pearson column comparison): slide the
// query along the library motif and, for each placement, take the Pearson correlation of the
// aligned probability columns, all 4 x overlap values of each side read as one vector:
//
//   query      (offset 2)        q0 q1 q2 q3 q4
//   library    l0 l1 l2 l3 l4 l5 l6                 query column i faces library column i + 2;
//                                                   overlap 5: q0..q4 against l2..l6
//   r = pearson([q0 q1 q2 q3 q4], [l2 l3 l4 l5 l6])  (each column = P(A), P(C), P(G), P(T))
//
// Probabilities sum to 1 per column, so r is the cosine of the two aligned matrices after each
// value has had 1/4 taken off: a column close to uniform weighs little, and an uninformative
// flank does not dilute a strong core. r is undefined (and the placement not used) when either
// side's aligned columns are all exactly uniform: there is no shape to correlate.
//
// Placements (the overlap rule): every offset with at least ceil(min(w_query, w_library) / 2)
// aligned columns, i.e. at least half of the shorter motif; offsets run from
// min_overlap - w_query to w_library - min_overlap. Both strands: the query as given ('+') and
// its reverse complement ('-', columns reversed and A<->T, C<->G swapped; the offset is then that
// of the reversed query). The best placement maximises r; ties go to the larger overlap, then the
// smaller |offset|, then '+'.
//
// Significance (Tomtom's question: would a motif with the query's columns, in a random order,
// match the library this well?). A similarity alone misleads: a filter's best match among ~900
// JASPAR motifs is high for almost any filter. So each query gets its own null: `shuffles` copies
// with its columns permuted (same columns, so the same information content; no motif left),
// each matched against the whole library, their best-placement similarities turned into
// z = atanh(r). A match's p-value is the fraction of that null at or above its z while at least
// 10 null values are; further out, the tail of a Gumbel distribution (the law of maxima)
// fitted to the null by its mean and variance. E-value = p x the library motifs compared (the
// matches expected by chance this good); q-value = Benjamini-Hochberg over every match of every
// query. The shuffles are seeded per query, so the numbers do not depend on the thread count.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "genomics/motifs.h"

namespace dnagrad::genomics {

struct MotifMatch {
  size_t library_index = 0;  // which motif of the library
  char strand = '+';         // '+': the query as given; '-': its reverse complement
  int64_t offset = 0;        // query column i (of the strand's query) faces library column
                             // i + offset
  int64_t overlap = 0;       // aligned columns
  double similarity = 0;     // Pearson r of the aligned probabilities, in [-1, 1]
  // With match_motifs_with_significance (NaN otherwise):
  double p_value = std::nan(""), e_value = std::nan(""), q_value = std::nan("");
};

struct MatchSignificanceOptions {
  int shuffles = 20;    // column-shuffled copies of each query for its null (at least 2)
  uint64_t seed = 1;    // of the shuffles
  double max_q = 0.05;  // the reports keep matches with q-value <= max_q
};

// The motif read on the other strand: counts[b][j] = original counts[3 - b][w - 1 - j] (the
// alphabet order A C G T makes the complement of base b the base 3 - b); the consensus is
// reverse-complemented, the names are kept.
Motif reverse_complement(const Motif& motif);

// The best placement of `query` against each library motif, sorted by similarity (highest
// first; ties in library order). Library motifs with no defined similarity are left out, so the
// result is empty for a query whose columns are all uniform (e.g. a filter with no sites).
std::vector<MotifMatch> match_motifs(const Motif& query, const std::vector<Motif>& library);

// match_motifs for every query, each match with its p-, E- and q-value (see above); per query
// sorted by similarity, as match_motifs sorts.
std::vector<std::vector<MotifMatch>> match_motifs_with_significance(
    const std::vector<Motif>& queries, const std::vector<Motif>& library,
    const MatchSignificanceOptions& options = {});

// A TSV with one line per query: its best and second-best significant matches (q-value <=
// max_q, the lowest q first, then the highest similarity), from `matches` (as
// match_motifs_with_significance returns them),
//   filter best_id best_name strand offset overlap similarity p_value e_value q_value
//   significant_matches second_id second_similarity second_q_value
// (ids are MEME identifiers, names their alternate names; '.' where there is none, "NA" for
// the numbers of a query without a significant match, whose significant_matches is 0).
std::string motif_matches_tsv(const std::vector<Motif>& queries, const std::vector<Motif>& library,
                              const std::vector<std::vector<MotifMatch>>& matches, double max_q);

}  // namespace dnagrad::genomics
