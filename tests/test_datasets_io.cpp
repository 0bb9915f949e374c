// genomics/data/datasets.h: each layout load_dataset accepts, on small files written here and
// checked by plain string slicing (FASTA + labels, BED regions on both strands, GFF promoters,
// sequence tables, the course's TF-binding pair), the errors that name file, line and value, and
// the real chromosome 22 TF-binding files of ../shared/data.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "core/rng.h"
#include "genome_fixture.h"
#include "genomics/data/dataset.h"
#include "genomics/data/datasets.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
using namespace dnagrad::testing;

namespace {

std::string random_dna(Generator& gen, int64_t length, bool mixed_case = false) {
  std::string s;
  for (int64_t i = 0; i < length; ++i)
    s += (mixed_case && gen.uniform() < 0.3 ? "acgt" : "ACGT")[gen.next_u64() % 4];
  return s;
}

// A FASTA with 10 bases per line, so records span several lines.
std::string fasta_text(const std::vector<std::pair<std::string, std::string>>& records) {
  std::string out;
  for (const auto& [name, seq] : records) {
    out += ">" + name + " description\n";
    for (size_t i = 0; i < seq.size(); i += 10) out += seq.substr(i, 10) + "\n";
  }
  return out;
}

std::vector<std::string> all_sequences(const SequenceDataset& data) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < data.size(); ++i) out.push_back(data.sequence(i));
  return out;
}

}  // namespace

TEST_CASE("datasets io: FASTA records are joined with a label table in the table's order") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  ScratchDir dir;
  const std::string s1 = random_dna(gen, 25), s2 = random_dna(gen, 12, true),
                    s3 = random_dna(gen, 30, true), s4 = random_dna(gen, 7);
  DataSpec spec;
  spec.fasta = dir.write("seqs.fa", fasta_text({{"s1", s1}, {"s2", s2}, {"s3", s3}, {"s4", s4}}));
  spec.labels = dir.write("labels.tsv", "name\texpr\tgc\ns3\t1.5\t0.1\ns1\t-2\t0.2\ns4\t0\t0.3\n");
  const SequenceDataset data = load_dataset(spec);
  CHECK(data.names == std::vector<std::string>{"s3", "s1", "s4"});  // s2 has no label: unused
  CHECK(data.target_names == std::vector<std::string>{"expr", "gc"});
  CHECK(data.targets == std::vector<float>{1.5f, 0.1f, -2.0f, 0.2f, 0.0f, 0.3f});
  CHECK(data.lengths == std::vector<int64_t>{30, 25, 7});
  CHECK(all_sequences(data) == std::vector<std::string>{s3, s1, s4});
  CHECK(data.chroms == std::vector<std::string>(3, ""));
  CHECK_FALSE(data.targets_per_position);

  // Picked label columns, and another name column.
  spec.label_columns = {"gc"};
  CHECK(load_dataset(spec).targets == std::vector<float>{0.1f, 0.2f, 0.3f});
  spec.label_columns = {};
  spec.labels = dir.write("by_id.tsv", "value\tid\n4\ts2\n");
  spec.name_column = "id";
  const SequenceDataset by_id = load_dataset(spec);
  CHECK(by_id.names == std::vector<std::string>{"s2"});
  CHECK(by_id.targets == std::vector<float>{4});
  CHECK(by_id.sequence(0) == s2);
  spec.name_column = "";

  // Without labels (predict): every record, in the FASTA's order.
  DataSpec unlabelled;
  unlabelled.fasta = spec.fasta;
  unlabelled.labelled = false;
  const SequenceDataset all = load_dataset(unlabelled);
  CHECK(all.names == std::vector<std::string>{"s1", "s2", "s3", "s4"});
  CHECK(all.num_targets() == 0);
  CHECK(all_sequences(all) == std::vector<std::string>{s1, s2, s3, s4});

  // A label for a sequence the FASTA does not have, and a label that is not a number.
  spec.labels = dir.write("typo.tsv", "name\texpr\ns1\t1\ns9\t2\n");
  require_error_mentions([&] { load_dataset(spec); }, {"typo.tsv:3", "'s9'", "seqs.fa"});
  spec.labels = dir.write("nan.tsv", "name\texpr\ns1\t1\ns3\tabc\n");
  require_error_mentions([&] { load_dataset(spec); }, {"nan.tsv:3", "'expr'", "'abc'"});
  spec.labels = "";
  require_error_mentions([&] { load_dataset(spec); }, {"seqs.fa", "--labels"});
  spec.labels = dir.write("ok.tsv", "name\texpr\ns1\t1\n");
  spec.table = dir.write("t.csv", "seq,label\nACGT,1\n");
  require_error_mentions([&] { load_dataset(spec); }, {"exactly one data source"});
}

