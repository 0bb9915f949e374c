// genomics/io/vcf: the VCF 4.3 specification's example read by hand, the same records from
// bgzip, gzip and BCF copies, small VCFs written here (CRLF, blank lines, contig rules), error
// messages that name the file, the line (or BCF record) and the value, and htslib kept quiet.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <doctest/doctest.h>
#include <htslib/bgzf.h>
#include <htslib/hts_log.h>
#include <htslib/vcf.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/files.h"
#include "genome_fixture.h"
#include "genomics/io/vcf.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
using namespace dnagrad::testing;

namespace {

std::string spec_example() {
  const std::string path = std::string(DNAGRAD_DATA_DIR) + "/format_examples/test.vcf";
  if (!std::filesystem::exists(path))
    FAIL("the VCF example is missing: expected ", path,
         " (the shared data folder ../shared/data, set by DNAGRAD_DATA_DIR)");
  return path;
}

// The file's bytes, read without dnagrad.
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// mode "w" writes bgzip, "wg" plain gzip.
void write_gzip(const std::string& path, const std::string& content, const char* mode) {
  BGZF* f = bgzf_open(path.c_str(), mode);
  REQUIRE(f != nullptr);
  REQUIRE(bgzf_write(f, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  REQUIRE(bgzf_close(f) == 0);
}

// Converts a VCF to BCF with htslib alone.
void write_bcf(const std::string& vcf_path, const std::string& bcf_path) {
  htsFile* in = hts_open(vcf_path.c_str(), "r");
  REQUIRE(in != nullptr);
  bcf_hdr_t* hdr = bcf_hdr_read(in);
  REQUIRE(hdr != nullptr);
  htsFile* out = hts_open(bcf_path.c_str(), "wb");
  REQUIRE(out != nullptr);
  REQUIRE(bcf_hdr_write(out, hdr) == 0);
  bcf1_t* rec = bcf_init();
  while (bcf_read(in, hdr, rec) == 0) REQUIRE(bcf_write(out, hdr, rec) == 0);
  bcf_destroy(rec);
  bcf_hdr_destroy(hdr);
  REQUIRE(hts_close(out) == 0);
  hts_close(in);
}

// What `f` writes to the stderr file descriptor (where htslib prints), exceptions swallowed.
template <class F>
std::string stderr_of(F&& f) {
  std::fflush(stderr);
  FILE* capture = std::tmpfile();
  REQUIRE(capture != nullptr);
  const int saved = dup(2);
  dup2(fileno(capture), 2);
  try {
    f();
  } catch (const std::exception&) {
  }
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::rewind(capture);
  std::string out;
  for (int c; (c = std::fgetc(capture)) != EOF;) out += static_cast<char>(c);
  std::fclose(capture);
  return out;
}

const char* kHeader =
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=chr1,length=1000>\n"
    "##contig=<ID=chr2,length=500>\n"
    "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n";  // 5 lines

}  // namespace

TEST_CASE("vcf: the VCF 4.3 specification example, record by record") {
  const std::string path = spec_example();
  const std::vector<Variant> v = read_vcf(path);
  // The file has 19 header lines; its 5 records are lines 20-24 (checked in the file by hand).
  REQUIRE(v.size() == 5);
  for (const auto& x : v) CHECK(x.chrom == "20");
  CHECK(v[0].pos == 14370);
  CHECK(v[0].id == "rs6054257");
  CHECK(v[0].ref == "G");
  CHECK(v[0].alts == std::vector<std::string>{"A"});
  CHECK(v[0].line == 20);
  CHECK(v[1].pos == 17330);
  CHECK(v[1].id == ".");
  CHECK(v[1].ref == "T");
  CHECK(v[1].alts == std::vector<std::string>{"A"});
  CHECK(v[1].line == 21);
  CHECK(v[2].pos == 1110696);  // multi-allelic
  CHECK(v[2].id == "rs6040355");
  CHECK(v[2].ref == "A");
  CHECK(v[2].alts == std::vector<std::string>{"G", "T"});
  CHECK(v[2].line == 22);
  CHECK(v[3].pos == 1230237);  // no ALT: a reference call
  CHECK(v[3].id == ".");
  CHECK(v[3].ref == "T");
  CHECK(v[3].alts.empty());
  CHECK(v[3].line == 23);
  CHECK(v[4].pos == 1234567);  // the microsatellite: a deletion and an insertion
  CHECK(v[4].id == "microsat1");
  CHECK(v[4].ref == "GTC");
  CHECK(v[4].alts == std::vector<std::string>{"G", "GTCT"});
  CHECK(v[4].line == 24);

  CHECK(is_snv(v[0].ref, v[0].alts[0]));
  CHECK(is_snv(v[2].ref, v[2].alts[1]));
  CHECK_FALSE(is_snv(v[4].ref, v[4].alts[0]));
  CHECK_FALSE(is_snv(v[4].ref, v[4].alts[1]));
}

TEST_CASE("vcf: bgzip, gzip and BCF copies give the same records") {
  const std::string path = spec_example();
  const std::vector<Variant> expected = read_vcf(path);
  ScratchDir dir;
  const std::string text = slurp(path);
  const std::string bgz = (dir.path() / "copy.vcf.gz").string();
  const std::string gz = (dir.path() / "plain.vcf.gz").string();
  const std::string bcf = (dir.path() / "copy.bcf").string();
  write_gzip(bgz, text, "w");
  write_gzip(gz, text, "wg");
  write_bcf(path, bcf);
  for (const auto& copy : {bgz, gz, bcf}) {
    INFO(copy);
    const std::vector<Variant> got = read_vcf(copy);
    REQUIRE(got.size() == expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].chrom == expected[i].chrom);
      CHECK(got[i].pos == expected[i].pos);
      CHECK(got[i].id == expected[i].id);
      CHECK(got[i].ref == expected[i].ref);
      CHECK(got[i].alts == expected[i].alts);
      // BCF has no lines: records are numbered from 1.
      CHECK(got[i].line == (copy == bcf ? static_cast<int64_t>(i) + 1 : expected[i].line));
    }
  }
}

