#include "genomics/io/meme.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "genomics/io/text_lines.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

namespace {

constexpr double kRowSumTolerance = 0.01;
constexpr double kDefaultSites = 20;  // MEME's default when a matrix has no nsites=

std::string_view trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string_view> split_whitespace(std::string_view s) {
  std::vector<std::string_view> tokens;
  size_t pos = 0;
  while ((pos = s.find_first_not_of(" \t", pos)) != std::string_view::npos) {
    const size_t end = std::min(s.find_first_of(" \t", pos), s.size());
    tokens.push_back(s.substr(pos, end - pos));
    pos = end;
  }
  return tokens;
}

// The whole token as a finite double, or nothing.
std::optional<double> to_number(std::string_view token) {
  double value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

bool starts_with_number(std::string_view line) {
  const std::vector<std::string_view> tokens = split_whitespace(line);
  return !tokens.empty() && to_number(tokens[0]).has_value();
}

// One pass over the lines of a MEME file; see meme.h for the format.
class MemeParser {
 public:
  explicit MemeParser(const std::string& label) : label_(label) {}

  void line(std::string_view raw, int64_t line_no) {
    line_no_ = line_no;
    const std::string_view text = trim(raw);
    if (section_ == Section::Probabilities) {
      if (starts_with_number(text)) return add_row(text);
      finish_matrix();
    }
    if (section_ == Section::LogOdds) {
      if (starts_with_number(text)) return;
      section_ = Section::None;
    }
    if (text.empty()) return;
    if (!seen_version_) {
      DNAGRAD_CHECK(text.starts_with("MEME version"), where(), "not a MEME file: expected ",
                    "'MEME version' first, got '", text, "'");
      seen_version_ = true;
    } else if (expect_background_) {
      background(text);
    } else if (text.starts_with("ALPHABET")) {
      alphabet(text);
    } else if (text.starts_with("strands:")) {
      for (std::string_view s : split_whitespace(text.substr(8)))
        DNAGRAD_CHECK(s == "+" || s == "-", where(), "strand '", s, "' is not + or -");
    } else if (text.starts_with("Background letter frequencies")) {
      expect_background_ = true;
    } else if (text.starts_with("MOTIF")) {
      start_motif(text);
    } else if (text.starts_with("letter-probability matrix")) {
      start_matrix(text);
    } else if (text.starts_with("log-odds matrix")) {
      section_ = Section::LogOdds;
    }
  }

  std::vector<Motif> finish() {
    if (section_ == Section::Probabilities) finish_matrix();
    DNAGRAD_CHECK(seen_version_, label_, ": empty file, not a MEME file");
    DNAGRAD_CHECK(!expect_background_, label_, ": the background letter frequencies are missing ",
                  "at the end of the file");
    finish_motif();
    DNAGRAD_CHECK(!motifs_.empty(), label_, ": no MOTIF in the file");
    return std::move(motifs_);
  }

 private:
  enum class Section { None, Probabilities, LogOdds };

  std::string where() const { return cat(label_, ":", line_no_, ": "); }
  std::string where_motif() const { return cat(where(), "MOTIF ", motifs_.back().name, ": "); }

  void alphabet(std::string_view text) {
    const size_t eq = text.find('=');
    DNAGRAD_CHECK(eq != std::string_view::npos, where(), "custom alphabet definitions ('", text,
                  "') are not supported; expected 'ALPHABET= ACGT'");
    const std::string_view letters = trim(text.substr(eq + 1));
    DNAGRAD_CHECK(letters == "ACGT", where(), "alphabet '", letters, "' is not supported; ",
                  "expected ACGT (DNA)");
  }

  void background(std::string_view text) {
    expect_background_ = false;
    const std::vector<std::string_view> t = split_whitespace(text);
    DNAGRAD_CHECK(t.size() == 8, where(), "background '", text, "': expected 'A p C p G p T p'");
    double sum = 0;
    for (int b = 0; b < 4; ++b) {
      DNAGRAD_CHECK(t[2 * b].size() == 1 && t[2 * b][0] == kAlphabet[b], where(), "background '",
                    text, "': expected letter ", kAlphabet[b], ", got '", t[2 * b], "'");
      const std::optional<double> p = to_number(t[2 * b + 1]);
      DNAGRAD_CHECK(p && *p >= 0 && *p <= 1, where(), "background frequency '", t[2 * b + 1],
                    "' is not a number in [0, 1]");
      sum += *p;
    }
    DNAGRAD_CHECK(std::abs(sum - 1) <= kRowSumTolerance, where(), "background '", text,
                  "' sums to ", sum, ", expected 1");
  }

  void start_motif(std::string_view text) {
    finish_motif();
    const std::vector<std::string_view> t = split_whitespace(text);
    DNAGRAD_CHECK(t[0] == "MOTIF" && t.size() >= 2, where(), "'", text,
                  "': expected 'MOTIF <identifier> [alternate name]'");
    Motif m;
    m.name = t[1];
    if (t.size() >= 3) m.alt_name = t[2];
    motifs_.push_back(std::move(m));
    motif_line_ = line_no_;
    has_matrix_ = false;
  }

  void start_matrix(std::string_view text) {
    DNAGRAD_CHECK(!motifs_.empty(), where(), "letter-probability matrix before any MOTIF line");
    DNAGRAD_CHECK(!has_matrix_, where_motif(), "a second letter-probability matrix");
    has_matrix_ = true;
    section_ = Section::Probabilities;
    matrix_line_ = line_no_;
    rows_.clear();
    width_.reset();
    sites_ = kDefaultSites;
    // "alength= 4 w= 7 nsites= 389 E= 0": keys end in '=', the value follows (glued or not).
    const size_t colon = text.find(':');
    const std::vector<std::string_view> t =
        split_whitespace(colon == std::string_view::npos ? "" : text.substr(colon + 1));
    for (size_t i = 0; i < t.size(); ++i) {
      const size_t eq = t[i].find('=');
      if (eq == std::string_view::npos) continue;
      const std::string_view key = t[i].substr(0, eq);
      std::string_view value = t[i].substr(eq + 1);
      if (value.empty() && i + 1 < t.size()) value = t[++i];
      const std::optional<double> number = to_number(value);
      if (key == "alength") {
        DNAGRAD_CHECK(number && *number == 4, where_motif(), "alength= '", value,
                      "': only DNA (4 letters, ACGT) is supported");
      } else if (key == "w") {
        DNAGRAD_CHECK(number && *number >= 1 && *number == std::floor(*number), where_motif(),
                      "w= '", value, "' is not a positive whole number");
        width_ = static_cast<int64_t>(*number);
      } else if (key == "nsites") {
        DNAGRAD_CHECK(number && *number >= 0, where_motif(), "nsites= '", value,
                      "' is not a non-negative number");
        sites_ = *number;
      }
    }
  }

  void add_row(std::string_view text) {
    const std::vector<std::string_view> t = split_whitespace(text);
    DNAGRAD_CHECK(t.size() == 4, where_motif(), "row '", text, "' has ", t.size(),
                  " values, expected 4 (A C G T)");
    std::array<double, 4> row{};
    double sum = 0;
    for (int b = 0; b < 4; ++b) {
      const std::optional<double> p = to_number(t[b]);
      DNAGRAD_CHECK(p.has_value(), where_motif(), "'", t[b], "' is not a number");
      DNAGRAD_CHECK(*p >= 0 && *p <= 1, where_motif(), "probability '", t[b],
                    "' is outside [0, 1]");
      row[b] = *p;
      sum += *p;
    }
    DNAGRAD_CHECK(std::abs(sum - 1) <= kRowSumTolerance, where_motif(), "row '", text, "' sums to ",
                  sum, ", expected 1 (within ", kRowSumTolerance, ")");
    rows_.push_back(row);
  }

  // Called on the first line after the rows (or at the end of the file).
  void finish_matrix() {
    section_ = Section::None;
    Motif& m = motifs_.back();
    const int64_t rows = static_cast<int64_t>(rows_.size());
    DNAGRAD_CHECK(rows > 0, label_, ":", matrix_line_, ": MOTIF ", m.name,
                  ": the letter-probability matrix has no rows");
    DNAGRAD_CHECK(!width_ || *width_ == rows, label_, ":", matrix_line_, ": MOTIF ", m.name,
                  ": w= ", width_.value_or(0), " but the matrix has ", rows, " rows");
    m.width = rows;
    m.sites = std::llround(sites_);
    const double scale = sites_ > 0 ? sites_ : 1;
    m.counts.assign(4 * rows, 0.0);
    m.consensus.assign(rows, 'N');
    for (int64_t j = 0; j < rows; ++j) {
      int top = 0;
      for (int b = 0; b < 4; ++b) {
        m.counts[b * rows + j] = rows_[j][b] * scale;
        if (rows_[j][b] > rows_[j][top]) top = b;
      }
      m.consensus[j] = kAlphabet[top];
    }
  }

  void finish_motif() {
    if (motifs_.empty()) return;
    DNAGRAD_CHECK(has_matrix_, label_, ":", motif_line_, ": MOTIF ", motifs_.back().name,
                  " has no letter-probability matrix");
  }

  std::string label_;
  int64_t line_no_ = 0;
  bool seen_version_ = false;
  bool expect_background_ = false;
  Section section_ = Section::None;
  std::vector<Motif> motifs_;
  int64_t motif_line_ = 0, matrix_line_ = 0;
  bool has_matrix_ = false;
  std::optional<int64_t> width_;  // w= of the matrix being read
  double sites_ = kDefaultSites;
  std::vector<std::array<double, 4>> rows_;
};

}  // namespace

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::vector<Motif> parse_meme(std::string_view text, const std::string& label) {
  MemeParser parser(label);
  for_each_line(text, [&](std::string_view line, int64_t line_no) {
    parser.line(line, line_no);
    return true;
  });
  return parser.finish();
}

std::vector<Motif> read_meme(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  DNAGRAD_CHECK(in.is_open(), "read_meme: cannot open ", path);
  std::ostringstream text;
  text << in.rdbuf();
  DNAGRAD_CHECK(!in.bad(), "read_meme: reading ", path, " failed");
  return parse_meme(text.str(), path);
}

const Motif& find_motif(const std::vector<Motif>& motifs, std::string_view key,
                        const std::string& label) {
  for (const Motif& m : motifs)
    if (m.name == key) return m;
  for (const Motif& m : motifs)
    if (equal_ignoring_case(m.alt_name, key)) return m;
  fail(label, ": no motif named '", key, "' (by identifier or alternate name) among its ",
       motifs.size(), " motifs");
}

}  // namespace dnagrad::genomics
