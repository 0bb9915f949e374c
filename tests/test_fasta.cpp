// genomics/io/fasta: the indexed reader (htslib faidx) on the real E. coli genome, bgzip and
// plain FASTA, N padding past chromosome ends, index building and staleness, and the validating
// parser's error messages (file, line, value).
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <doctest/doctest.h>
#include <htslib/bgzf.h>

#include <chrono>
#include <random>

#include "genome_fixture.h"
#include "genomics/io/fasta.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
using namespace dnagrad::testing;

namespace {

void write_bgzip(const std::string& path, const std::string& content) {
  BGZF* f = bgzf_open(path.c_str(), "w");
  REQUIRE(f != nullptr);
  REQUIRE(bgzf_write(f, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  REQUIRE(bgzf_close(f) == 0);
}

const char* kSmall =
    ">chr1 first\n"
    "ACGTACGTAC\n"
    "GTacgtNNNN\n"
    "AC\n"
    ">chr2\n"
    "TTTTGGGGCC\n"
    "CC\n";

}  // namespace

TEST_CASE("fasta: the E. coli genome is indexed and has 4,641,652 bp") {
  const EcoliGenome& g = ecoli();
  REQUIRE(g.sequence.size() == 4641652);
  std::filesystem::remove(g.fasta + ".fai");
  IndexedFasta fa(g.fasta);
  CHECK(fa.index_was_built());
  CHECK(std::filesystem::exists(g.fasta + ".fai"));
  REQUIRE(fa.names() == std::vector<std::string>{"NC_000913.3"});
  CHECK(fa.length("NC_000913.3") == 4641652);
  CHECK(fa.fetch("NC_000913.3", 0, 60) == g.sequence.substr(0, 60));

  IndexedFasta again(g.fasta);
  CHECK_FALSE(again.index_was_built());

  std::mt19937_64 gen(12345);
  for (int i = 0; i < 300; ++i) {
    const long start = static_cast<long>(gen() % 4641800) - 100;
    const long end = start + static_cast<long>(gen() % 300);
    INFO("interval ", start, "-", end);
    REQUIRE(again.fetch("NC_000913.3", start, end) == padded_slice(g.sequence, start, end));
  }
  // Off both ends: padded with N, never shortened.
  CHECK(fa.fetch("NC_000913.3", -5, 5) == "NNNNN" + g.sequence.substr(0, 5));
  CHECK(fa.fetch("NC_000913.3", 4641649, 4641656) == g.sequence.substr(4641649) + "NNNN");
  CHECK(fa.fetch("NC_000913.3", 4641700, 4641703) == "NNN");
  CHECK(fa.fetch("NC_000913.3", -10, -7) == "NNN");
  CHECK(fa.fetch("NC_000913.3", 7, 7).empty());
  require_error_mentions([&] { (void)fa.fetch("NC_000913.3", 10, 5); },
                         {g.fasta, "NC_000913.3", "10", "start > end"});
  require_error_mentions([&] { (void)fa.fetch("chrZ", 0, 5); }, {g.fasta, "'chrZ'"});
}

TEST_CASE("fasta: plain-gzip FASTA is refused with a hint to recompress with bgzip") {
  const std::string gz = ecoli_fasta_gz();
  REQUIRE(std::filesystem::exists(gz));
  CHECK(gzip_kind(gz) == 1);
  require_error_mentions([&] { IndexedFasta fa(gz); }, {gz, "plain gzip", "bgzip"});
  // The sequential parser reads plain gzip fine.
  ScratchDir dir;
  const std::string bgz = dir.path() / "small.fa.gz";
  write_bgzip(bgz, kSmall);
  CHECK(gzip_kind(bgz) == 2);
}

TEST_CASE("fasta: bgzip FASTA is read through the index and keeps soft-masked case") {
  ScratchDir dir;
  const std::string path = dir.path() / "small.fa.gz";
  write_bgzip(path, kSmall);
  IndexedFasta fa(path);
  CHECK(fa.index_was_built());
  CHECK(std::filesystem::exists(path + ".fai"));
  CHECK(std::filesystem::exists(path + ".gzi"));
  REQUIRE(fa.names() == std::vector<std::string>{"chr1", "chr2"});
  CHECK(fa.length("chr1") == 22);
  CHECK(fa.length("chr2") == 12);
  CHECK(fa.fetch("chr1", 8, 16) == "ACGTacgt");
  CHECK(fa.fetch("chr1", 18, 25) == "NNACNNN");
  CHECK(fa.fetch("chr2", -2, 3) == "NNTTT");
}

TEST_CASE("fasta: a missing .fai is built for a plain FASTA") {
  ScratchDir dir;
  const std::string path = dir.write("small.fa", kSmall);
  REQUIRE_FALSE(std::filesystem::exists(path + ".fai"));
  IndexedFasta fa(path);
  CHECK(fa.index_was_built());
  REQUIRE(std::filesystem::exists(path + ".fai"));
  CHECK(fa.fetch("chr1", 0, 22) == "ACGTACGTACGTacgtNNNNAC");
  CHECK(fa.fetch("chr2", 10, 14) == "CCNN");

  // CRLF line ends index and read the same; the index stays current on a second open.
  const std::string crlf = dir.write("crlf.fa", ">c1\r\nACGTA\r\nCGTac\r\nG\r\n>c2\r\nTT\r\n");
  IndexedFasta a(crlf);
  CHECK(a.length("c1") == 11);
  CHECK(a.fetch("c1", 3, 12) == "TACGTacGN");
  CHECK(a.fetch("c2", 0, 2) == "TT");
  IndexedFasta b(crlf);
  CHECK_FALSE(b.index_was_built());
}

TEST_CASE("fasta: a stale .fai is rebuilt, or reported when rebuilding is off") {
  ScratchDir dir;
  const std::string path = dir.write("small.fa", kSmall);
  { IndexedFasta fa(path); }
  const std::string fai = path + ".fai";
  const auto fai_time = std::filesystem::last_write_time(fai);

  SUBCASE("the FASTA is newer than its index") {
    dir.write("small.fa", ">chrX\nACGTACGTAC\nGG\n>chr1\nAAAA\n");
    std::filesystem::last_write_time(path, fai_time + std::chrono::seconds(10));
    require_error_mentions(
        [&] { IndexedFasta fa(path, {.rebuild_stale_index = false}); },
        {fai, "stale", "modified after"});
    IndexedFasta fa(path);
    CHECK(fa.index_was_built());
    CHECK(fa.names() == std::vector<std::string>{"chrX", "chr1"});
    CHECK(fa.fetch("chrX", 8, 13) == "ACGGN");
  }
  SUBCASE("the index's offsets do not fit the file, though it is newer") {
    dir.write("small.fa", ">chr1 first\nACGTACGTAC\nGT\n");
    std::filesystem::last_write_time(path, fai_time - std::chrono::seconds(10));
    require_error_mentions(
        [&] { IndexedFasta fa(path, {.rebuild_stale_index = false}); }, {fai, "stale"});
    IndexedFasta fa(path);
    CHECK(fa.index_was_built());
    CHECK(fa.names() == std::vector<std::string>{"chr1"});
    CHECK(fa.length("chr1") == 12);
  }
  SUBCASE("the index is not a .fai at all") {
    dir.write("small.fa.fai", "chr1\tlots\n");
    std::filesystem::last_write_time(fai, fai_time + std::chrono::seconds(10));
    require_error_mentions(
        [&] { IndexedFasta fa(path, {.rebuild_stale_index = false}); },
        {fai, ":1", "malformed", "lots"});
    IndexedFasta fa(path);
    CHECK(fa.length("chr2") == 12);
  }
}

TEST_CASE("fasta: the indexed reader reports bad files clearly") {
  ScratchDir dir;
  const std::string missing = (dir.path() / "nope.fa").string();
  require_error_mentions([&] { IndexedFasta fa(missing); }, {missing, "no such file"});
  const std::string empty = dir.write("empty.fa", "");
  require_error_mentions([&] { IndexedFasta fa(empty); }, {empty, "empty"});
  // Unequal line lengths inside a record: htslib cannot index it.
  const std::string ragged = dir.write("ragged.fa", ">a\nACGT\nAC\nACGT\n");
  require_error_mentions([&] { IndexedFasta fa(ragged); }, {ragged + ":3", "same length"});
  // htslib indexes anything; bad characters are caught when fetched.
  const std::string bad = dir.write("bad.fa", ">a\nACGTXACGT\n");
  IndexedFasta fa(bad);
  require_error_mentions([&] { (void)fa.fetch("a", 0, 9); }, {bad, "'X'", "'a'", "position 5"});
}

TEST_CASE("fasta: the record parser reads plain, CRLF and gzip files") {
  ScratchDir dir;
  const std::string plain = dir.write("a.fa", kSmall);
  auto recs = read_fasta_records(plain);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].name == "chr1");
  CHECK(recs[0].description == "first");
  CHECK(recs[0].seq == "ACGTACGTACGTacgtNNNNAC");
  CHECK(recs[0].line == 1);
  CHECK(recs[1].name == "chr2");
  CHECK(recs[1].line == 5);

