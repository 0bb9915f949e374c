// The genomics pipeline's throughput: reading sequences from an indexed FASTA into one-hot
// batches, one training epoch of the promoter model (seed 002's recipe) on 20,000 synthetic
// 2 kb sequences, and variant effects streamed over a 1,000,000-record VCF (with the memory it
// held). All use random ACGT sequences: the timings do not depend on the bases.
#ifdef DNAGRAD_WITH_GENOMICS_IO
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bench/bench.h"
#include "core/error.h"
#include "core/files.h"
#include "genomics/data/datasets.h"
#include "genomics/interpret/variant_effect.h"
#include "genomics/models/model_zoo.h"
#include "genomics/train/trainer.h"

namespace dnagrad::bench {

namespace {

std::vector<std::string> random_sequences(int64_t n, int64_t length, Generator& gen) {
  std::vector<std::string> out(static_cast<size_t>(n),
                               std::string(static_cast<size_t>(length), 'A'));
  for (std::string& s : out)
    for (char& c : s) c = "ACGT"[gen.next_u64() & 3];
  return out;
}

}  // namespace

std::vector<Measurement> pipeline_benchmarks(const Config& config) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "dnagrad-bench-pipeline";
  fs::create_directories(dir);
  Generator gen(config.seed);
  std::vector<Measurement> results;

  // Loading: 20,000 records of 2,000 bp (40 MB, 60-column lines) through htslib's faidx and the
  // DataLoader's one-hot batches of 256.
  constexpr int64_t kSequences = 20000, kLength = 2000;
  {
    if (!config.quiet) std::cerr << "bench: FASTA loading + one-hot...\n";
    const std::vector<std::string> seqs = random_sequences(kSequences, kLength, gen);
    std::ostringstream fasta;
    for (int64_t i = 0; i < kSequences; ++i) {
      fasta << ">seq" << i << "\n";
      const std::string& s = seqs[static_cast<size_t>(i)];
      for (size_t p = 0; p < s.size(); p += 60)
        fasta.write(s.data() + p, static_cast<std::streamsize>(std::min<size_t>(60, s.size() - p)))
            << "\n";
    }
    const std::string path = (dir / "sequences.fa").string();
    write_file_atomically(path, fasta.str());
    fs::remove(path + ".fai");
    genomics::DataSpec spec;
    spec.fasta = path;
    spec.labelled = false;
    const genomics::SequenceDataset data = genomics::load_dataset(spec);  // builds the .fai
    std::vector<int64_t> rows(static_cast<size_t>(data.size()));
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
    const genomics::DataLoader loader(data, rows, {.batch_size = 256});
    Measurement m{
        "fasta_onehot_20k_2kb", "indexed FASTA → one-hot batches of 256, 20,000 × 2 kb", {}, {}};
    m.runs_ms = time_runs(
        [&]() {
          loader.for_each_batch(0, [](int64_t, const genomics::Batch& b) {
            if (b.x.numel() == 0) std::cerr << "";
          });
        },
        config.warmup, config.repeats);
    m.extra["sequences_per_s"] = static_cast<double>(kSequences) / (m.median_ms() / 1e3);
    results.push_back(m);
  }

  // One epoch of the promoter model: 20,000 training sequences (313 batches of 64, reverse-
  // complement augmentation), then validation on 512 and the checkpoint writes. Timed once:
  // an epoch is long enough that its run-to-run noise is small.
  {
    if (!config.quiet) std::cerr << "bench: one promoter epoch on 20,000 sequences...\n";
    constexpr int64_t kVal = 512;
    std::vector<std::string> names;
    for (int64_t i = 0; i < kSequences + kVal; ++i) names.push_back(cat("s", i));
    std::vector<float> targets(static_cast<size_t>(kSequences + kVal));
    for (float& t : targets) t = static_cast<float>(gen.uniform());
    const genomics::SequenceDataset data = genomics::in_memory_dataset(
        "synthetic promoters", names, random_sequences(kSequences + kVal, kLength, gen),
        {"expression"}, targets);
    genomics::TrainRun run;
    run.data = &data;
    for (int64_t i = 0; i < kSequences; ++i) run.split.train.push_back(i);
    for (int64_t i = kSequences; i < kSequences + kVal; ++i) run.split.val.push_back(i);
    run.out_dir = (dir / "promoter-epoch").string();
    genomics::TrainConfig recipe;  // seed 002's defaults
    recipe.epochs = 1;
    recipe.seed = config.seed;
    Measurement m{
        "promoter_epoch_20k", "promoter model: one training epoch, 20,000 × 2 kb", {}, {}};
    m.runs_ms = time_runs([&]() { genomics::train(run, recipe); }, 0, 1);
    m.extra["sequences_per_s"] = static_cast<double>(kSequences) / (m.median_ms() / 1e3);
    results.push_back(m);
  }

