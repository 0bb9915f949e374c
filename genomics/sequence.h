// DNA sequences as tensors. The alphabet order is A, C, G, T (indices 0..3), so one-hot
// sequences are [4, L] (a batch is [N, 4, L]) and the reverse complement of a one-hot sequence
// is a flip of both axes. Lowercase (soft-masked) bases encode like uppercase; N and the other
// IUPAC codes become an all-zero column.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/array.h"

namespace dnagrad::genomics {

inline constexpr char kAlphabet[] = "ACGT";

// 0..3 for A/C/G/T (either case), -1 for N and other IUPAC codes, -2 for anything else.
int base_index(char base);

// Writes the one-hot encoding of `seq` into out[4 * len], row-major [4, len]. Assigns every
// element. Throws naming the position and character for a non-IUPAC character.
void one_hot_into(std::string_view seq, float* out);

// [N, 4, L] float32; every sequence must have length L (throws naming the first that differs).
Array one_hot(const std::vector<std::string>& seqs);

// The reverse complement of every sequence of a one-hot batch x [N, 4, L] (float32 or
// float64): both axes of each [4, L] flipped. Applied to a gradient with respect to the reverse
// strand's input, the same flip maps it back onto the forward strand.
Array reverse_complement_one_hot(const Array& x);

// Reverse complement, keeping case; IUPAC codes map to their complements, N to N.
std::string reverse_complement(std::string_view seq);

}  // namespace dnagrad::genomics
