// The MEME reader: JASPAR's selected_TFs.meme and tangermeme's test files checked by hand,
// a round trip through meme_minimal, and every kind of bad input named by file:line:value.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "genomics/io/meme.h"
#include "genomics/motifs.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
namespace fs = std::filesystem;

namespace {

// A file of ../shared/data; fails the test with a clear message when the folder is missing.
std::string data_file(const std::string& relative) {
  const fs::path path = fs::path(DNAGRAD_DATA_DIR) / relative;
  REQUIRE_MESSAGE(fs::exists(path), "test data missing: ", path.string(),
                  " (the shared data folder ../shared/data, set by DNAGRAD_DATA_DIR)");
  return path.string();
}

// Probability of base b at position j.
double prob(const Motif& m, int b, int64_t j) { return m.probabilities()[b * m.width + j]; }

const std::string kHeader =
    "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
    "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n";

// The error message of parsing `text` as "bad.meme".
std::string error_of(const std::string& text) {
  try {
    parse_meme(text, "bad.meme");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("meme: JASPAR selected_TFs.meme by hand") {
  const std::vector<Motif> motifs = read_meme(data_file("jaspar/selected_TFs.meme"));
  // 18 JASPAR 2024 matrices plus the classic 19 bp CTCF MA0139.1 (see jaspar/SOURCE.txt).
  REQUIRE(motifs.size() == 19);
  CHECK(motifs[0].name == "MA0139.2");
  CHECK(motifs[0].alt_name == "CTCF");
  CHECK(motifs[0].width == 15);
  CHECK(motifs[0].sites == 913);
  CHECK(motifs[0].consensus == "GCCACCAGGGGGCGC");
  // First row " 0.307777  0.053669  0.491785  0.146769" (A C G T), as counts x nsites.
  CHECK(motifs[0].counts[0 * 15 + 0] == doctest::Approx(0.307777 * 913));
  CHECK(prob(motifs[0], 2, 0) == doctest::Approx(0.491785).epsilon(1e-5));
  CHECK(prob(motifs[0], 3, 14) == doctest::Approx(0.040749).epsilon(1e-5));

  const Motif& tbp = find_motif(motifs, "TBP", "selected_TFs.meme");
  CHECK(tbp.name == "MA0108.3");
  CHECK(tbp.width == 7);
  // The most probable base of each row: T .79, A .90, T .96, A .91, A .69, A .93, A .57.
  CHECK(tbp.consensus == "TATAAAA");
  CHECK(find_motif(motifs, "MAX", "x").consensus == "CACGTG");
  CHECK(find_motif(motifs, "sp1", "x").consensus == "GGGGCGGGG");  // names ignore case
  CHECK(find_motif(motifs, "MA0139.1", "x").width == 19);
  CHECK(find_motif(motifs, "CTCF", "x").name == "MA0139.2");   // the first of two CTCFs
  CHECK(find_motif(motifs, "GATA1", "x").name == "MA0035.5");  // not GATA1::TAL1
  CHECK_THROWS_WITH_AS(find_motif(motifs, "NFYA", "selected.meme"),
                       doctest::Contains("selected.meme: no motif named 'NFYA'"), Error);
}

TEST_CASE("meme: tangermeme's test files (tabs, no E=, identifiers only)") {
  const std::vector<Motif> a = read_meme(data_file("format_examples/test.meme"));
  REQUIRE(a.size() == 12);
  CHECK(a[0].name == "MEOX1_homeodomain_1");
  CHECK(a[0].alt_name.empty());
  CHECK(a[0].width == 10);
  CHECK(a[0].sites == 200);
  CHECK(prob(a[0], 0, 0) == doctest::Approx(0.30190).epsilon(1e-5));
  CHECK(a[11].name == "Hes1_MA1099.1");
  const std::vector<Motif> b = read_meme(data_file("format_examples/test2.meme"));
  REQUIRE(b.size() == 4);
  CHECK(b[3].alt_name == "FOXL1");
}

TEST_CASE("meme: the full JASPAR 2024 file reads") {
  const std::vector<Motif> motifs =
      read_meme(data_file("jaspar/JASPAR2024_CORE_vertebrates_non-redundant.meme"));
  CHECK(motifs.size() == 879);  // jaspar/SOURCE.txt: 879 matrices
}

TEST_CASE("meme: round trip through meme_minimal") {
  const std::vector<Motif> motifs = read_meme(data_file("jaspar/selected_TFs.meme"));
  const std::vector<Motif> again = parse_meme(meme_minimal(motifs), "written.meme");
  REQUIRE(again.size() == motifs.size());
  for (size_t k = 0; k < motifs.size(); ++k) {
    INFO("motif ", motifs[k].name);
    CHECK(again[k].name == motifs[k].name);
    CHECK(again[k].alt_name == motifs[k].alt_name);
    CHECK(again[k].width == motifs[k].width);
    CHECK(again[k].sites == motifs[k].sites);
    CHECK(again[k].consensus == motifs[k].consensus);
    const std::vector<double> p = motifs[k].probabilities(), q = again[k].probabilities();
    double worst = 0;
    for (size_t i = 0; i < p.size(); ++i) worst = std::max(worst, std::abs(p[i] - q[i]));
    CHECK(worst < 2e-6);  // 6 decimals written
  }
}

TEST_CASE("meme: optional parts may be missing") {
  // No ALPHABET, strands or background; keys glued to values; w= absent; nsites absent (20);
  // a log-odds matrix skipped; CRLF line ends.
  const std::vector<Motif> m = parse_meme(
      "MEME version 5\r\n\r\nMOTIF one\r\nletter-probability matrix: alength=4\r\n"
      "1 0 0 0\r\n0 0.5 0.5 0\r\n\r\nMOTIF two alt\r\n"
      "log-odds matrix: alength= 4 w= 1\r\n-1.5 2 0.3 -4\r\n"
      "letter-probability matrix: w=1 nsites=0\r\n0.1 0.2 0.3 0.4\r\n",
      "ok.meme");
  REQUIRE(m.size() == 2);
  CHECK(m[0].width == 2);
  CHECK(m[0].sites == 20);
  CHECK(m[0].consensus == "AC");  // the 0.5/0.5 tie goes to the first of A, C, G, T
  CHECK(m[1].alt_name == "alt");
  CHECK(m[1].sites == 0);
  CHECK(prob(m[1], 3, 0) == doctest::Approx(0.4));  // nsites= 0 keeps the probabilities
}

TEST_CASE("meme: bad input names the file, the line and the value") {
  const std::string motif = "MOTIF M1 X\nletter-probability matrix: alength= 4 w= 2 nsites= 5\n";
  // kHeader has 9 lines, so the motif starts on line 10 and its rows on line 12.
  CHECK(error_of("") == "bad.meme: empty file, not a MEME file");
  CHECK(error_of("\n>seq1\nACGT\n") ==
        "bad.meme:2: not a MEME file: expected 'MEME version' first, got '>seq1'");
  CHECK(error_of("MEME version 4\nALPHABET= ACGU\n") ==
        "bad.meme:2: alphabet 'ACGU' is not supported; expected ACGT (DNA)");
  CHECK(error_of("MEME version 4\nALPHABET \"RNA\" RNA-LIKE\n").find("bad.meme:2: custom") == 0);
  CHECK(error_of("MEME version 4\nBackground letter frequencies\nA 0.3 C 0.3 G 0.3 T 0.3\n") ==
        "bad.meme:3: background 'A 0.3 C 0.3 G 0.3 T 0.3' sums to 1.2, expected 1");
  CHECK(error_of(kHeader) == "bad.meme: no MOTIF in the file");
  CHECK(error_of(kHeader + motif + "0.25 0.25 0.25 0.25\n\n") ==
        "bad.meme:11: MOTIF M1: w= 2 but the matrix has 1 rows");
  CHECK(error_of(kHeader + motif + "0.25 0.25 0.25 0.25\n0.3 0.3 0.3 0.3\n") ==
        "bad.meme:13: MOTIF M1: row '0.3 0.3 0.3 0.3' sums to 1.2, expected 1 (within 0.01)");
  CHECK(error_of(kHeader + motif + "0.25 0.25 0.5\n") ==
        "bad.meme:12: MOTIF M1: row '0.25 0.25 0.5' has 3 values, expected 4 (A C G T)");
  CHECK(error_of(kHeader + motif + "0.5 0.5x 0 0\n") ==
        "bad.meme:12: MOTIF M1: '0.5x' is not a number");
  CHECK(error_of(kHeader + motif + "1.5 -0.5 0 0\n") ==
        "bad.meme:12: MOTIF M1: probability '1.5' is outside [0, 1]");
  CHECK(error_of(kHeader + "MOTIF M1\nletter-probability matrix: alength= 20 w= 1\n") ==
        "bad.meme:11: MOTIF M1: alength= '20': only DNA (4 letters, ACGT) is supported");
  CHECK(error_of(kHeader + "MOTIF M1\nletter-probability matrix: w= 2.5\n") ==
        "bad.meme:11: MOTIF M1: w= '2.5' is not a positive whole number");
  CHECK(error_of(kHeader + "MOTIF M1\nURL x\n\nMOTIF M2\n") ==
        "bad.meme:10: MOTIF M1 has no letter-probability matrix");
  CHECK(error_of(kHeader + "MOTIF\n") ==
        "bad.meme:10: 'MOTIF': expected 'MOTIF <identifier> [alternate name]'");
  CHECK_THROWS_WITH_AS(read_meme("/nonexistent/x.meme"),
                       "read_meme: cannot open /nonexistent/x.meme", Error);
}
