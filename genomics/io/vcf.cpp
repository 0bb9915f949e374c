#include "genomics/io/vcf.h"

#include <htslib/bgzf.h>
#include <htslib/kseq.h>  // KS_SEP_LINE
#include <htslib/vcf.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "core/error.h"
#include "genomics/io/fasta.h"
#include "genomics/io/text_lines.h"

namespace dnagrad::genomics {

namespace {

struct CloseFile {
  void operator()(htsFile* f) const { hts_close(f); }
};
struct DestroyHeader {
  void operator()(bcf_hdr_t* h) const { bcf_hdr_destroy(h); }
};
struct DestroyRecord {
  void operator()(bcf1_t* r) const { bcf_destroy(r); }
};

std::string format_description(const htsFormat* format) {
  char* text = hts_format_description(format);
  std::string out = text ? text : "unknown";
  std::free(text);
  return out;
}

// What htslib's BCF_ERR_* bits in a record's errcode mean.
std::string describe_errcode(int errcode) {
  static const std::pair<int, const char*> kBits[] = {
      {BCF_ERR_NCOLS, "wrong number of columns"},
      {BCF_ERR_LIMITS, "a value beyond htslib's limits"},
      {BCF_ERR_CHAR, "an invalid character"},
      {BCF_ERR_CTG_INVALID, "an invalid contig"},
      {BCF_ERR_TAG_INVALID, "an invalid INFO or FORMAT tag"}};
  std::string out;
  for (const auto& [bit, what] : kBits)
    if (errcode & bit) out += cat(out.empty() ? "" : ", ", what);
  return out.empty() ? cat("htslib error code ", errcode) : out;
}

// Checks the text of a record before htslib parses it: htslib accepts records with fewer than
// the 8 mandatory columns and reads a non-numeric POS as 0.
void check_columns(std::string_view line, const std::string& where) {
  static const char* const kNames[] = {"CHROM", "POS",  "ID",     "REF",
                                       "ALT",   "QUAL", "FILTER", "INFO"};
  size_t pos = 0;
  for (int c = 0; c < 8; ++c) {
    size_t end = line.find('\t', pos);
    if (end == line.npos) {
      DNAGRAD_CHECK(c == 7, where, ": ", c + 1,
                    " tab-separated columns, a VCF record has at least 8 (CHROM POS ID REF ALT "
                    "QUAL FILTER INFO): '",
                    preview(line), "'");
      end = line.size();
    }
    const std::string_view field = line.substr(pos, end - pos);
    DNAGRAD_CHECK(!field.empty(), where, ": column ", kNames[c],
                  " is empty (a missing value is written '.'): '", preview(line), "'");
    if (c == 1) {
      int64_t value = 0;
      const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
      DNAGRAD_CHECK(ec == std::errc() && ptr == field.data() + field.size() && value >= 1, where,
                    ": POS '", field, "' is not a positive integer (VCF positions are 1-based)");
    }
    pos = end + 1;
  }
}

// The checks shared by VCF and BCF records, then the record as a Variant.
Variant to_variant(const bcf_hdr_t* hdr, bcf1_t* rec, int declared_contigs, int64_t line,
                   const std::string& where) {
  const int bad_bits = rec->errcode & ~(BCF_ERR_CTG_UNDEF | BCF_ERR_TAG_UNDEF);
  DNAGRAD_CHECK(bad_bits == 0, where, ": htslib could not parse the record (",
                describe_errcode(bad_bits), ")");
  DNAGRAD_CHECK(rec->rid >= 0 && rec->rid < hdr->n[BCF_DT_CTG], where, ": contig number ", rec->rid,
                " is not in the header");
  const char* chrom = bcf_hdr_id2name(hdr, rec->rid);
  if (declared_contigs > 0 && rec->rid >= declared_contigs) {
    std::string known;
    for (int i = 0; i < declared_contigs && i < 5; ++i)
      known += cat(i ? ", " : "", bcf_hdr_id2name(hdr, i));
    fail(where, ": contig '", chrom, "' is not declared in the header (", declared_contigs,
         " ##contig lines: ", known, declared_contigs > 5 ? ", ...)" : ")");
  }
  DNAGRAD_CHECK(rec->pos >= 0, where, ": POS ", rec->pos + 1,
                " is not a positive integer (VCF positions are 1-based)");
  DNAGRAD_CHECK(bcf_unpack(rec, BCF_UN_STR) == 0 && rec->n_allele >= 1, where,
                ": htslib could not unpack the record's alleles");
  Variant v;
  v.chrom = chrom;
  v.pos = rec->pos + 1;
  v.id = rec->d.id;
  v.ref = rec->d.allele[0];
  DNAGRAD_CHECK(!v.ref.empty(), where, ": REF is empty");
  for (size_t i = 0; i < v.ref.size(); ++i)
    DNAGRAD_CHECK(std::strchr("ACGTNacgtn", v.ref[i]) != nullptr, where, ": REF '", v.ref,
                  "' has '", v.ref[i], "' at position ", i + 1,
                  " (a reference allele is made of A, C, G, T and N)");
  for (int a = 1; a < rec->n_allele; ++a) v.alts.emplace_back(rec->d.allele[a]);
  v.line = line;
  return v;
}

}  // namespace

std::vector<Variant> read_vcf(const std::string& path) {
  std::vector<Variant> all;
  read_vcf_chunks(path, SIZE_MAX, [&](std::vector<Variant>& chunk) { all = std::move(chunk); });
  return all;
}

void read_vcf_chunks(const std::string& path, size_t chunk_size,
                     const std::function<void(std::vector<Variant>&)>& on_chunk) {
  DNAGRAD_CHECK(chunk_size > 0, "read_vcf_chunks: the chunk size must be positive");
  silence_htslib_messages();
  DNAGRAD_CHECK(std::filesystem::is_regular_file(path), "cannot read VCF '", path,
                "': no such file (or not a regular file)");
  std::unique_ptr<htsFile, CloseFile> file(hts_open(path.c_str(), "r"));
  DNAGRAD_CHECK(file != nullptr, "cannot open VCF '", path, "' for reading");
  const htsFormat* format = hts_get_format(file.get());
  const bool is_bcf = format->format == bcf;
  DNAGRAD_CHECK(format->category == variant_data && (format->format == vcf || is_bcf), path,
                ": not a VCF or BCF file (htslib sees: ", format_description(format),
                "); a VCF starts with a '##fileformat=VCFv4.x' line");
  std::unique_ptr<bcf_hdr_t, DestroyHeader> hdr(bcf_hdr_read(file.get()));
  DNAGRAD_CHECK(hdr != nullptr, path, ": cannot read the VCF header",
                is_bcf ? " (corrupt or truncated BCF?)"
                       : "; every header line starts with '#' and the last is the "
                         "#CHROM POS ID REF ALT QUAL FILTER INFO line");
  // Contigs that htslib meets in a text VCF without a ##contig line get ids from here on.
  const int declared_contigs = hdr->n[BCF_DT_CTG];
  std::unique_ptr<bcf1_t, DestroyRecord> rec(bcf_init());
  // Compressed input goes through a BGZF handle (also for plain gzip). htslib ends reading at a
  // damaged or cut-off block as if the file ended there, leaving the problem in the handle's
  // errcode; checked after every read so that a truncated file is never silently shortened.
  BGZF* compressed = is_bcf || format->compression != no_compression ? file->fp.bgzf : nullptr;
  const char* damaged = " (the file is corrupt or truncated)";
  // A BGZF file cut exactly between two blocks would read cleanly up to the cut; the missing
  // end-of-file marker (an empty last block every BGZF writer adds) is what tells.
  DNAGRAD_CHECK(format->compression != bgzf || bgzf_check_EOF(compressed) != 0, path,
                ": the BGZF end-of-file marker is missing", damaged);
  std::vector<Variant> variants;
  for (int64_t record = 1;; ++record) {
    int64_t line = record;
    std::string where;
    if (is_bcf) {
      const int got = bcf_read(file.get(), hdr.get(), rec.get());
      DNAGRAD_CHECK(got >= -1 && compressed->errcode == 0, path, ": record ", record,
                    ": htslib could not read it", damaged);
      if (got == -1) break;  // end of file
      where = cat(path, ": record ", record);
    } else {
      // The text loop of htslib's vcf_read, with line numbers: htsFile counts the lines it has
      // read, header included. hts_getline drops a '\r' before the '\n'.
      kstring_t& text = file->line;
      int got;
      do {
        got = hts_getline(file.get(), KS_SEP_LINE, &text);
        DNAGRAD_CHECK(got >= -1 && (!compressed || compressed->errcode == 0), path, ":",
                      file->lineno, ": read error", damaged);
      } while (got >= 0 && std::string_view(text.s, text.l).find_first_not_of(" \t") ==
                               std::string_view::npos);  // skips blank lines
      if (got == -1) break;                              // end of file
      line = file->lineno;
      where = cat(path, ":", line);
      const std::string_view raw(text.s, text.l);
      check_columns(raw, where);
      const std::string shown = preview(raw);  // vcf_parse cuts the line into fields in place
      DNAGRAD_CHECK(vcf_parse(&text, hdr.get(), rec.get()) == 0, where,
                    ": htslib could not parse the record: '", shown, "'");
    }
    variants.push_back(to_variant(hdr.get(), rec.get(), declared_contigs, line, where));
    if (variants.size() == chunk_size) {
      on_chunk(variants);
      variants.clear();
    }
  }
  if (!variants.empty()) on_chunk(variants);
}

bool is_snv(const std::string& ref, const std::string& alt) {
  if (ref.size() != 1 || alt.size() != 1) return false;
  const int r = std::toupper(static_cast<unsigned char>(ref[0]));
  const int a = std::toupper(static_cast<unsigned char>(alt[0]));
  auto acgt = [](int c) { return c == 'A' || c == 'C' || c == 'G' || c == 'T'; };
  return acgt(r) && acgt(a) && r != a;
}

}  // namespace dnagrad::genomics