  const std::string crlf = dir.write("crlf.fa", ">s1 x\r\nACGT\r\nAC\r\n\r\n>s2\r\nRYKM\r\n");
  recs = read_fasta_records(crlf);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].seq == "ACGTAC");
  CHECK(recs[0].description == "x");
  CHECK(recs[1].seq == "RYKM");

  const std::string bgz = (dir.path() / "a.fa.gz").string();
  write_bgzip(bgz, kSmall);
  recs = read_fasta_records(bgz);
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].seq == "TTTTGGGGCCCC");

  // Plain gzip too (the E. coli file), and InMemoryGenome pads like the indexed reader.
  const EcoliGenome& g = ecoli();
  recs = read_fasta_records(ecoli_fasta_gz());
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].seq == g.sequence);
  InMemoryGenome mem(std::move(recs), "ecoli");
  CHECK(mem.fetch("NC_000913.3", -3, 2) == "NNN" + g.sequence.substr(0, 2));
}

TEST_CASE("fasta: the record parser names file, line and value for bad input") {
  ScratchDir dir;
  const std::string empty = dir.write("empty.fa", "");
  require_error_mentions([&] { read_fasta_records(empty); }, {empty, "empty"});
  const std::string blank = dir.write("blank.fa", "\n\r\n  \n");
  require_error_mentions([&] { read_fasta_records(blank); }, {blank, "empty"});

  const std::string no_header = dir.write("nohdr.fa", "\nACGTACGT\n>a\nAC\n");
  require_error_mentions([&] { read_fasta_records(no_header); },
                         {no_header + ":2", "'>'", "ACGTACGT"});

  const std::string dup = dir.write("dup.fa", ">a\nAC\n>b\nGT\n>a desc\nTT\n");
  require_error_mentions([&] { read_fasta_records(dup); },
                         {dup + ":5", "duplicate", "'a'", "line 1"});

  const std::string empty_record = dir.write("emptyrec.fa", ">a\nAC\n>b\n>c\nGT\n");
  require_error_mentions([&] { read_fasta_records(empty_record); }, {empty_record + ":3", "'b'"});
  const std::string empty_last = dir.write("emptylast.fa", ">a\nAC\n>z\n");
  require_error_mentions([&] { read_fasta_records(empty_last); }, {empty_last + ":3", "'z'"});

  const std::string no_name = dir.write("noname.fa", "> x\nAC\n");
  require_error_mentions([&] { read_fasta_records(no_name); }, {no_name + ":1", "name"});

  const std::string bad_char = dir.write("badchar.fa", ">a\nACGT\nACGTJ\n");
  require_error_mentions([&] { read_fasta_records(bad_char); },
                         {bad_char + ":3:5", "'J'", "'a'"});
  const std::string digit = dir.write("digit.fa", ">a\nAC1GT\n");
  require_error_mentions([&] { read_fasta_records(digit); }, {digit + ":2:3", "'1'"});
  const std::string ctrl = dir.write("ctrl.fa", std::string(">a\nAC\x01GT\n"));
  require_error_mentions([&] { read_fasta_records(ctrl); }, {ctrl + ":2:3", "\\x01"});
  const std::string gap = dir.write("gap.fa", ">a\nAC-GT\n");
  require_error_mentions([&] { read_fasta_records(gap); }, {gap + ":2:3", "'-'"});

  const std::string missing = (dir.path() / "missing.fa").string();
  require_error_mentions([&] { read_fasta_records(missing); }, {missing});
}
#endif  // DNAGRAD_WITH_GENOMICS_IO