TEST_CASE("vcf: CRLF, blank lines, lowercase REF, symbolic ALT and contig rules") {
  ScratchDir dir;
  std::string crlf = kHeader;
  for (size_t p = 0; (p = crlf.find('\n', p)) != std::string::npos; p += 2) crlf.insert(p, 1, '\r');
  const std::string path =
      dir.write("crlf.vcf", crlf +
                                "chr1\t5\tid1\tacg\tA,<DEL>\t.\t.\t.\tGT\t0/1\r\n"
                                "\r\n"
                                "\n"
                                "chr2\t500\t.\tN\t*\t.\t.\t.\tGT\t0/1");  // no final newline
  const std::vector<Variant> v = read_vcf(path);
  REQUIRE(v.size() == 2);
  CHECK(v[0].chrom == "chr1");
  CHECK(v[0].pos == 5);
  CHECK(v[0].id == "id1");
  CHECK(v[0].ref == "acg");
  CHECK(v[0].alts == std::vector<std::string>{"A", "<DEL>"});
  CHECK(v[0].line == 6);
  CHECK(v[1].chrom == "chr2");
  CHECK(v[1].alts == std::vector<std::string>{"*"});
  CHECK(v[1].line == 9);

  // Without any ##contig line every CHROM is accepted.
  const std::string free = dir.write("free.vcf",
                                     "##fileformat=VCFv4.2\n"
                                     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                                     "chrX\t7\t.\tC\tT\t.\t.\t.\n"
                                     "scaffold_9\t1\t.\tA\t.\t.\t.\t.\n"
                                     "chrX\t9\t.\tG\tA\t.\t.\t.\n");
  const std::vector<Variant> f = read_vcf(free);
  REQUIRE(f.size() == 3);
  CHECK(f[0].chrom == "chrX");
  CHECK(f[1].chrom == "scaffold_9");
  CHECK(f[2].chrom == "chrX");
  CHECK(f[2].line == 5);

  // A header alone: no variants.
  CHECK(read_vcf(dir.write("none.vcf", kHeader)).empty());
}