TEST_CASE("datasets io: BED regions are cut from the genome strand-aware") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  ScratchDir dir;
  const std::string chr1 = random_dna(gen, 60, true), chr2 = random_dna(gen, 40);
  DataSpec spec;
  spec.fasta = dir.write("genome.fa", fasta_text({{"chr1", chr1}, {"chr2", chr2}}));
  spec.bed = dir.write("regions.bed",
                       "track name=test\n"
                       "chr1\t5\t15\tr_plus\t0\t+\n"
                       "chr1\t20\t32\tr_minus\t0\t-\n"
                       "chr2\t0\t10\tr_two\t0\t.\n");
  spec.labels = dir.write("labels.tsv", "region\ty\nr_minus\t1\nr_plus\t2\nr_two\t3\n");
  const SequenceDataset data = load_dataset(spec);
  CHECK(data.names == std::vector<std::string>{"r_minus", "r_plus", "r_two"});
  CHECK(data.chroms == std::vector<std::string>{"chr1", "chr1", "chr2"});
  CHECK(data.lengths == std::vector<int64_t>{12, 10, 10});
  CHECK(data.targets == std::vector<float>{1, 2, 3});
  // '-' is the reverse complement of the slice; '+' and '.' the slice itself.
  CHECK(data.sequence(0) == rc_for_test(chr1.substr(20, 12)));
  CHECK(data.sequence(1) == chr1.substr(5, 10));
  CHECK(data.sequence(2) == chr2.substr(0, 10));

  // Without labels every region is used; one without a name is named by its coordinates.
  spec.labelled = false;
  spec.bed = dir.write("unnamed.bed", "chr2\t3\t9\n");
  const SequenceDataset unnamed = load_dataset(spec);
  CHECK(unnamed.names == std::vector<std::string>{"chr2:3-9"});
  CHECK(unnamed.sequence(0) == chr2.substr(3, 6));

  spec.bed = dir.write("bad.bed", "chr1\t1\t5\ta\nchr9\t1\t5\tb\n");
  require_error_mentions([&] { load_dataset(spec); }, {"chr9", "bad.bed:2"});
}

TEST_CASE("datasets io: GFF genes give their promoters, strand-aware") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  ScratchDir dir;
  const std::string chr1 = random_dna(gen, 100);
  DataSpec spec;
  spec.fasta = dir.write("genome.fa", fasta_text({{"chr1", chr1}}));
  // GFF is 1-based inclusive: alpha [40, 60) on '+' (TSS 40), beta [10, 20) on '-' (TSS 20),
  // gamma [5, 15) on '+' (TSS 5, its promoter runs off the chromosome's start).
  spec.genes = dir.write("genes.gff3",
                         "##gff-version 3\n"
                         "chr1\tsrc\tgene\t41\t60\t.\t+\t.\tID=g1;Name=alpha\n"
                         "chr1\tsrc\tmRNA\t41\t60\t.\t+\t.\tID=t1;Parent=g1\n"
                         "chr1\tsrc\tgene\t11\t20\t.\t-\t.\tID=g2;Name=beta\n"
                         "chr1\tsrc\tgene\t6\t15\t.\t+\t.\tID=g3;Name=gamma\n");
  spec.upstream = 10;
  spec.labels = dir.write("expr.tsv", "gene\texpr\nbeta\t1\ngamma\t3\nalpha\t2\n");
  const SequenceDataset data = load_dataset(spec);
  CHECK(data.names == std::vector<std::string>{"beta", "gamma", "alpha"});
  CHECK(data.lengths == std::vector<int64_t>{10, 10, 10});
  CHECK(data.chroms == std::vector<std::string>(3, "chr1"));
  CHECK(data.sequence(0) == rc_for_test(chr1.substr(20, 10)));  // [TSS, TSS + 10) reversed
  CHECK(data.sequence(1) == padded_slice(chr1, -5, 5));
  CHECK(data.sequence(2) == chr1.substr(30, 10));  // [TSS - 10, TSS)

  spec.upstream = 0;
  require_error_mentions([&] { load_dataset(spec); }, {"--upstream", "0"});
  spec.upstream = 10;
  spec.bed = dir.write("r.bed", "chr1\t0\t5\tx\n");
  require_error_mentions([&] { load_dataset(spec); }, {"--bed", "--genes"});
}

