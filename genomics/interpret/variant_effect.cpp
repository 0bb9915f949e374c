#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include "genomics/interpret/variant_effect.h"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <sstream>

#include "core/error.h"
#include "genomics/data/dataset.h"
#include "genomics/models/predict.h"

namespace dnagrad::genomics {

namespace {

// One window to run through the model: a record's ref window, or one of its alt windows.
struct Window {
  const Variant* variant;
  int64_t start;  // 0-based start on variant->chrom
  char alt;       // the base put at index L/2; 0 for the ref window
};

// A scored ALT allele: which windows hold its ref and alt sequences.
struct Scored {
  const Variant* variant;
  std::string alt;
  size_t ref_window, alt_window;
};

struct Plan {
  std::vector<Window> windows;
  std::vector<Scored> scored;
};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Output `k` of the model's predictions (task_predictions of its raw outputs) for every window.
std::vector<double> predictions(const TrainedModel& model, const SequenceDataset& windows,
                                const PredictOptions& predict, int64_t k, bool logit) {
  const int64_t t = model.spec.outputs;
  std::vector<int64_t> rows(static_cast<size_t>(windows.size()));
  std::iota(rows.begin(), rows.end(), 0);
  const Array p = logit ? predict_outputs(*model.module, windows, rows, t, predict)
                              .to(Device::cpu())
                              .to(DType::F32)
                        : predict_rows(*model.module, model.task, windows, rows, t, predict);
  std::vector<double> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i)
    out[i] = p.data<float>()[static_cast<int64_t>(i) * t + k];
  return out;
}

// The windows to run for `variants`, and which of them each scorable ALT allele needs; what
// cannot be scored goes into result's warnings and counts.
Plan plan_windows(const SequenceSource& genome, const std::vector<Variant>& variants,
                  const std::string& vcf_label, int64_t length, VariantEffects& result) {
  Plan plan;
  std::vector<Window>& windows = plan.windows;
  for (const Variant& v : variants) {
    const std::string where = cat(vcf_label, ":", v.line, ": ", v.chrom, ":", v.pos, ": ");
    const auto alleles = std::max<int64_t>(1, static_cast<int64_t>(v.alts.size()));
    if (!genome.contains(v.chrom)) {
      result.warnings.push_back(
          cat(where, "chromosome '", v.chrom, "' is not in ", genome.label(), "; record skipped"));
      result.unknown_contig += alleles;
      continue;
    }
    const int64_t at = v.pos - 1;  // 0-based
    const auto ref_end = at + static_cast<int64_t>(v.ref.size());
    const std::string there = genome.fetch(v.chrom, at, ref_end);
    if (upper(there) != upper(v.ref)) {
      const int64_t chrom_length = genome.length(v.chrom);
      result.warnings.push_back(
          cat(where, "VCF REF '", v.ref, "' but the genome has '", there, "'",
              ref_end > chrom_length ? cat(" (", v.chrom, " has ", chrom_length, " bases)") : "",
              "; record skipped"));
      result.ref_mismatch += alleles;
      continue;
    }
    std::string unsupported;
    const size_t ref_window = windows.size();
    for (const std::string& alt : v.alts) {
      if (!is_snv(v.ref, alt)) {
        unsupported += (unsupported.empty() ? "'" : ", '") + alt + "'";
        ++result.unsupported;
        continue;
      }
      if (windows.size() == ref_window) windows.push_back({&v, at - length / 2, 0});
      plan.scored.push_back({&v, alt, ref_window, windows.size()});
      windows.push_back({&v, at - length / 2, alt[0]});
    }
    if (v.alts.empty()) {
      result.warnings.push_back(cat(where, "ALT '.' has no alternative allele; record skipped"));
      ++result.unsupported;
    } else if (!unsupported.empty()) {
      result.warnings.push_back(cat(where, "ALT ", unsupported,
                                    " not supported yet (only single-base substitutions are "
                                    "scored); skipped"));
    }
  }
  return plan;
}

// "probability" or "logit" for a classifier's effects; "" for a regression model's values.
std::string effect_scale(const TrainedModel& model, const VariantEffectOptions& options) {
  if (model.task == Task::Regression) return "";
  return options.logit ? "logit" : "probability";
}

}  // namespace