TEST_CASE("vcf: bad files name the file, the line and the value") {
  ScratchDir dir;
  // The record `line` follows kHeader, so it is line 6.
  auto bad_record = [&](const std::string& name, const std::string& line,
                        std::initializer_list<std::string> pieces) {
    const std::string path = dir.write(name, std::string(kHeader) + line + "\n");
    require_error_mentions([&] { (void)read_vcf(path); }, {path + ":6: "});
    require_error_mentions([&] { (void)read_vcf(path); }, pieces);
  };
  bad_record("short.vcf", "chr1\t5\t.\tA", {"4 tab-separated columns", "at least 8", "chr1\t5"});
  bad_record("emptyalt.vcf", "chr1\t5\t.\tA\t\t.\t.\t.\tGT\t0/1", {"column ALT is empty"});
  bad_record("pos.vcf", "chr1\tabc\t.\tA\tG\t.\t.\t.\tGT\t0/1", {"POS 'abc'", "positive"});
  bad_record("pos0.vcf", "chr1\t0\t.\tA\tG\t.\t.\t.\tGT\t0/1", {"POS '0'", "1-based"});
  bad_record("refx.vcf", "chr1\t5\t.\tAXG\tG\t.\t.\t.\tGT\t0/1", {"REF 'AXG'", "'X'"});
  bad_record("refdot.vcf", "chr1\t5\t.\t.\tG\t.\t.\t.\tGT\t0/1", {"REF '.'"});
  bad_record("contig.vcf", "chr3\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1",
             {"contig 'chr3'", "not declared", "chr1, chr2"});
  bad_record("gt.vcf", "chr1\t5\t.\tA\tG\t.\t.\t.\tGT\tfoo",
             {"htslib could not parse", "chr1\t5\t.\tA\tG"});

  // Whole-file problems name the file.
  const std::string missing = (dir.path() / "missing.vcf").string();
  require_error_mentions([&] { (void)read_vcf(missing); }, {missing, "no such file"});
  const std::string empty = dir.write("empty.vcf", "");
  require_error_mentions([&] { (void)read_vcf(empty); }, {empty, "not a VCF", "empty"});
  const std::string fasta = dir.write("seq.vcf", ">chr1\nACGT\n");
  require_error_mentions([&] { (void)read_vcf(fasta); }, {fasta, "not a VCF", "FASTA"});
  const std::string no_chrom =
      dir.write("nochrom.vcf", "##fileformat=VCFv4.2\nchr1\t5\t.\tA\tG\t.\t.\t.\n");
  require_error_mentions([&] { (void)read_vcf(no_chrom); },
                         {no_chrom, "cannot read the VCF header", "#CHROM"});
}

TEST_CASE("vcf: truncated or damaged BCF and bgzip VCF files are refused, never shortened") {
  ScratchDir dir;
  // Enough records for several BGZF blocks, so cuts and damage fall after the header.
  std::string text = kHeader;
  for (int i = 1; i <= 20000; ++i)
    text += cat("chr1\t", i, "\trs", i, "\tA\tC\t.\t.\t.\tGT\t0/1\n");
  const std::string bcf = (dir.path() / "many.bcf").string();
  write_bcf(dir.write("many.vcf", text), bcf);
  const std::string bgz = (dir.path() / "many.vcf.gz").string();
  write_gzip(bgz, text, "w");
  REQUIRE(read_vcf(bcf).size() == 20000);
  REQUIRE(read_vcf(bgz).size() == 20000);
  const std::string bcf_bytes = slurp(bcf), bgz_bytes = slurp(bgz);

  // Cut: the BGZF end-of-file marker is missing. A cut exactly between two blocks (each block
  // stores its size less one in bytes 16-17) would otherwise read as a shorter, valid file.
  const std::string cut_bcf = dir.write("cut.bcf", bcf_bytes.substr(0, bcf_bytes.size() / 2));
  require_error_mentions([&] { (void)read_vcf(cut_bcf); },
                         {cut_bcf, "end-of-file marker is missing", "corrupt or truncated"});
  size_t boundary = 0;
  while (boundary < bgz_bytes.size() / 2)
    boundary += 1 + static_cast<unsigned char>(bgz_bytes[boundary + 16]) +
                256 * static_cast<unsigned char>(bgz_bytes[boundary + 17]);
  const std::string cut_bgz = dir.write("cut.vcf.gz", bgz_bytes.substr(0, boundary));
  require_error_mentions([&] { (void)read_vcf(cut_bgz); },
                         {cut_bgz, "end-of-file marker is missing", "corrupt or truncated"});

  // Damaged in the middle: the error names the BCF record or the VCF line where reading broke.
  auto damage = [](std::string bytes) {
    for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i) bytes[i] = '\xff';
    return bytes;
  };
  const std::string bad_bcf = dir.write("bad.bcf", damage(bcf_bytes));
  require_error_mentions([&] { (void)read_vcf(bad_bcf); },
                         {bad_bcf + ": record ", "could not read it", "corrupt or truncated"});
  const std::string bad_bgz = dir.write("bad.vcf.gz", damage(bgz_bytes));
  require_error_mentions([&] { (void)read_vcf(bad_bgz); },
                         {bad_bgz + ":", ": read error", "corrupt or truncated"});
}

