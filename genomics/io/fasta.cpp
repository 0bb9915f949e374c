#include "genomics/io/fasta.h"

#include <htslib/bgzf.h>
#include <htslib/faidx.h>
#include <htslib/hts_log.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>

#include "core/error.h"
#include "genomics/io/fasta_index.h"
#include "genomics/io/text_lines.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

namespace fs = std::filesystem;

namespace {

// A character for an error message: printable as itself, anything else as \xNN.
std::string show_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return cat("'", c, "'");
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", u);
  return cat("'", buf, "'");
}

std::string recompress_hint(const std::string& path) {
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  const std::string how = gz ? cat("`gunzip ", path, " && bgzip ", path.substr(0, path.size() - 3),
                                   "` (same name, now bgzip)")
                             : cat("`gunzip -c ", path, " | bgzip -c > ", path, ".bgz`");
  return cat(
      "htslib can index plain-text or bgzip-compressed FASTA, not plain gzip. Recompress it "
      "with bgzip (from htslib/tabix): ",
      how, ", or decompress it with gunzip");
}

// For a plain FASTA that htslib could not index: the first line whose length differs from the
// record's earlier lines while it is not the record's last line, as "file:line: ...", or "".
std::string ragged_line(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  int64_t line_no = 0, width = -1, short_line = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '>') {
      width = -1;
      short_line = 0;
      continue;
    }
    if (line.empty()) continue;
    const auto n = static_cast<int64_t>(line.size());
    if (short_line)
      return cat(path, ":", short_line, ": line is shorter than the record's earlier lines (",
                 width,
                 " bases) but more sequence follows; htslib's index needs every line of a "
                 "record but the last to have the same length");
    if (width == -1)
      width = n;
    else if (n > width)
      return cat(path, ":", line_no, ": line has ", n, " bases but the record's lines have ", width,
                 "; htslib's index needs equal line lengths within a record");
    else if (n < width)
      short_line = line_no;
  }
  return "";
}

}  // namespace

// ---- SequenceSource --------------------------------------------------------------------------

std::string SequenceSource::fetch(std::string_view name, int64_t start, int64_t end) const {
  DNAGRAD_CHECK(start <= end, "fetch: ", label(), ": interval ", name, ":", start, "-", end,
                " has start > end");
  const int64_t len = length(name);  // throws for an unknown name
  std::string out(static_cast<size_t>(end - start), 'N');
  const int64_t lo = std::max<int64_t>(start, 0);
  const int64_t hi = std::min<int64_t>(end, len);
  if (lo < hi) {
    const std::string inside = fetch_inside(name, lo, hi);
    DNAGRAD_CHECK(static_cast<int64_t>(inside.size()) == hi - lo, "fetch: ", label(), ": ", name,
                  ":", lo, "-", hi, " returned ", inside.size(), " bases instead of ", hi - lo,
                  " (is the index stale?)");
    std::copy(inside.begin(), inside.end(), out.begin() + (lo - start));
  }
  return out;
}

// ---- reading whole files ------------------------------------------------------------------------

int gzip_kind(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  DNAGRAD_CHECK(in, "cannot open '", path, "' for reading");
  unsigned char h[18] = {};
  in.read(reinterpret_cast<char*>(h), sizeof h);
  const auto n = in.gcount();
  if (n < 2 || h[0] != 0x1f || h[1] != 0x8b) return 0;
  // BGZF: gzip with FLG.FEXTRA and a 'BC' extra subfield of length 2 (SAM/BAM spec 4.1).
  const bool bgzf =
      n >= 16 && (h[3] & 4) != 0 && h[12] == 'B' && h[13] == 'C' && h[14] == 2 && h[15] == 0;
  return bgzf ? 2 : 1;
}

void silence_htslib_messages() { hts_set_log_level(HTS_LOG_OFF); }

std::string read_text_file(const std::string& path) {
  silence_htslib_messages();
  DNAGRAD_CHECK(fs::is_regular_file(path), "cannot read '", path,
                "': no such file (or not a regular file)");
  BGZF* f = bgzf_open(path.c_str(), "r");  // reads plain, gzip and bgzip files sequentially
  DNAGRAD_CHECK(f != nullptr, "cannot open '", path, "' for reading");
  std::string out;
  std::vector<char> buf(1 << 16);
  for (;;) {
    const ssize_t got = bgzf_read(f, buf.data(), buf.size());
    if (got < 0) {
      bgzf_close(f);
      fail("cannot read '", path, "': decompression failed (corrupt or truncated gzip?)");
    }
    if (got == 0) break;
    out.append(buf.data(), static_cast<size_t>(got));
  }
  bgzf_close(f);
  return out;
}

