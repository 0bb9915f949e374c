// genomics/io/intervals: BED and GFF3/GTF readers and strand-aware extraction, checked against the
// real E. coli genome and annotation (promoters of every gene on both strands against plain
// string slicing), N padding at chromosome ends, and error messages naming file, line and value.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "genome_fixture.h"
#include "genomics/io/intervals.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
using namespace dnagrad::testing;

namespace {

const Gene& find_gene(const std::vector<Gene>& genes, const std::string& name) {
  auto it = std::find_if(genes.begin(), genes.end(), [&](const Gene& g) { return g.name == name; });
  REQUIRE_MESSAGE(it != genes.end(), "gene ", name, " not found");
  return *it;
}

// The expected promoter by plain slicing: + [start - up, start); - rc([end, end + up)).
std::string expected_promoter(const std::string& chrom, const Gene& g, long up) {
  if (g.strand == Strand::Plus) return padded_slice(chrom, g.start - up, g.start);
  return rc_for_test(padded_slice(chrom, g.end, g.end + up));
}

}  // namespace

TEST_CASE("intervals: the E. coli GFF3 gives 4,494 genes on both strands") {
  const auto genes = read_genes(ecoli_gff_gz());
  REQUIRE(genes.size() == 4494);
  std::map<Strand, int> per_strand;
  for (const auto& g : genes) ++per_strand[g.strand];
  CHECK(per_strand[Strand::Plus] == 2209);
  CHECK(per_strand[Strand::Minus] == 2285);
  const Gene& thrL = genes.front();
  CHECK(thrL.name == "thrL");
  CHECK(thrL.id == "gene-b0001");
  CHECK(thrL.chrom == "NC_000913.3");
  CHECK(thrL.start == 189);  // GFF 190..255, 1-based inclusive
  CHECK(thrL.end == 255);
  CHECK(thrL.strand == Strand::Plus);
  CHECK(thrL.tss() == 189);
  CHECK(thrL.origin.find(ecoli_gff_gz() + ":") == 0);
  const Gene& yaaA = find_gene(genes, "yaaA");  // 5683..6459 on -
  CHECK(yaaA.start == 5682);
  CHECK(yaaA.end == 6459);
  CHECK(yaaA.tss() == 6459);

  GeneReadOptions cds;
  cds.feature_types = {"CDS"};
  CHECK(read_genes(ecoli_gff_gz(), cds).size() == 4337);
}

TEST_CASE("intervals: promoters of all E. coli genes on both strands match plain slicing") {
  const EcoliGenome& eg = ecoli();
  const std::string& chrom = eg.sequence;
  IndexedFasta genome(eg.fasta);
  const auto genes = read_genes(ecoli_gff_gz());
  check_chromosomes(genes, genome);

  // Known genes: thrL (+) starts with ATG at 190; yaaA (-) ends at 6459, so its start codon is
  // the reverse complement of 6457..6459, and its promoter the reverse complement of what follows.
  const Gene& thrL = find_gene(genes, "thrL");
  CHECK(chrom.substr(189, 3) == "ATG");
  CHECK(promoter(thrL, genome, 0, 3) == "ATG");
  CHECK(promoter(thrL, genome, 100) == chrom.substr(89, 100));
  const Gene& yaaA = find_gene(genes, "yaaA");
  CHECK(rc_for_test(chrom.substr(6456, 3)) == "ATG");
  CHECK(promoter(yaaA, genome, 0, 3) == "ATG");
  CHECK(promoter(yaaA, genome, 100) == rc_for_test(chrom.substr(6459, 100)));
  CHECK(promoter(yaaA, genome, 100, 3) == rc_for_test(chrom.substr(6456, 103)));

  const long up = 100;
  int checked[2] = {0, 0}, start_codons = 0;
  for (const auto& g : genes) {
    INFO("gene ", g.name, " at ", g.origin);
    REQUIRE(promoter(g, genome, up) == expected_promoter(chrom, g, up));
    ++checked[g.strand == Strand::Plus ? 0 : 1];
    const std::string first3 = promoter(g, genome, 0, 3);
    if (first3 == "ATG" || first3 == "GTG" || first3 == "TTG") ++start_codons;
  }
  CHECK(checked[0] == 2209);
  CHECK(checked[1] == 2285);
  // Protein-coding genes (4,337 CDS of 4,494 genes) read 5'->3' begin with a start codon; a
  // strand mix-up would make that chance level.
  MESSAGE("genes starting with ATG/GTG/TTG: ", start_codons, " of ", genes.size());
  CHECK(start_codons > 4200);
}

