// Checks of a FASTA's .fai index against the file (internal to genomics/io/fasta.cpp): parsing
// the .fai, telling a stale index, and finding records the index leaves out. htslib (and
// samtools) index only the first of two records with one name and drop the other with a
// warning, so the file's coverage by the index is what shows a duplicate.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dnagrad::genomics::fai {

// One line of a .fai: name, length, offset of the first base, bases and bytes per line.
struct FaiEntry {
  std::string name;
  int64_t length, offset, line_bases, line_width;
};

// Parses a .fai; throws naming the index file and line for a malformed one.
std::vector<FaiEntry> read_fai(const std::string& fai_path);

// Where a sequence's bases end in the file: `length` bases on lines of `line_bases` bases and
// `line_width` bytes (the line end included).
int64_t data_end(const FaiEntry& e);

// Why an existing index does not describe the FASTA (kind: 0 plain, 2 bgzip), or "" when it
// looks current.
std::string stale_reason(const std::string& path, const std::string& fai_path, int kind);

// Up to n bytes of the FASTA's (uncompressed) text from offset `begin`: plain files directly,
// bgzip files (kind 2) through their .gzi index.
std::function<std::string(int64_t begin, int64_t n)> text_reader(const std::string& path, int kind);

// True when the FASTA holds a record its index does not list: the bytes between one indexed
// sequence and the next must be exactly one header line, and after the last only line ends;
// two '>' lines in a gap mean a record was left out. Reads only the gaps (cheap on a genome).
bool index_skips_a_record(std::vector<FaiEntry> entries,
                          const std::function<std::string(int64_t, int64_t)>& read_at);

}  // namespace dnagrad::genomics::fai