// ---- streaming parser
// -----------------------------------------------------------------------------

std::vector<FastaRecord> parse_fasta(std::string_view text, const std::string& label) {
  std::vector<FastaRecord> records;
  std::unordered_map<std::string, int64_t> seen;  // name -> header line
  auto finish = [&]() {
    if (!records.empty() && records.back().seq.empty())
      fail(label, ":", records.back().line, ": FASTA record '", records.back().name,
           "' has no sequence");
  };
  bool any_content = false;
  for_each_line(text, [&](std::string_view line, int64_t line_no) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return true;  // blank line
    any_content = true;
    if (line[0] == '>') {
      finish();
      std::string_view header = line.substr(1);
      const size_t name_end = header.find_first_of(" \t");
      std::string name(header.substr(0, name_end));
      DNAGRAD_CHECK(!name.empty(), label, ":", line_no, ": FASTA header '", line,
                    "' has no sequence name after '>'");
      auto [it, fresh] = seen.emplace(name, line_no);
      DNAGRAD_CHECK(fresh, label, ":", line_no, ": duplicate FASTA sequence name '", name,
                    "' (first used at line ", it->second, ")");
      FastaRecord r;
      r.name = std::move(name);
      if (name_end != std::string_view::npos) {
        std::string_view d = header.substr(name_end);
        const size_t b = d.find_first_not_of(" \t");
        r.description = b == std::string_view::npos ? "" : std::string(d.substr(b));
      }
      r.line = line_no;
      records.push_back(std::move(r));
      return true;
    }
    if (records.empty()) {
      const std::string_view shown = line.substr(0, 40);
      fail(label, ":", line_no, ": expected a FASTA header line starting with '>', found '", shown,
           line.size() > 40 ? "...'" : "'");
    }
    std::string& seq = records.back().seq;
    for (size_t c = 0; c < line.size(); ++c) {
      const char ch = line[c];
      if (ch == ' ' || ch == '\t') continue;
      if (base_index(ch) == -2 && ch != '-' && ch != '*')
        fail(label, ":", line_no, ":", c + 1, ": invalid character ", show_char(ch),
             " in FASTA sequence '", records.back().name,
             "' (expected A, C, G, T, N or another IUPAC code)");
      DNAGRAD_CHECK(ch != '-' && ch != '*', label, ":", line_no, ":", c + 1, ": gap or stop ",
                    show_char(ch), " in FASTA sequence '", records.back().name,
                    "' (DNA input must not be aligned or protein)");
      seq.push_back(ch);
    }
    return true;
  });
  DNAGRAD_CHECK(any_content, label, ": FASTA file is empty");
  finish();
  return records;
}

std::vector<FastaRecord> read_fasta_records(const std::string& path) {
  return parse_fasta(read_text_file(path), path);
}

// ---- InMemoryGenome
// ------------------------------------------------------------------------------

InMemoryGenome::InMemoryGenome(std::vector<FastaRecord> records, std::string label)
    : label_(std::move(label)) {
  for (auto& r : records) {
    DNAGRAD_CHECK(!seqs_.count(r.name), label_, ": duplicate sequence name '", r.name, "'");
    names_.push_back(r.name);
    seqs_.emplace(r.name, std::move(r.seq));
  }
}

bool InMemoryGenome::contains(std::string_view name) const {
  return seqs_.count(std::string(name)) != 0;
}

const std::string& InMemoryGenome::sequence(std::string_view name) const {
  auto it = seqs_.find(std::string(name));
  DNAGRAD_CHECK(it != seqs_.end(), label_, ": unknown sequence '", name, "'");
  return it->second;
}

int64_t InMemoryGenome::length(std::string_view name) const {
  return static_cast<int64_t>(sequence(name).size());
}

std::string InMemoryGenome::fetch_inside(std::string_view name, int64_t start, int64_t end) const {
  return sequence(name).substr(static_cast<size_t>(start), static_cast<size_t>(end - start));
}

// ---- IndexedFasta
// --------------------------------------------------------------------------------

struct IndexedFasta::Impl {
  faidx_t* fai = nullptr;
  mutable std::mutex mutex;  // faidx_t is not thread-safe
  ~Impl() {
    if (fai) fai_destroy(fai);
  }
};