TEST_CASE("intervals: promoters and intervals past a chromosome end are padded with N") {
  const EcoliGenome& eg = ecoli();
  const std::string& chrom = eg.sequence;
  const long len = static_cast<long>(chrom.size());
  IndexedFasta genome(eg.fasta);
  const auto genes = read_genes(ecoli_gff_gz());

  const Gene& thrL = find_gene(genes, "thrL");  // TSS at 189
  const std::string p = promoter(thrL, genome, 500);
  REQUIRE(p.size() == 500);
  CHECK(p == std::string(311, 'N') + chrom.substr(0, 189));

  // The '-' gene closest to the end: its promoter runs past the end, and after reverse-
  // complementing the padding comes first.
  const Gene* last_minus = nullptr;
  for (const auto& g : genes)
    if (g.strand == Strand::Minus && (!last_minus || g.end > last_minus->end)) last_minus = &g;
  REQUIRE(last_minus != nullptr);
  const long up = len - last_minus->end + 40;
  const std::string q = promoter(*last_minus, genome, up);
  REQUIRE(static_cast<long>(q.size()) == up);
  CHECK(q == std::string(40, 'N') + rc_for_test(chrom.substr(last_minus->end)));

  ScratchDir dir;
  const std::string bed = dir.write("ends.bed",
                                    "NC_000913.3\t4641600\t4641700\tend_plus\t0\t+\n"
                                    "NC_000913.3\t4641600\t4641700\tend_minus\t0\t-\n"
                                    "NC_000913.3\t0\t10\n");
  const auto ivs = read_bed(bed);
  REQUIRE(ivs.size() == 3);
  CHECK(extract(ivs[0], genome) == chrom.substr(4641600) + std::string(48, 'N'));
  CHECK(extract(ivs[1], genome) == std::string(48, 'N') + rc_for_test(chrom.substr(4641600)));
  CHECK(extract(ivs[2], genome) == chrom.substr(0, 10));
}

TEST_CASE("intervals: BED columns, comments, CRLF and optional fields") {
  ScratchDir dir;
  const std::string bed = dir.write("a.bed",
                                    "track name=x\n"
                                    "browser position chr1\n"
                                    "# comment\n"
                                    "\n"
                                    "chr1\t0\t5\r\n"
                                    "chr1\t2\t8\tfeat\t3.5\t-\textra\tcols\n"
                                    "chr2 1 3 spaced . +\n"
                                    "chr2\t4\t4\tempty\t.\t.\n");
  const auto ivs = read_bed(bed);
  REQUIRE(ivs.size() == 4);
  CHECK(ivs[0].chrom == "chr1");
  CHECK(ivs[0].end == 5);
  CHECK(ivs[0].strand == Strand::Unknown);
  CHECK(ivs[0].origin == bed + ":5");
  CHECK(ivs[1].name == "feat");
  CHECK(ivs[1].score == 3.5);
  CHECK(ivs[1].strand == Strand::Minus);
  CHECK(ivs[2].name == "spaced");
  CHECK(ivs[2].strand == Strand::Plus);
  CHECK(ivs[3].start == ivs[3].end);

  InMemoryGenome genome({{"chr1", "", "ACGTTGCAaa", 1}, {"chr2", "", "GGCCA", 3}}, "mem");
  CHECK(extract(ivs[0], genome) == "ACGTT");
  CHECK(extract(ivs[1], genome) == "TGCAAC");  // rc of GTTGCA
  CHECK(extract(ivs[2], genome) == "GC");
  CHECK(extract(ivs[3], genome).empty());
}

TEST_CASE("intervals: BED errors name the file, line and value") {
  ScratchDir dir;
  auto bad = [&](const std::string& name, const std::string& line,
                 std::initializer_list<std::string> pieces) {
    const std::string path = dir.write(name, "chr1\t0\t10\n" + line + "\n");
    std::vector<std::string> all(pieces);
    all.push_back(path + ":2");
    std::string message;
    try {
      read_bed(path);
    } catch (const std::exception& e) {
      message = e.what();
    }
    INFO("error message: ", message);
    REQUIRE_FALSE(message.empty());
    for (const auto& p : all) CHECK(message.find(p) != std::string::npos);
  };
  bad("few.bed", "chr1\t5", {"at least 3 columns", "found 2"});
  bad("order.bed", "chr1\t20\t10", {"20", "greater than end 10"});
  bad("neg.bed", "chr1\t-5\t10", {"-5", "negative"});
  bad("negend.bed", "chr1\t0\t-1", {"-1", "negative"});
  bad("alpha.bed", "chr1\tten\t20", {"'ten'", "not an integer"});
  bad("float.bed", "chr1\t1.5\t20", {"'1.5'", "not an integer"});
  bad("strand.bed", "chr1\t0\t5\tn\t0\tx", {"strand 'x'"});
  bad("score.bed", "chr1\t0\t5\tn\tlots", {"score 'lots'"});

  const std::string path = dir.write("chrom.bed", "chr1\t0\t5\nchrUn\t1\t4\tmystery\n");
  const auto ivs = read_bed(path);
  InMemoryGenome genome({{"chr1", "", "ACGTACGT", 1}}, "genome.fa");
  require_error_mentions([&] { check_chromosomes(ivs, genome); },
                         {path + ":2", "unknown chromosome 'chrUn'", "mystery", "genome.fa"});
  require_error_mentions([&] { (void)extract(ivs[1], genome); },
                         {path + ":2", "'chrUn'", "genome.fa"});
}

