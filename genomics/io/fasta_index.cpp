#include "genomics/io/fasta_index.h"

#include <htslib/bgzf.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/error.h"

namespace dnagrad::genomics::fai {

namespace fs = std::filesystem;

std::vector<FaiEntry> read_fai(const std::string& fai_path) {
  std::ifstream in(fai_path);
  DNAGRAD_CHECK(in, "cannot open FASTA index '", fai_path, "'");
  std::vector<FaiEntry> entries;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::istringstream fields(line);
    FaiEntry e;
    std::string rest;
    fields >> e.name >> e.length >> e.offset >> e.line_bases >> e.line_width;
    DNAGRAD_CHECK(fields && e.length >= 0 && e.offset >= 0 && e.line_bases > 0 &&
                      e.line_width >= e.line_bases,
                  fai_path, ":", line_no, ": malformed FASTA index line '", line, "'");
    entries.push_back(std::move(e));
  }
  return entries;
}

int64_t data_end(const FaiEntry& e) {
  return e.offset + (e.length / e.line_bases) * e.line_width + e.length % e.line_bases;
}

bool index_skips_a_record(std::vector<FaiEntry> entries,
                          const std::function<std::string(int64_t, int64_t)>& read_at) {
  std::sort(entries.begin(), entries.end(),
            [](const FaiEntry& a, const FaiEntry& b) { return a.offset < b.offset; });
  constexpr int64_t kLongestHeader = int64_t{1} << 20;  // a longer gap holds more than a header
  int64_t begin = 0;  // start of the gap before entries[i]; after the last one, its tail
  for (size_t i = 0; i <= entries.size(); ++i) {
    const bool tail = i == entries.size();
    const int64_t want = tail ? kLongestHeader + 1 : entries[i].offset - begin;
    if (want > kLongestHeader && !tail) return true;
    const std::string gap = read_at(begin, std::max<int64_t>(want, 0));
    if (static_cast<int64_t>(gap.size()) > kLongestHeader) return true;
    int headers = 0;
    for (size_t k = 0; k < gap.size(); ++k)
      if (gap[k] == '>' && (k == 0 || gap[k - 1] == '\n')) ++headers;
    if (headers > (tail ? 0 : 1)) return true;
    if (!tail) begin = data_end(entries[i]);
  }
  return false;
}

std::function<std::string(int64_t, int64_t)> text_reader(const std::string& path, int kind) {
  if (kind != 2) {
    auto in = std::make_shared<std::ifstream>(path, std::ios::binary);
    return [in](int64_t begin, int64_t n) {
      std::string out(static_cast<size_t>(n), '\0');
      in->clear();
      in->seekg(begin);
      in->read(out.data(), static_cast<std::streamsize>(n));
      out.resize(static_cast<size_t>(in->gcount()));
      return out;
    };
  }
  std::shared_ptr<BGZF> bgzf(bgzf_open(path.c_str(), "r"), [](BGZF* f) {
    if (f) bgzf_close(f);
  });
  DNAGRAD_CHECK(bgzf && bgzf_index_load(bgzf.get(), path.c_str(), ".gzi") == 0,
                "cannot read the bgzip FASTA '", path, "' through its .gzi index");
  return [bgzf, path](int64_t begin, int64_t n) {
    std::string out(static_cast<size_t>(n), '\0');
    DNAGRAD_CHECK(bgzf_useek(bgzf.get(), begin, SEEK_SET) == 0, "FASTA '", path,
                  "': cannot seek to byte ", begin);
    const ssize_t got = bgzf_read(bgzf.get(), out.data(), static_cast<size_t>(n));
    DNAGRAD_CHECK(got >= 0, "FASTA '", path, "': cannot read at byte ", begin);
    out.resize(static_cast<size_t>(got));
    return out;
  };
}

std::string stale_reason(const std::string& path, const std::string& fai_path, int kind) {
  std::error_code ec;
  const auto fasta_time = fs::last_write_time(path, ec);
  const auto fai_time = fs::last_write_time(fai_path, ec);
  if (!ec && fasta_time > fai_time) return "the FASTA file was modified after its index";
  if (kind == 2) {
    if (!fs::exists(path + ".gzi")) return cat("the bgzip index '", path, ".gzi' is missing");
    return "";
  }
  std::vector<FaiEntry> entries;
  try {
    entries = read_fai(fai_path);
  } catch (const Error& e) {
    return e.what();
  }
  if (entries.empty()) return "the index lists no sequences";
  const auto file_size = static_cast<int64_t>(fs::file_size(path));
  const FaiEntry* last = nullptr;
  for (const auto& e : entries) {
    if (data_end(e) > file_size)
      return cat("sequence '", e.name, "' of length ", e.length, " at offset ", e.offset,
                 " runs past the end of the ", file_size, "-byte file");
    if (!last || e.offset > last->offset) last = &e;
  }
  // After the last sequence only line ends may follow.
  const int64_t tail_start = data_end(*last);
  std::ifstream in(path, std::ios::binary);
  in.seekg(tail_start);
  char c;
  int64_t n = 0;
  while (in.get(c)) {
    if (c != '\n' && c != '\r')
      return cat("the file continues after the last indexed sequence '", last->name,
                 "' (its length in the index is ", last->length, ")");
    if (++n > 4) break;
  }
  // The byte before each sequence's data must end its header line.
  std::ifstream f(path, std::ios::binary);
  for (const auto& e : entries) {
    if (e.offset == 0) return cat("sequence '", e.name, "' has offset 0 (no header line)");
    f.clear();
    f.seekg(e.offset - 1);
    if (!f.get(c) || c != '\n')
      return cat("sequence '", e.name, "' at offset ", e.offset,
                 " does not start after a header line");
  }
  return "";
}

}  // namespace dnagrad::genomics::fai
