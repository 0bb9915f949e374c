// Variant effects (genomics/interpret/variant_effect.h) on a random genome and a hand-made VCF:
// SNVs at both ends of a chromosome, a multi-allelic record, an indel, a symbolic allele, REF
// mismatches and an unknown contig. Every delta is checked against the model run directly on
// windows built here by hand; batching and both-strand averaging are checked too.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "genome_fixture.h"
#include "genomics/interpret/variant_effect.h"
#include "genomics/models/model_zoo.h"
#include "genomics/sequence.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::genomics;

namespace {

constexpr int64_t kWindow = 12;  // even: the variant sits at index 6

std::string random_bases(Generator& gen, int64_t n) {
  std::string s;
  for (int64_t i = 0; i < n; ++i) s += kAlphabet[gen.next_u64() % 4];
  return s;
}

// A base other than `base`.
char other_base(char base, Generator& gen) {
  return kAlphabet[(base_index(base) + 1 + gen.next_u64() % 3) % 4];
}

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

// The window by hand: bases pos - 1 - L/2 ... of `chrom` (N outside), base L/2 set to `alt`
// unless alt is 0.
std::string window(const std::string& chrom, int64_t pos, char alt = 0) {
  std::string w;
  for (int64_t i = 0; i < kWindow; ++i) {
    const int64_t p = pos - 1 - kWindow / 2 + i;
    w += p < 0 || p >= static_cast<int64_t>(chrom.size()) ? 'N' : chrom[p];
  }
  if (alt != 0) w[kWindow / 2] = alt;
  return w;
}

// The model's raw outputs on one sequence, [T].
std::vector<double> outputs_on(nn::Module& model, const std::string& seq) {
  NoGrad no_grad;
  return model.forward(Tensor(one_hot({seq}))).data().to_vector();
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

struct Fixture {
  testing::ScratchDir dir;
  std::string chr1, chr2;  // chr2 is soft-masked (lowercase)
  std::unique_ptr<InMemoryGenome> genome;
  std::string vcf;
  std::vector<Variant> variants;
  std::string first_alt, last_alt, multi_alts, mixed_alt;

  explicit Fixture(Generator& gen) {
    chr1 = random_bases(gen, 40);
    chr2 = random_bases(gen, 30);
    for (char& c : chr2) c = static_cast<char>(std::tolower(c));
    genome = std::make_unique<InMemoryGenome>(
        parse_fasta(">chr1\n" + chr1 + "\n>chr2\n" + chr2 + "\n", "genome.fa"), "genome.fa");
    first_alt = {other_base(chr1[0], gen)};
    last_alt = {other_base(chr1[39], gen)};
    const char m1 = other_base(chr1[19], gen);
    char m2 = other_base(chr1[19], gen);
    while (m2 == m1) m2 = other_base(chr1[19], gen);
    multi_alts = {m1, ',', m2};
    mixed_alt = {other_base(upper(chr2[9]), gen)};
    const char wrong = other_base(chr1[29], gen);
    const auto rec = [](const std::string& chrom, int pos, const std::string& id,
                        const std::string& ref, const std::string& alt) {
      return chrom + "\t" + std::to_string(pos) + "\t" + id + "\t" + ref + "\t" + alt +
             "\t.\t.\t.\n";
    };
    vcf = dir.write("in.vcf",
                    "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
                        rec("chr1", 1, "first", {chr1[0]}, first_alt) +     // line 3
                        rec("chr1", 40, "last", {chr1[39]}, last_alt) +     // line 4
                        rec("chr1", 20, "multi", {chr1[19]}, multi_alts) +  // line 5
                        rec("chr1", 25, "indel", {chr1[24]}, std::string{chr1[24]} + "T") +  // 6
                        rec("chr1", 30, "bad", {wrong}, {chr1[29]}) +  // line 7
                        rec("chrZ", 5, "nochr", "A", "C") +            // line 8
                        rec("chr2", 10, "mixed", {upper(chr2[9])}, mixed_alt + ",<DEL>") +  // 9
                        rec("chr1", 45, "past", "A", "C"));  // line 10
    variants = read_vcf(vcf);
  }
};

TrainedModel regression_model(Generator& gen) {
  const ModelSpec spec{.name = "tfbind", .input_length = kWindow, .outputs = 1};
  TrainedModel model;
  model.module = make_model(spec, gen);
  model.spec = spec;
  return model;
}

}  // namespace

TEST_CASE("variant effect: deltas equal the model on windows built by hand") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Fixture f(gen);
  const TrainedModel model = regression_model(gen);
  const VariantEffects r =
      score_variants(model, *f.genome, f.variants, "in.vcf", {.batch_size = 3});