TEST_CASE("fasta: two records of one name are an error naming both lines, plain or bgzip, first "
          "index or later") {
  ScratchDir dir;
  // chr1 again at the end, in the middle, and as the last of three: htslib's index keeps only
  // the first chr1 and would silently drop the other.
  const std::vector<std::string> texts = {
      std::string(kSmall) + ">chr1\nAAAA\n",
      ">chr1\nACGT\n>chr1 again\nGGGG\n>chr2\nTTTT\n",
      ">a\nAC\n>b\nGG\n>a\nTT\n",
  };
  const std::vector<std::string> where = {":8:", ":3:", ":5:"};
  for (size_t t = 0; t < texts.size(); ++t) {
    for (const bool bgzip : {false, true}) {
      const std::string path =
          (dir.path() / ("dup" + std::to_string(t) + (bgzip ? ".fa.gz" : ".fa"))).string();
      if (bgzip)
        write_bgzip(path, texts[t]);
      else
        dir.write(path.substr(path.rfind('/') + 1), texts[t]);
      for (int run = 0; run < 2; ++run) {  // the second finds the index the first built
        INFO(path, " run ", run);
        require_error_mentions([&] { IndexedFasta fa(path); },
                               {path + where[t], "duplicate FASTA sequence name", "first used"});
      }
    }
  }
}
