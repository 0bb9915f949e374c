// Variant effects (`dnagrad variant-effect`): what a single-base substitution does to a trained
// model's prediction,
//
//   delta = prediction(alt window) - prediction(ref window)
//
// The window: the L genome bases around the variant with the variant at index L / 2 (0-based).
// A VCF POS is 1-based, so for a variant at POS the window is the 0-based half-open interval
//   [POS - 1 - L/2, POS - 1 - L/2 + L)
// (odd L: the variant is the middle base; even L: the first base right of the middle). Bases past
// either end of the chromosome are N (SequenceSource::fetch), which one-hot encodes as an
// all-zero column. The alt window is the ref window with base L/2 replaced by the ALT base.
//
// The prediction is output `output_index` of the model, as `dnagrad predict` reports it
// (genomics/tasks.h task_predictions: the raw output for regression, the sigmoid probability for
// binary, the probability of class output_index for multiclass). With rc_average it is also
// given averaged over both strands like `predict --rc-average`: the raw outputs on the window and
// on its reverse complement are averaged (per-position outputs flipped back), then turned into
// predictions. Windows run through the model batch_size at a time (ref and alt windows of many
// variants mixed), in eval mode, without a graph.
//
// Records are taken in file order; each ALT allele of a record is one score (multi-allelic
// records share their ref window). What is not scored gets one warning line per record, naming
// the VCF file and line and the variant's chrom:pos, and is counted (in ALT alleles):
//   unknown_contig  CHROM is not a sequence of the genome: the record is skipped
//   ref_mismatch    REF differs from the genome's bases at [POS - 1, POS - 1 + len(REF))
//                   (case ignored; past the chromosome's end the genome has N): skipped
//   unsupported     an ALT that is not a single-base substitution (genomics/io/vcf.h is_snv):
//                   indels, multi-base substitutions, symbolic alleles (<DEL>, '*'); a record
//                   whose ALT is '.' counts as one such allele. Its SNV alleles are still scored.
// Built only with DNAGRAD_GENOMICS_IO (it reads the genome and the VCF through genomics/io).
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "genomics/io/fasta.h"
#include "genomics/io/vcf.h"
#include "genomics/models/trained_model.h"

namespace dnagrad::genomics {

struct VariantEffectOptions {
  int64_t length = 0;        // L, the window; 0 = the model's input length (spec.input_length)
  int64_t output_index = 0;  // which output of a multi-output model
  bool rc_average = false;   // also report predictions averaged over both strands
  int64_t batch_size = 256;  // windows per forward pass
  bool logit = false;        // classifiers: the model's output (logit), not the probability
};

struct VariantEffect {
  std::string chrom;
  int64_t pos = 0;  // 1-based, as in the VCF
  std::string id, ref, alt;
  double pred_ref = 0, pred_alt = 0, delta = 0;  // delta = pred_alt - pred_ref
  // With rc_average only (else NaN): the same on both strands.
  double pred_ref_rc_avg = std::numeric_limits<double>::quiet_NaN();
  double pred_alt_rc_avg = std::numeric_limits<double>::quiet_NaN();
  double delta_rc_avg = std::numeric_limits<double>::quiet_NaN();
};

struct VariantEffects {
  std::vector<VariantEffect> effects;  // one per scored ALT allele, in file order
  std::vector<std::string> warnings;   // one line per record with something not scored
  int64_t records = 0;
  // ALT alleles by outcome (see the header comment).
  int64_t scored = 0, ref_mismatch = 0, unsupported = 0, unknown_contig = 0;
  bool rc_average = false;  // whether the *_rc_avg fields are filled
  std::string scale;        // classifiers: "probability" or "logit"; "" for regression

  // "variant-effect: 7 records, 9 ALT alleles: 5 scored, 1 skipped (REF mismatch), ..."
  std::string summary() const;
};

// Scores `variants` (read from the file `vcf_label`, named in warnings) against `genome` with
// `model`. Throws for bad options (window length not positive, output_index out of range,
// batch_size not positive) and for model errors; per-record problems become warnings.
VariantEffects score_variants(const TrainedModel& model, const SequenceSource& genome,
                              const std::vector<Variant>& variants, const std::string& vcf_label,
                              const VariantEffectOptions& options);

// A whole VCF file scored in chunks of chunk_records records (constant memory for any VCF):
// on_chunk gets each chunk's effects, warnings and counts as soon as it is scored, in file
// order. Returns the totals (counts, rc_average, scale; effects and warnings empty).
VariantEffects score_vcf_file(const TrainedModel& model, const SequenceSource& genome,
                              const std::string& vcf_path, const VariantEffectOptions& options,
                              size_t chunk_records,
                              const std::function<void(const VariantEffects&)>& on_chunk);

// The effects as TSV (for a classifier first a line `# scale: probability|logit`): a header
// `chrom pos id ref alt pred_ref pred_alt delta`, with
// `pred_ref_rc_avg pred_alt_rc_avg delta_rc_avg` after it when effects.rc_average, then one line
// per effect; numbers with 7 significant digits. The header part and the rows part alone are
// for writing chunk by chunk.
std::string variant_effects_tsv(const VariantEffects& effects);
std::string variant_effects_header(const VariantEffects& effects);
std::string variant_effects_rows(const VariantEffects& effects);

}  // namespace dnagrad::genomics