TEST_CASE("intervals: GFF3 and GTF gene records and their errors") {
  ScratchDir dir;
  const std::string gtf = dir.write(
      "a.gtf",
      "#!genome-build test\n"
      "chr1\tsrc\tgene\t3\t6\t.\t-\t.\tgene_id \"G1\"; gene_name \"alpha\";\n"
      "chr1\tsrc\texon\t3\t6\t.\t-\t.\tgene_id \"G1\"; transcript_id \"T1\";\n"
      "chr1\tsrc\tgene\t1\t2\t.\t+\t.\tgene_id \"G2\"; note \"a=b\";\n");
  const auto genes = read_genes(gtf);
  REQUIRE(genes.size() == 2);
  CHECK(genes[0].name == "alpha");
  CHECK(genes[0].id == "G1");
  CHECK(genes[0].start == 2);
  CHECK(genes[0].end == 6);
  CHECK(genes[0].tss() == 6);
  CHECK(genes[1].name == "G2");
  InMemoryGenome genome({{"chr1", "", "AACCGGTTAC", 1}}, "mem");
  // '-' gene: rc of [6, 9) = rc("TTA") = "TAA"; with down 2: rc([4, 9)) = rc("GGTTA") = "TAACC".
  CHECK(promoter(genes[0], genome, 3) == "TAA");
  CHECK(promoter(genes[0], genome, 3, 2) == "TAACC");
  CHECK(promoter(genes[1], genome, 3) == "NNN");

  const std::string gff = dir.write(
      "b.gff3",
      "##gff-version 3\n"
      "chr1\tsrc\tgene\t2\t4\t.\t+\t.\tID=g1;Name=one\n"
      "chr1\tsrc\tgene\t5\t7\t.\t.\t.\tID=g2\n"
      "chrQ\tsrc\tgene\t1\t3\t.\t+\t.\tID=g3;gene=three\n"
      "##FASTA\n>chr1\nACGT\n");
  const auto g3 = read_genes(gff);
  REQUIRE(g3.size() == 3);
  CHECK(g3[0].name == "one");
  CHECK(g3[2].name == "three");
  CHECK(promoter(g3[0], genome, 2, 1) == "NAA");
  require_error_mentions([&] { (void)promoter(g3[1], genome, 2); },
                         {gff + ":3", "'g2'", "no strand"});
  require_error_mentions([&] { (void)promoter(g3[2], genome, 2); },
                         {gff + ":4", "unknown chromosome 'chrQ'", "'three'", "mem"});
  require_error_mentions([&] { check_chromosomes(g3, genome); }, {gff + ":4", "'chrQ'"});

  auto bad = [&](const std::string& name, const std::string& line,
                 std::initializer_list<std::string> pieces) {
    const std::string path = dir.write(name, "##gff-version 3\n" + line + "\n");
    std::vector<std::string> all(pieces);
    all.push_back(path + ":2");
    std::string message;
    try {
      read_genes(path);
    } catch (const std::exception& e) {
      message = e.what();
    }
    INFO("error message: ", message);
    REQUIRE_FALSE(message.empty());
    for (const auto& p : all) CHECK(message.find(p) != std::string::npos);
  };
  bad("strand.gff", "chr1\ts\tgene\t1\t5\t.\t*\t.\tID=a", {"strand '*'"});
  bad("start.gff", "chr1\ts\tgene\tone\t5\t.\t+\t.\tID=a", {"start 'one'", "not an integer"});
  bad("end.gff", "chr1\ts\tgene\t1\t5e3\t.\t+\t.\tID=a", {"end '5e3'"});
  bad("zero.gff", "chr1\ts\tgene\t0\t5\t.\t+\t.\tID=a", {"start 0", "1-based"});
  bad("order.gff", "chr1\ts\tgene\t9\t5\t.\t+\t.\tID=a", {"start 9", "greater than end 5"});
  bad("cols.gff", "chr1\ts\tgene\t1\t5\t.\t+", {"9 tab-separated columns", "found 7"});
}
#endif  // DNAGRAD_WITH_GENOMICS_IO
