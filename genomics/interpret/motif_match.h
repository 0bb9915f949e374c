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
#pragma once
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
};

// The motif read on the other strand: counts[b][j] = original counts[3 - b][w - 1 - j] (the
// alphabet order A C G T makes the complement of base b the base 3 - b); the consensus is
// reverse-complemented, the names are kept.
Motif reverse_complement(const Motif& motif);

// The best placement of `query` against each library motif, sorted by similarity (highest
// first; ties in library order). Library motifs with no defined similarity are left out, so the
// result is empty for a query whose columns are all uniform (e.g. a filter with no sites).
std::vector<MotifMatch> match_motifs(const Motif& query, const std::vector<Motif>& library);

// A TSV with one line per query: its best and second-best library matches,
//   filter best_id best_name strand offset overlap similarity second_id second_similarity
// (ids are MEME identifiers, names their alternate names; '.' where there is none, "NA" for
// the numbers of a query without matches).
std::string motif_matches_tsv(const std::vector<Motif>& queries, const std::vector<Motif>& library);

}  // namespace dnagrad::genomics
