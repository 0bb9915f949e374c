#include "genomics/io/intervals.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "genomics/io/text_lines.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

namespace {

std::vector<std::string_view> split(std::string_view line, bool tabs_only) {
  std::vector<std::string_view> out;
  if (tabs_only) {
    size_t pos = 0;
    for (;;) {
      const size_t t = line.find('\t', pos);
      out.push_back(
          line.substr(pos, t == std::string_view::npos ? std::string_view::npos : t - pos));
      if (t == std::string_view::npos) break;
      pos = t + 1;
    }
    return out;
  }
  size_t pos = 0;
  while (pos < line.size()) {
    const size_t b = line.find_first_not_of(" \t", pos);
    if (b == std::string_view::npos) break;
    const size_t e = line.find_first_of(" \t", b);
    out.push_back(line.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    pos = e == std::string_view::npos ? line.size() : e;
  }
  return out;
}

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  if (*b == '+') ++b;
  const auto [ptr, ec] = std::from_chars(b, s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string where(const std::string& label, int64_t line) { return cat(label, ":", line); }

}  // namespace

char strand_char(Strand s) { return s == Strand::Plus ? '+' : s == Strand::Minus ? '-' : '.'; }

// ---- BED ------------------------------------------------------------------------------------

std::vector<Interval> parse_bed(std::string_view text, const std::string& label) {
  std::vector<Interval> out;
  for_each_line(text, [&](std::string_view line, int64_t line_no) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return true;
    if (line[0] == '#' || line.substr(0, 5) == "track" || line.substr(0, 7) == "browser")
      return true;
    const auto f = split(line, line.find('\t') != std::string_view::npos);
    const std::string at = where(label, line_no);
    DNAGRAD_CHECK(f.size() >= 3, at,
                  ": a BED line needs at least 3 columns (chrom, start, end), "
                  "found ",
                  f.size(), " in '", line, "'");
    Interval iv;
    iv.chrom = std::string(f[0]);
    DNAGRAD_CHECK(!iv.chrom.empty(), at, ": empty chromosome name");
    DNAGRAD_CHECK(parse_int(f[1], iv.start), at, ": BED start '", f[1], "' is not an integer");
    DNAGRAD_CHECK(parse_int(f[2], iv.end), at, ": BED end '", f[2], "' is not an integer");
    DNAGRAD_CHECK(iv.start >= 0, at, ": BED start ", iv.start, " is negative");
    DNAGRAD_CHECK(iv.end >= 0, at, ": BED end ", iv.end, " is negative");
    DNAGRAD_CHECK(iv.start <= iv.end, at, ": BED start ", iv.start, " is greater than end ",
                  iv.end);
    if (f.size() >= 4) iv.name = std::string(f[3]);
    if (f.size() >= 5 && f[4] != ".") {
      const std::string s(f[4]);
      char* endp = nullptr;
      iv.score = std::strtod(s.c_str(), &endp);
      DNAGRAD_CHECK(!s.empty() && endp == s.c_str() + s.size() && std::isfinite(iv.score), at,
                    ": BED score '", s, "' is not a number");
    }
    if (f.size() >= 6) {
      if (f[5] == "+")
        iv.strand = Strand::Plus;
      else if (f[5] == "-")
        iv.strand = Strand::Minus;
      else if (f[5] == ".")
        iv.strand = Strand::Unknown;
      else
        fail(at, ": BED strand '", f[5], "' is not '+', '-' or '.'");
    }
    iv.origin = at;
    out.push_back(std::move(iv));
    return true;
  });
  return out;
}

std::vector<Interval> read_bed(const std::string& path) {
  return parse_bed(read_text_file(path), path);
}

// ---- GFF3 / GTF ------------------------------------------------------------------------------

int64_t Gene::tss() const {
  DNAGRAD_CHECK(strand != Strand::Unknown, origin, ": gene '", name,
                "' has no strand ('.'), so it has no transcription start site");
  return strand == Strand::Plus ? start : end;
}

namespace {

// Value of attribute `key` in a GFF3 (key=value;...) or GTF (key "value"; ...) column, "" when
// absent. GFF3 percent-encoding is left as is.
std::string attribute(std::string_view attrs, std::string_view key) {
  size_t pos = 0;
  while (pos < attrs.size()) {
    size_t e = attrs.find(';', pos);
    if (e == std::string_view::npos) e = attrs.size();
    std::string_view item = attrs.substr(pos, e - pos);
    pos = e + 1;
    const size_t b = item.find_first_not_of(' ');
    if (b == std::string_view::npos) continue;
    item = item.substr(b);
    const size_t sep = item.find_first_of("= ");
    if (sep == std::string_view::npos || item.substr(0, sep) != key) continue;
    std::string_view v = item.substr(sep + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return std::string(v);
  }
  return "";
}

}  // namespace

std::vector<Gene> parse_genes(std::string_view text, const std::string& label,
                              const GeneReadOptions& options) {
  std::vector<Gene> out;
  for_each_line(text, [&](std::string_view line, int64_t line_no) {
    if (line.substr(0, 7) == "##FASTA") return false;
    if (line.empty() || line[0] == '#') return true;
    if (line.find_first_not_of(" \t") == std::string_view::npos) return true;
    const std::string at = where(label, line_no);
    const auto f = split(line, true);
    DNAGRAD_CHECK(f.size() == 9, at, ": a GFF/GTF line needs 9 tab-separated columns, found ",
                  f.size(), " in '", line.substr(0, 80), line.size() > 80 ? "...'" : "'");
    if (!options.feature_types.count(std::string(f[2]))) return true;
    Gene g;
    g.chrom = std::string(f[0]);
    g.type = std::string(f[2]);
    int64_t start1 = 0, end1 = 0;
    DNAGRAD_CHECK(parse_int(f[3], start1), at, ": GFF start '", f[3], "' is not an integer");
    DNAGRAD_CHECK(parse_int(f[4], end1), at, ": GFF end '", f[4], "' is not an integer");
    DNAGRAD_CHECK(start1 >= 1, at, ": GFF start ", start1, " must be at least 1 (1-based)");
    DNAGRAD_CHECK(start1 <= end1, at, ": GFF start ", start1, " is greater than end ", end1);
    g.start = start1 - 1;
    g.end = end1;
    if (f[6] == "+")
      g.strand = Strand::Plus;
    else if (f[6] == "-")
      g.strand = Strand::Minus;
    else if (f[6] == "." || f[6] == "?")
      g.strand = Strand::Unknown;
    else
      fail(at, ": GFF strand '", f[6], "' is not '+', '-', '.' or '?'");
    const std::string_view attrs = f[8];
    // GFF3 writes key=value; GTF writes key "value" (a value may itself contain '=').
    const size_t key_end = attrs.find_first_of("= \"");
    const bool gtf = key_end == std::string_view::npos || attrs[key_end] != '=';
    if (gtf) {
      g.id = attribute(attrs, "gene_id");
      g.name = attribute(attrs, "gene_name");
    } else {
      g.id = attribute(attrs, "ID");
      g.name = attribute(attrs, "Name");
      if (g.name.empty()) g.name = attribute(attrs, "gene");
    }
    if (g.name.empty()) g.name = g.id;
    if (g.name.empty()) g.name = cat(g.chrom, ":", start1, "-", end1);
    g.origin = at;
    out.push_back(std::move(g));
    return true;
  });
  return out;
}

std::vector<Gene> read_genes(const std::string& path, const GeneReadOptions& options) {
  return parse_genes(read_text_file(path), path, options);
}

// ---- extraction --------------------------------------------------------------------------------

namespace {
void require_chrom(const std::string& chrom, const std::string& origin, std::string_view what,
                   const SequenceSource& genome) {
  DNAGRAD_CHECK(genome.contains(chrom), origin, ": unknown chromosome '", chrom, "' for ", what,
                ": it is not in '", genome.label(), "'");
}
}  // namespace

std::string extract(const Interval& iv, const SequenceSource& genome) {
  require_chrom(iv.chrom, iv.origin, iv.name.empty() ? "an interval" : "interval '" + iv.name + "'",
                genome);
  std::string s = genome.fetch(iv.chrom, iv.start, iv.end);
  return iv.strand == Strand::Minus ? reverse_complement(s) : s;
}

std::string promoter(const Gene& gene, const SequenceSource& genome, int64_t up, int64_t down) {
  DNAGRAD_CHECK(up >= 0 && down >= 0, "promoter: up (", up, ") and down (", down,
                ") must not be negative");
  require_chrom(gene.chrom, gene.origin, "gene '" + gene.name + "'", genome);
  const int64_t tss = gene.tss();
  if (gene.strand == Strand::Plus) return genome.fetch(gene.chrom, tss - up, tss + down);
  return reverse_complement(genome.fetch(gene.chrom, tss - down, tss + up));
}

void check_chromosomes(const std::vector<Interval>& intervals, const SequenceSource& genome) {
  for (const auto& iv : intervals)
    require_chrom(iv.chrom, iv.origin,
                  iv.name.empty() ? "an interval" : "interval '" + iv.name + "'", genome);
}

void check_chromosomes(const std::vector<Gene>& genes, const SequenceSource& genome) {
  for (const auto& g : genes) require_chrom(g.chrom, g.origin, "gene '" + g.name + "'", genome);
}

}  // namespace dnagrad::genomics
