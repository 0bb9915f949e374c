// Dinucleotide shuffles: random sequences with exactly the dinucleotide counts of a given one,
// the references of DeepSHAP (deeplift_shap.h) in genomics (they keep a sequence's GC content and
// CpG frequency, so an attribution is measured against sequences like it but without its motifs).
//
// The Altschul–Erikson algorithm (1985). Read a sequence s[0..n) as a walk through a graph whose
// vertices are its letters and whose edges are its n − 1 dinucleotides (s[i] → s[i+1]). Every
// walk from s[0] that uses each edge once (an Eulerian path) spells a sequence with the same
// dinucleotide counts, the same first letter and the same last letter. To draw one uniformly:
//   1. For every vertex v except the last letter, pick one of its out-edges at random as its
//      "last exit"; accept the choice only if the last exits lead from every vertex to the last
//      letter (they form a tree; otherwise draw again). Such a tree guarantees the walk below
//      never strands an unused edge.
//   2. Shuffle each vertex's other out-edges, then append its last exit.
//   3. Walk from s[0], leaving each vertex by its next unused edge in that order.
// Letters are any bytes (A, C, G, T, N, lowercase...): an N is one more vertex, so N runs stay
// where their dinucleotides allow. Seeded: the same generator state gives the same shuffles.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/array.h"
#include "core/rng.h"

namespace dnagrad::genomics {

// One shuffle of `seq` (a copy when it has fewer than 3 letters).
std::string dinucleotide_shuffle(std::string_view seq, Generator& gen);

// `count` shuffles of each sequence of onehot [N, 4, L] (an all-zero column is an N and stays a
// letter of its own): [N, count, 4, L] of onehot's dtype, shuffle k of sequence i at [i, k].
Array dinucleotide_shuffles(const Array& onehot, int64_t count, Generator& gen);

}  // namespace dnagrad::genomics