VariantEffects score_variants(const TrainedModel& model, const SequenceSource& genome,
                              const std::vector<Variant>& variants, const std::string& vcf_label,
                              const VariantEffectOptions& options) {
  const int64_t length = options.length > 0 ? options.length : model.spec.input_length;
  DNAGRAD_CHECK(length > 0, "variant-effect: the window length is unknown; give --length");
  DNAGRAD_CHECK(options.output_index >= 0 && options.output_index < model.spec.outputs,
                "variant-effect: --output-index ", options.output_index,
                " is out of range; model '", model.spec.name, "' has ", model.spec.outputs,
                " output(s)");
  DNAGRAD_CHECK(options.batch_size > 0, "variant-effect: batch size ", options.batch_size,
                " is not positive");
  VariantEffects result;
  result.records = static_cast<int64_t>(variants.size());
  result.rc_average = options.rc_average;
  result.scale = effect_scale(model, options);

  const Plan plan = plan_windows(genome, variants, vcf_label, length, result);
  const std::vector<Window>& windows = plan.windows;
  result.scored = static_cast<int64_t>(plan.scored.size());
  if (windows.empty()) return result;

  // The windows as a dataset whose sequences are read from the genome batch by batch.
  SequenceDataset data;
  data.label = cat("windows of ", length, " bases around the variants of ", vcf_label);
  for (const Window& w : windows) {
    data.names.push_back(cat(w.variant->chrom, ":", w.variant->pos));
    data.chroms.push_back(w.variant->chrom);
    data.lengths.push_back(length);
  }
  data.sequence = [&genome, &windows, length](int64_t i) {
    const Window& w = windows[static_cast<size_t>(i)];
    std::string seq = genome.fetch(w.variant->chrom, w.start, w.start + length);
    if (w.alt != 0) seq[static_cast<size_t>(length / 2)] = w.alt;
    return seq;
  };
  PredictOptions predict{.batch_size = options.batch_size, .per_position = model.per_position};
  const std::vector<double> plain =
      predictions(model, data, predict, options.output_index, options.logit);
  std::vector<double> both;
  if (options.rc_average) {
    predict.rc_average = true;
    both = predictions(model, data, predict, options.output_index, options.logit);
  }
  for (const Scored& s : plan.scored) {
    const Variant& v = *s.variant;
    VariantEffect e{.chrom = v.chrom, .pos = v.pos, .id = v.id, .ref = v.ref, .alt = s.alt};
    e.pred_ref = plain[s.ref_window];
    e.pred_alt = plain[s.alt_window];
    e.delta = e.pred_alt - e.pred_ref;
    if (options.rc_average) {
      e.pred_ref_rc_avg = both[s.ref_window];
      e.pred_alt_rc_avg = both[s.alt_window];
      e.delta_rc_avg = e.pred_alt_rc_avg - e.pred_ref_rc_avg;
    }
    result.effects.push_back(std::move(e));
  }
  return result;
}

std::string VariantEffects::summary() const {
  return cat("variant-effect: ", records, " records, ",
             scored + ref_mismatch + unsupported + unknown_contig, " ALT alleles: ", scored,
             " scored, ", ref_mismatch, " skipped (REF mismatch), ", unsupported,
             " not supported (indel, symbolic or none), ", unknown_contig,
             " skipped (contig not in the genome)");
}

VariantEffects score_vcf_file(const TrainedModel& model, const SequenceSource& genome,
                              const std::string& vcf_path, const VariantEffectOptions& options,
                              size_t chunk_records,
                              const std::function<void(const VariantEffects&)>& on_chunk) {
  VariantEffects total;
  total.rc_average = options.rc_average;
  total.scale = effect_scale(model, options);
  read_vcf_chunks(vcf_path, chunk_records, [&](std::vector<Variant>& chunk) {
    const VariantEffects part = score_variants(model, genome, chunk, vcf_path, options);
    total.records += part.records;
    total.scored += part.scored;
    total.ref_mismatch += part.ref_mismatch;
    total.unsupported += part.unsupported;
    total.unknown_contig += part.unknown_contig;
    on_chunk(part);
  });
  return total;
}

std::string variant_effects_header(const VariantEffects& effects) {
  std::string header;
  if (!effects.scale.empty()) header += "# scale: " + effects.scale + "\n";
  header += "chrom\tpos\tid\tref\talt\tpred_ref\tpred_alt\tdelta";
  if (effects.rc_average) header += "\tpred_ref_rc_avg\tpred_alt_rc_avg\tdelta_rc_avg";
  return header + "\n";
}

std::string variant_effects_rows(const VariantEffects& effects) {
  std::ostringstream tsv;
  tsv.precision(7);
  for (const VariantEffect& e : effects.effects) {
    tsv << e.chrom << "\t" << e.pos << "\t" << e.id << "\t" << e.ref << "\t" << e.alt << "\t"
        << e.pred_ref << "\t" << e.pred_alt << "\t" << e.delta;
    if (effects.rc_average)
      tsv << "\t" << e.pred_ref_rc_avg << "\t" << e.pred_alt_rc_avg << "\t" << e.delta_rc_avg;
    tsv << "\n";
  }
  return tsv.str();
}

std::string variant_effects_tsv(const VariantEffects& effects) {
  return variant_effects_header(effects) + variant_effects_rows(effects);
}

}  // namespace dnagrad::genomics
#endif  // DNAGRAD_WITH_GENOMICS_IO