  CHECK(r.records == 8);
  CHECK(r.scored == 5);
  CHECK(r.unsupported == 2);   // the indel and <DEL>
  CHECK(r.ref_mismatch == 2);  // a wrong base, and a REF past the chromosome's end
  CHECK(r.unknown_contig == 1);
  CHECK(r.summary().find("8 records, 10 ALT alleles: 5 scored, 2 skipped (REF mismatch), 2 not "
                         "supported") != std::string::npos);
  REQUIRE(r.warnings.size() == 5);
  CHECK(r.warnings[0].find("in.vcf:6: chr1:25: ALT '" + std::string{f.chr1[24]} +
                           "T' not supported yet") == 0);
  CHECK(r.warnings[1].find("in.vcf:7: chr1:30: VCF REF '") == 0);
  CHECK(r.warnings[1].find("but the genome has '" + std::string{f.chr1[29]} + "'") !=
        std::string::npos);
  CHECK(r.warnings[2].find("in.vcf:8: chrZ:5: chromosome 'chrZ' is not in genome.fa") == 0);
  CHECK(r.warnings[3].find("in.vcf:9: chr2:10: ALT '<DEL>' not supported yet") == 0);
  CHECK(r.warnings[4].find("in.vcf:10: chr1:45: VCF REF 'A' but the genome has 'N' (chr1 has 40 "
                           "bases)") == 0);

  // (id, chromosome sequence, pos, alt) of each scored allele, in file order.
  struct Expected {
    std::string id;
    const std::string* chrom;
    int64_t pos;
    char alt;
  };
  const std::vector<Expected> expected = {{"first", &f.chr1, 1, f.first_alt[0]},
                                          {"last", &f.chr1, 40, f.last_alt[0]},
                                          {"multi", &f.chr1, 20, f.multi_alts[0]},
                                          {"multi", &f.chr1, 20, f.multi_alts[2]},
                                          {"mixed", &f.chr2, 10, f.mixed_alt[0]}};
  REQUIRE(r.effects.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const Expected& x = expected[i];
    const VariantEffect& e = r.effects[i];
    INFO("effect ", i, " (", x.id, ")");
    CHECK(e.id == x.id);
    CHECK(e.pos == x.pos);
    CHECK(e.alt == std::string{x.alt});
    const std::string ref_window = window(*x.chrom, x.pos);
    const std::string alt_window = window(*x.chrom, x.pos, x.alt);
    if (x.pos == 1) CHECK(ref_window.substr(0, 6) == "NNNNNN");
    if (x.pos == 40) CHECK(ref_window.substr(7) == "NNNNN");
    const double ref = outputs_on(*model.module, ref_window)[0];
    const double alt = outputs_on(*model.module, alt_window)[0];
    CHECK(e.pred_ref == doctest::Approx(ref).epsilon(1e-5));
    CHECK(e.pred_alt == doctest::Approx(alt).epsilon(1e-5));
    CHECK(std::abs(e.delta - (alt - ref)) <= 1e-5 * (1 + std::abs(ref)));
    CHECK(e.delta == e.pred_alt - e.pred_ref);
    CHECK(std::isnan(e.pred_ref_rc_avg));
  }

  const std::string tsv = variant_effects_tsv(r);
  CHECK(tsv.find("chrom\tpos\tid\tref\talt\tpred_ref\tpred_alt\tdelta\n") == 0);
  CHECK(std::count(tsv.begin(), tsv.end(), '\n') == 6);
  CHECK(tsv.find("\nchr1\t1\tfirst\t" + std::string{f.chr1[0]} + "\t" + f.first_alt + "\t") !=
        std::string::npos);
}

