// Reading motifs from MEME minimal-format files (JASPAR's .meme downloads, MEME suite output,
// dnagrad's own filters.meme; genomics/motifs.h meme_minimal writes the format).
//
// The format, as read here (https://meme-suite.org/meme/doc/meme-format.html):
//
//   MEME version 4                                        required, the first non-blank line
//   ALPHABET= ACGT                                        optional; anything but ACGT is refused
//   strands: + -                                          optional
//   Background letter frequencies                         optional; the next line holds
//   A 0.25 C 0.25 G 0.25 T 0.25                           A, C, G, T and numbers summing to 1
//   MOTIF MA0108.3 TBP                                    identifier and optional alternate name
//   letter-probability matrix: alength= 4 w= 7 nsites= 389 E= 0
//    0.041131  0.118252  0.046272  0.794344               w rows (positions) of 4 numbers
//    ...                                                  (A C G T), spaces or tabs
//   URL http://jaspar.genereg.net/matrix/MA0108.3          optional, ignored
//
// Every key= of the matrix header is optional: alength must be 4 when given; w, when given,
// must equal the number of rows (otherwise the rows run to the first line that is not numbers);
// nsites defaults to 20 as in MEME. Each row's values lie in [0, 1] and sum to 1 within 0.01.
// A "log-odds matrix:" section is skipped. Other lines are ignored, but every MOTIF must have
// exactly one letter-probability matrix, and a file must have at least one MOTIF. Every error
// names the file, the 1-based line and the offending value, e.g.
//   selected.meme:14: MOTIF MA0139.2: row '0.30 0.05 0.49' has 3 values, expected 4 (A C G T)
//
// A read motif is a Motif whose counts are probability x nsites (so probabilities() gives the
// file's rows back, renormalised) and whose consensus is the most probable base per position
// (the first of A, C, G, T on ties). With nsites= 0 the counts are the probabilities themselves.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "genomics/motifs.h"

namespace dnagrad::genomics {

// Reads a MEME file; throws for a file that cannot be read and for every format error above.
std::vector<Motif> read_meme(const std::string& path);
// The same on text in memory; `label` stands for the file name in messages.
std::vector<Motif> parse_meme(std::string_view text, const std::string& label);

// The motif whose identifier equals `key`, else the first (in file order) whose alternate name
// equals `key` ignoring case: "MA0139.2", "CTCF" and "ctcf" all find JASPAR's MA0139.2 CTCF.
// Throws naming `label` and the key when no motif matches.
const Motif& find_motif(const std::vector<Motif>& motifs, std::string_view key,
                        const std::string& label);

// ASCII case-insensitive equality (motif names: "Spi1" = "SPI1").
bool equal_ignoring_case(std::string_view a, std::string_view b);

}  // namespace dnagrad::genomics