  // Variant effects streamed over a VCF of 1,000,000 SNVs (every other base of a random 2 Mb
  // contig), through score_vcf_file in chunks of 10,000 records as `dnagrad variant-effect`
  // runs it, with the 64 bp binary cnn-classifier (random weights: the timing does not depend
  // on them). Each chunk's TSV rows are rendered and dropped. Memory: the process's resident
  // size after the first chunk and the most it reached later; constant memory means the two
  // stay close however long the VCF is. Timed once.
  {
    if (!config.quiet) std::cerr << "bench: variant effects of 1,000,000 VCF records...\n";
    constexpr int64_t kContig = 2'000'000, kRecords = 1'000'000, kChunk = 10'000;
    const std::string genome = random_sequences(1, kContig, gen).front();
    std::ostringstream fasta;
    fasta << ">chr1\n";
    for (int64_t p = 0; p < kContig; p += 60)
      fasta.write(genome.data() + p, std::min<int64_t>(60, kContig - p)) << "\n";
    const std::string fasta_path = (dir / "genome.fa").string();
    write_file_atomically(fasta_path, fasta.str());
    fs::remove(fasta_path + ".fai");
    std::ostringstream vcf;
    vcf << "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=" << kContig
        << ">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";
    for (int64_t i = 0; i < kRecords; ++i) {
      const int64_t pos = 1 + 2 * i;  // 1-based, 1 .. 1,999,999
      const char ref = genome[static_cast<size_t>(pos - 1)];
      const char alt = "ACGT"[(std::string("ACGT").find(ref) + 1 + gen.next_u64() % 3) % 4];
      vcf << "chr1\t" << pos << "\tv" << i << "\t" << ref << "\t" << alt << "\t.\t.\t.\n";
    }
    const std::string vcf_path = (dir / "variants.vcf").string();
    write_file_atomically(vcf_path, vcf.str());

    genomics::TrainedModel model;
    model.spec = {.name = "cnn-classifier", .input_length = 64, .outputs = 1};
    model.task = genomics::Task::Binary;
    model.module = genomics::make_model(model.spec, gen);
    model.module->eval();
    const genomics::IndexedFasta reference(fasta_path);
    auto resident_mb = [] {  // /proc/self/statm: size and resident, in pages
      std::ifstream statm("/proc/self/statm");
      double size = 0, resident = 0;
      statm >> size >> resident;
      return resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
    };
    double after_first = 0, most = 0, rows_bytes = 0;
    int64_t chunks = 0, scored = 0;
    Measurement m{"variant_effect_1m",
                  "variant effects streamed, 1,000,000 SNVs, cnn-classifier 64 bp, chunks of "
                  "10,000",
                  {},
                  {}};
    m.runs_ms = time_runs(
        [&]() {
          const genomics::VariantEffects total = genomics::score_vcf_file(
              model, reference, vcf_path, {}, kChunk, [&](const genomics::VariantEffects& chunk) {
                rows_bytes += static_cast<double>(genomics::variant_effects_rows(chunk).size());
                const double now = resident_mb();
                if (chunks++ == 0) after_first = now;
                most = std::max(most, now);
              });
          scored = total.scored;
        },
        0, 1);
    DNAGRAD_CHECK(scored == kRecords, "bench: ", scored, " of ", kRecords, " variants scored");
    m.extra["variants_per_s"] = static_cast<double>(kRecords) / (m.median_ms() / 1e3);
    m.extra["rss_mb_after_first_chunk"] = after_first;
    m.extra["rss_mb_max"] = most;
    m.extra["tsv_mb"] = rows_bytes / 1e6;
    results.push_back(m);
  }
  fs::remove_all(dir);
  return results;
}

}  // namespace dnagrad::bench
#endif