TEST_CASE("variant effect: batch size 1 agrees with larger batches") {
  // Not bit for bit: the CPU GEMMs sum in an order that depends on the batch size (a batch of
  // one takes Eigen's matrix-vector path), so float32 results differ in the last bits.
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Fixture f(gen);
  const TrainedModel model = regression_model(gen);
  const VariantEffects one =
      score_variants(model, *f.genome, f.variants, "in.vcf", {.rc_average = true, .batch_size = 1});
  const VariantEffects many =
      score_variants(model, *f.genome, f.variants, "in.vcf", {.rc_average = true});
  REQUIRE(one.effects.size() == many.effects.size());
  for (size_t i = 0; i < one.effects.size(); ++i) {
    const VariantEffect &a = one.effects[i], &b = many.effects[i];
    INFO("effect ", i);
    CHECK(a.alt == b.alt);
    CHECK(a.pred_ref == doctest::Approx(b.pred_ref).epsilon(1e-6));
    CHECK(a.pred_alt == doctest::Approx(b.pred_alt).epsilon(1e-6));
    CHECK(a.pred_ref_rc_avg == doctest::Approx(b.pred_ref_rc_avg).epsilon(1e-6));
    CHECK(a.pred_alt_rc_avg == doctest::Approx(b.pred_alt_rc_avg).epsilon(1e-6));
  }
}

TEST_CASE("variant effect: rc-average on a per-position binary model, output index 3") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const Fixture f(gen);
  // One logit per window position; output 3 belongs to base 3, which on the reverse complement
  // is output L - 1 - 3.
  const ModelSpec spec{.name = "tfbind", .input_length = kWindow, .outputs = kWindow};
  TrainedModel model;
  model.module = make_model(spec, gen);
  model.spec = spec;
  model.task = Task::Binary;
  model.per_position = true;
  const VariantEffects r = score_variants(model, *f.genome, f.variants, "in.vcf",
                                          {.output_index = 3, .rc_average = true});
  REQUIRE(r.effects.size() == 5);
  const VariantEffect& e = r.effects[4];  // chr2:10, soft-masked bases
  const std::string ref_window = window(f.chr2, 10), alt_window = window(f.chr2, 10, e.alt[0]);
  const auto both = [&](const std::string& w) {
    const double fwd = outputs_on(*model.module, w)[3];
    const double rev = outputs_on(*model.module, reverse_complement(w))[kWindow - 1 - 3];
    return std::pair{sigmoid(fwd), sigmoid(0.5 * (fwd + rev))};
  };
  const auto [ref, ref_avg] = both(ref_window);
  const auto [alt, alt_avg] = both(alt_window);
  CHECK(e.pred_ref == doctest::Approx(ref).epsilon(1e-5));
  CHECK(e.pred_alt == doctest::Approx(alt).epsilon(1e-5));
  CHECK(e.pred_ref_rc_avg == doctest::Approx(ref_avg).epsilon(1e-5));
  CHECK(e.pred_alt_rc_avg == doctest::Approx(alt_avg).epsilon(1e-5));
  CHECK(std::abs(e.delta_rc_avg - (alt_avg - ref_avg)) <= 1e-5);
  const std::string tsv = variant_effects_tsv(r);
  CHECK(tsv.find("\tdelta\tpred_ref_rc_avg\tpred_alt_rc_avg\tdelta_rc_avg\n") != std::string::npos);
}

TEST_CASE("variant effect: bad options are errors") {
  Generator gen(3);
  const Fixture f(gen);
  const TrainedModel model = regression_model(gen);
  CHECK_THROWS_WITH_AS(score_variants(model, *f.genome, f.variants, "in.vcf", {.output_index = 1}),
                       doctest::Contains("--output-index 1 is out of range"), Error);
  TrainedModel unknown_length = model;
  unknown_length.spec.input_length = 0;
  CHECK_THROWS_WITH_AS(score_variants(unknown_length, *f.genome, f.variants, "in.vcf", {}),
                       doctest::Contains("window length is unknown"), Error);
}
#endif  // DNAGRAD_WITH_GENOMICS_IO