TEST_CASE("vcf: htslib prints nothing of its own") {
  ScratchDir dir;
  const std::string not_vcf = dir.write("x.vcf", "hello\tworld\n");
  const std::string no_contig = dir.write("free.vcf",
                                          "##fileformat=VCFv4.2\n"
                                          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                                          "chrX\t7\t.\tC\tT\t.\t.\tXX=1\n");
  hts_set_log_level(HTS_LOG_WARNING);  // htslib's default: it would warn and err on these files
  const std::string printed = stderr_of([&] {
    CHECK(read_vcf(no_contig).size() == 1);
    (void)read_vcf(not_vcf);
  });
  CHECK(printed == "");
}

TEST_CASE("vcf: is_snv is a one-base ACGT substitution in either case") {
  CHECK(is_snv("A", "G"));
  CHECK(is_snv("c", "T"));
  CHECK(is_snv("g", "a"));
  CHECK_FALSE(is_snv("A", "A"));
  CHECK_FALSE(is_snv("a", "A"));
  CHECK_FALSE(is_snv("N", "A"));
  CHECK_FALSE(is_snv("A", "N"));
  CHECK_FALSE(is_snv("A", "*"));
  CHECK_FALSE(is_snv("A", "<DEL>"));
  CHECK_FALSE(is_snv("AC", "GT"));
  CHECK_FALSE(is_snv("A", ""));
  CHECK_FALSE(is_snv("", "A"));
  CHECK_FALSE(is_snv(std::string(1, '\0'), "A"));
}
#endif  // DNAGRAD_WITH_GENOMICS_IO

TEST_CASE("vcf: read in chunks, the records come in file order, chunk by chunk") {
  const std::string path = spec_example();
  const std::vector<Variant> all = read_vcf(path);
  REQUIRE(all.size() >= 3);
  for (size_t chunk : {size_t{1}, size_t{2}, all.size(), all.size() + 5}) {
    INFO("chunk ", chunk);
    std::vector<Variant> got;
    std::vector<size_t> sizes;
    read_vcf_chunks(path, chunk, [&](std::vector<Variant>& part) {
      sizes.push_back(part.size());
      for (Variant& v : part) got.push_back(std::move(v));
    });
    REQUIRE(got.size() == all.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i].pos == all[i].pos);
    for (size_t k = 0; k + 1 < sizes.size(); ++k) CHECK(sizes[k] == chunk);
  }
}

TEST_CASE("files: AtomicFileWriter shows the file only on commit, and nothing without it") {
  ScratchDir dir;
  const std::string path = (dir.path() / "out.tsv").string();
  {
    AtomicFileWriter out(path);
    out.write("a\tb\n");
    out.write("1\t2\n");
    CHECK_FALSE(std::filesystem::exists(path));
    out.commit();
  }
  CHECK(slurp(path) == "a\tb\n1\t2\n");
  {
    AtomicFileWriter out((dir.path() / "failed.tsv").string());
    out.write("half");
  }  // destroyed without commit, as when an exception passes
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
    ++files;
  CHECK(files == 1);  // out.tsv only: no failed.tsv, no temporary file
}