TEST_CASE("datasets io: sequence tables give in-memory datasets, checked base by base") {
  ScratchDir dir;
  DataSpec spec;
  spec.table = dir.write("t.csv", "seq,label\nACGTAC,1\naacctt,0\nNNACGG,1\n");
  const SequenceDataset data = load_dataset(spec);
  CHECK(data.names == std::vector<std::string>{"line_2", "line_3", "line_4"});
  CHECK(data.target_names == std::vector<std::string>{"label"});
  CHECK(data.targets == std::vector<float>{1, 0, 1});
  CHECK(all_sequences(data) == std::vector<std::string>{"ACGTAC", "aacctt", "NNACGG"});
  CHECK(data.lengths == std::vector<int64_t>(3, 6));

  // A name column, a picked label column, another sequence column, and a TSV.
  spec.table = dir.write("t.tsv", "id\tdna\tscore\textra\nx\tACG\t0.5\t9\ny\tTTT\t-1\t8\n");
  spec.seq_column = "dna";
  spec.name_column = "id";
  spec.label_columns = {"score"};
  const SequenceDataset named = load_dataset(spec);
  CHECK(named.names == std::vector<std::string>{"x", "y"});
  CHECK(named.target_names == std::vector<std::string>{"score"});
  CHECK(named.targets == std::vector<float>{0.5f, -1.0f});
  spec.label_columns = {};
  CHECK(load_dataset(spec).target_names == std::vector<std::string>{"score", "extra"});
  spec.labelled = false;
  CHECK(load_dataset(spec).num_targets() == 0);
  spec = DataSpec{};

  // Different lengths load, but the default (Exact) loader refuses them naming the sequences.
  spec.table = dir.write("uneven.csv", "seq,label\nACGT,1\nACGTAA,0\n");
  const SequenceDataset uneven = load_dataset(spec);
  require_error_mentions(
      [&] {
        DataLoader(uneven, {0, 1}, {});
      },
      {"uneven.csv", "'line_3'", "'line_2'", "--length"});

  spec.table = dir.write("bad_base.csv", "seq,label\nACGT,1\nACXT,0\n");
  require_error_mentions([&] { load_dataset(spec); },
                         {"bad_base.csv:3", "'seq'", "'X'", "position 3"});
  spec.table = dir.write("bad_label.csv", "seq,label\nACGT,1\nACGT,abc\n");
  require_error_mentions([&] { load_dataset(spec); }, {"bad_label.csv:3", "'label'", "'abc'"});
  spec.table = dir.write("empty_seq.csv", "seq,label\n,1\n");
  require_error_mentions([&] { load_dataset(spec); }, {"empty_seq.csv:2", "empty"});
  spec.table = dir.write("no_labels.csv", "seq\nACGT\n");
  require_error_mentions([&] { load_dataset(spec); }, {"no_labels.csv", "no label columns"});
}

