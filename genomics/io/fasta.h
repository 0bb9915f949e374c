// FASTA input. Three pieces:
//  - SequenceSource: names, lengths and fetch(chrom, start, end) with 0-based half-open
//    coordinates; positions outside a chromosome come back as 'N' (never silently clamped).
//  - IndexedFasta: random access through htslib's faidx (plain or bgzip FASTA; the .fai is
//    built when missing and rebuilt when stale). Plain-gzip FASTA is refused with an error
//    that says to recompress with bgzip.
//  - read_fasta_records: a validating streaming parser for small FASTA files (plain or gzip)
//    such as the input of `dnagrad predict`; InMemoryGenome wraps its records as a source.
// Soft-masked (lowercase) bases are kept as they are. Every error names the file and, where
// there is one, the line, the sequence and the offending value.
// Built only with DNAGRAD_GENOMICS_IO (needs htslib).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dnagrad::genomics {

class SequenceSource {
 public:
  virtual ~SequenceSource() = default;
  // A label for messages (usually the file path).
  virtual const std::string& label() const = 0;
  // Sequence names in file order.
  virtual const std::vector<std::string>& names() const = 0;
  virtual bool contains(std::string_view name) const = 0;
  // Length of a sequence; throws naming the source and the name when it is unknown.
  virtual int64_t length(std::string_view name) const = 0;
  // Bases [start, end) of `name`, 0-based half-open. Parts of the interval before 0 or past the
  // chromosome's end are filled with 'N'; start > end or an unknown name throws.
  std::string fetch(std::string_view name, int64_t start, int64_t end) const;

 protected:
  // Only called with 0 <= start <= end <= length(name).
  virtual std::string fetch_inside(std::string_view name, int64_t start, int64_t end) const = 0;
};

class IndexedFasta final : public SequenceSource {
 public:
  struct Options {
    // A .fai older than the FASTA, or whose offsets do not fit the file, is rebuilt; with
    // false it is an error instead.
    bool rebuild_stale_index = true;
  };
  explicit IndexedFasta(const std::string& path) : IndexedFasta(path, Options{}) {}
  IndexedFasta(const std::string& path, Options options);
  ~IndexedFasta() override;
  IndexedFasta(const IndexedFasta&) = delete;
  IndexedFasta& operator=(const IndexedFasta&) = delete;

  const std::string& label() const override { return path_; }
  const std::vector<std::string>& names() const override { return names_; }
  bool contains(std::string_view name) const override;
  int64_t length(std::string_view name) const override;
  // True when this object built or rebuilt the .fai while opening.
  bool index_was_built() const { return index_built_; }

 protected:
  std::string fetch_inside(std::string_view name, int64_t start, int64_t end) const override;

 private:
  struct Impl;
  std::string path_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, int64_t> lengths_;
  std::unique_ptr<Impl> impl_;
  bool index_built_ = false;
};

struct FastaRecord {
  std::string name;  // the header up to the first whitespace
  std::string description;  // the rest of the header line (may be empty)
  std::string seq;
  int64_t line = 0;  // line number of the '>' header
};

// Parses a whole FASTA file (plain text or gzip/bgzip). Accepts CRLF line endings and blank
// lines. Throws for: an empty file, text before the first '>' header, an empty name, duplicate
// names, a record with no bases, and any character that is not an IUPAC code (naming file, line,
// column and the character).
std::vector<FastaRecord> read_fasta_records(const std::string& path);
// The same on text already in memory; `label` names it in messages.
std::vector<FastaRecord> parse_fasta(std::string_view text, const std::string& label);

// Records held in memory as a SequenceSource.
class InMemoryGenome final : public SequenceSource {
 public:
  InMemoryGenome(std::vector<FastaRecord> records, std::string label);
  const std::string& label() const override { return label_; }
  const std::vector<std::string>& names() const override { return names_; }
  bool contains(std::string_view name) const override;
  int64_t length(std::string_view name) const override;
  const std::string& sequence(std::string_view name) const;

 protected:
  std::string fetch_inside(std::string_view name, int64_t start, int64_t end) const override;

 private:
  std::string label_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::string> seqs_;
};

// The whole content of a text file, decompressed when it is gzip or bgzip (through htslib).
std::string read_text_file(const std::string& path);

// 0 = not gzip, 1 = plain gzip, 2 = bgzip (BGZF). Throws when the file cannot be read.
int gzip_kind(const std::string& path);

// htslib prints its own "[E::...]" and "[W::...]" lines to stderr; dnagrad's errors say what went
// wrong instead. Every reader here calls this (it sets htslib's process-wide log level to off)
// before it uses htslib.
void silence_htslib_messages();

}  // namespace dnagrad::genomics