IndexedFasta::IndexedFasta(const std::string& path, Options options)
    : path_(path), impl_(std::make_unique<Impl>()) {
  silence_htslib_messages();
  DNAGRAD_CHECK(fs::is_regular_file(path), "cannot open FASTA '", path,
                "': no such file (or not a regular file)");
  const int kind = gzip_kind(path);
  DNAGRAD_CHECK(kind != 1, "cannot index FASTA '", path, "': it is compressed with plain gzip. ",
                recompress_hint(path));
  DNAGRAD_CHECK(fs::file_size(path) > 0, "FASTA '", path, "' is empty");
  const std::string fai_path = path + ".fai";
  bool build = !fs::exists(fai_path);
  if (!build) {
    const std::string why = fai::stale_reason(path, fai_path, kind);
    if (!why.empty()) {
      DNAGRAD_CHECK(options.rebuild_stale_index, "the FASTA index '", fai_path, "' is stale: ", why,
                    ". Delete it to have it rebuilt (or run `samtools faidx ", path, "`)");
      build = true;
    }
  }
  if (build) {
    std::error_code ec;
    fs::remove(fai_path, ec);
    if (kind == 2) fs::remove(path + ".gzi", ec);
    if (fai_build(path.c_str()) != 0) {
      // Find a precise reason with the validating parser (plain files only: it reads it all).
      if (kind == 0) {
        read_fasta_records(path);
        const std::string ragged = ragged_line(path);
        DNAGRAD_CHECK(ragged.empty(), "could not index FASTA: ", ragged);
      }
      fail("could not build the FASTA index '", fai_path, "' for '", path,
           "' (is the directory writable? does every record have lines of equal length?)");
    }
    index_built_ = true;
  }
  impl_->fai = fai_load3(path.c_str(), fai_path.c_str(), nullptr, 0);
  DNAGRAD_CHECK(impl_->fai != nullptr, "could not load the FASTA index '", fai_path, "' for '",
                path, "'");
  // Names and 64-bit lengths from the .fai itself (htslib 1.16 has no faidx_seq_len64).
  const std::vector<fai::FaiEntry> entries = fai::read_fai(fai_path);
  DNAGRAD_CHECK(!entries.empty(), "FASTA '", path, "' contains no sequences");
  DNAGRAD_CHECK(faidx_nseq(impl_->fai) == static_cast<int>(entries.size()), "FASTA index '",
                fai_path, "': htslib sees ", faidx_nseq(impl_->fai),
                " sequences but the file lists ", entries.size());
  // Two records with one name: the parser's message names both lines. The check reads only the
  // bytes between indexed sequences, so it is cheap on a genome too.
  if (fai::index_skips_a_record(entries, fai::text_reader(path, kind))) {
    read_fasta_records(path);
    fail("FASTA '", path, "' holds records that its index '", fai_path,
         "' does not list (two records with one name?); delete the index to have it rebuilt");
  }
  for (const auto& e : entries) {
    DNAGRAD_CHECK(lengths_.emplace(e.name, e.length).second, "FASTA '", path,
                  "' has two sequences named '", e.name, "'");
    names_.push_back(e.name);
  }
}

IndexedFasta::~IndexedFasta() = default;

bool IndexedFasta::contains(std::string_view name) const {
  return lengths_.count(std::string(name)) != 0;
}

int64_t IndexedFasta::length(std::string_view name) const {
  auto it = lengths_.find(std::string(name));
  if (it == lengths_.end()) {
    std::string known;
    for (size_t i = 0; i < names_.size() && i < 5; ++i) known += (i ? ", " : "") + names_[i];
    if (names_.size() > 5) known += ", ...";
    fail("FASTA '", path_, "' has no sequence named '", name, "' (it has ", names_.size(), ": ",
         known, ")");
  }
  return it->second;
}

std::string IndexedFasta::fetch_inside(std::string_view name, int64_t start, int64_t end) const {
  const std::string key(name);
  hts_pos_t got = 0;
  char* s = nullptr;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    s = faidx_fetch_seq64(impl_->fai, key.c_str(), start, end - 1, &got);
  }
  DNAGRAD_CHECK(s != nullptr && got >= 0, "FASTA '", path_, "': could not read ", name, ":", start,
                "-", end);
  std::string out(s, static_cast<size_t>(got));
  std::free(s);
  for (size_t i = 0; i < out.size(); ++i)
    DNAGRAD_CHECK(base_index(out[i]) != -2, "FASTA '", path_, "': invalid character ",
                  show_char(out[i]), " in sequence '", name, "' at position ", start + i + 1,
                  " (1-based); if the file was edited, delete its .fai index");
  return out;
}

}  // namespace dnagrad::genomics