TEST_CASE("datasets io: the course's TF-binding layout on a two-window pair of files") {
  ScratchDir dir;
  DataSpec spec;
  spec.tfbind_sequences = dir.write(
      "seqs.txt", "sequence\twindow_name\nACGTACGTAC\tchr22_100_109\nGGGGGCCCCC\tchr7_5_14\n");
  // Score columns in the other order than the windows: values are looked up by name.
  std::string scores = "chr7_5_14\tchr22_100_109\n";
  for (int t = 0; t < 10; ++t) scores += cat(100 + t, "\t", t, ".5\n");
  spec.tfbind_scores = dir.write("scores.txt", scores);
  const SequenceDataset data = load_dataset(spec);
  CHECK(data.names == std::vector<std::string>{"chr22_100_109", "chr7_5_14"});
  CHECK(data.chroms == std::vector<std::string>{"chr22", "chr7"});
  CHECK(data.num_targets() == 10);
  CHECK(data.target_names.front() == "pos_0");
  CHECK(data.target_names.back() == "pos_9");
  CHECK(data.targets_per_position);
  for (int t = 0; t < 10; ++t) {
    CHECK(data.targets_of(0)[t] == static_cast<float>(t + 0.5));
    CHECK(data.targets_of(1)[t] == static_cast<float>(100 + t));
  }
  CHECK(all_sequences(data) == std::vector<std::string>{"ACGTACGTAC", "GGGGGCCCCC"});

  // Without scores (predict) the windows alone; a window without a score column is an error.
  spec.labelled = false;
  const SequenceDataset unlabelled = load_dataset(spec);
  CHECK(unlabelled.num_targets() == 0);
  CHECK_FALSE(unlabelled.targets_per_position);
  spec.labelled = true;
  spec.tfbind_scores = dir.write("short.txt", "chr22_100_109\n1\n2\n");
  require_error_mentions([&] { load_dataset(spec); }, {"short.txt", "'chr7_5_14'", "seqs.txt:3"});
  spec.tfbind_scores = dir.write("bad.txt", "chr7_5_14\tchr22_100_109\n1\t2\nx\t3\n");
  require_error_mentions([&] { load_dataset(spec); }, {"bad.txt:3", "'chr7_5_14'", "'x'"});
}

TEST_CASE("datasets io: the chromosome 22 TF-binding files load as 23,139 windows of 300") {
  const std::string dir = std::string(DNAGRAD_DATA_DIR) + "/tf_binding_chr22";
  DataSpec spec;
  spec.tfbind_sequences = dir + "/chr22_sequences.txt.gz";
  spec.tfbind_scores = dir + "/chr22_scores.txt.gz";
  if (!std::filesystem::exists(spec.tfbind_sequences) ||
      !std::filesystem::exists(spec.tfbind_scores))
    FAIL("the TF-binding data is missing: expected ", spec.tfbind_sequences, " and ",
         spec.tfbind_scores, " (the shared data folder ../shared/data, set by DNAGRAD_DATA_DIR)");
  const auto start = std::chrono::steady_clock::now();
  const SequenceDataset data = load_dataset(spec);
  MESSAGE("loaded the TF-binding pair in ",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), " s");
  REQUIRE(data.size() == 23139);
  REQUIRE(data.num_targets() == 300);
  CHECK(data.targets_per_position);
  // As `zcat chr22_sequences.txt.gz | head -2` shows.
  CHECK(data.names[0] == "chr22_10510500_10510799");
  CHECK(data.sequence(0) ==
        "GCAAGACTCAGTCTCAAGGAAAAAAAAAAGCTCGAAAAATGTTTGCTTATTTTGGTAAAATTATTCATTGACTATGCTCAGAAATC"
        "AAGCAAACTGTCCATATTTCATTTTTTGAAATTACATATTAAGGATCTAAAACAAAGGATAAAATATCTGCAAAAATATTTGCATT"
        "TCTGGATAAATTAGTTTCCTGATTTAACTCCTTGTTGACACTGAATATATTTTAAATTAAACAAGGTGCTGATAAGACAAAAGACA"
        "AAGAAAGAAATTCAAAATAAAATTGAAAGATGAAATCAGAGC");
  CHECK(data.names.back() == "chr22_50806800_50807099");
  CHECK(data.chroms == std::vector<std::string>(23139, "chr22"));
  // Window 385 (chr22_11049900_11050199), from awk on the scores file: positions 0..9 score
  // 6.933214, 221..230 score 6.398547, all others 0.
  REQUIRE(data.names[385] == "chr22_11049900_11050199");
  const float* t = data.targets_of(385);
  for (int p = 0; p < 300; ++p) {
    const float want = p < 10 ? 6.933214f : (p >= 221 && p <= 230) ? 6.398547f : 0.0f;
    INFO("position ", p);
    CHECK(t[p] == want);
  }
}
#endif  // DNAGRAD_WITH_GENOMICS_IO
