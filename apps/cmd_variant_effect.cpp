// `dnagrad variant-effect`: each SNV of a VCF scored by a trained model as
// prediction(alt window) - prediction(ref window) (genomics/interpret/variant_effect.h).
//   dnagrad variant-effect --checkpoint ck.safetensors --fasta genome.fa --vcf in.vcf
//                          --out effects.tsv [--rc-average]
// Records that cannot be scored get a warning line each on stderr; a summary line ends the run.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "apps/common.h"
#include "core/error.h"
#include "core/files.h"
#include "genomics/interpret/variant_effect.h"

namespace dnagrad::app {

namespace {

struct VariantEffectCliOptions {
  CommonOptions common;
  genomics::ModelSpec spec;  // unset fields come from the checkpoint
  std::string checkpoint, fasta, vcf, out;
  genomics::VariantEffectOptions scoring;
  std::string scale = "probability";
  size_t chunk_records = 10000;
};

int run_variant_effect(const VariantEffectCliOptions& o) {
  const Device device = apply_common_options(o.common);
  const genomics::TrainedModel model = genomics::load_trained_model(o.checkpoint, o.spec);
  model.module->to(device);  // windows are cut on the CPU and scored there in batches
  genomics::VariantEffectOptions scoring = o.scoring;
  scoring.logit = o.scale == "logit";
  const genomics::IndexedFasta genome(o.fasta);
  // Chunk by chunk into a temporary file, renamed over --out only when the whole VCF is scored:
  // constant memory, and nothing at --out when a record fails half way.
  AtomicFileWriter out(o.out);
  bool header_written = false;
  const genomics::VariantEffects total = genomics::score_vcf_file(
      model, genome, o.vcf, scoring, o.chunk_records, [&](const genomics::VariantEffects& chunk) {
        for (const std::string& w : chunk.warnings) std::cerr << "warning: " << w << "\n";
        if (!header_written) out.write(genomics::variant_effects_header(chunk));
        header_written = true;
        out.write(genomics::variant_effects_rows(chunk));
      });
  if (!header_written) out.write(genomics::variant_effects_header(total));  // no records
  out.commit();
  if (!o.common.quiet)
    std::cerr << total.summary() << " → " << o.out
              << (total.scale.empty() ? "" : "; scale: " + total.scale) << "\n";
  return 0;
}

}  // namespace

void add_variant_effect_command(CLI::App& app, Commands& commands) {
  auto o = std::make_shared<VariantEffectCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "variant-effect", "score VCF SNVs as prediction(alt) - prediction(ref) of a trained model");
  cmd->add_option("--checkpoint", o->checkpoint, "safetensors checkpoint")->required();
  cmd->add_option("--model", o->spec.name, "model name (default: from the checkpoint)");
  cmd->add_option("--outputs", o->spec.outputs, "model outputs (default: checkpoint, else 1)");
  cmd->add_option("--length", o->spec.input_length,
                  "window length, the variant at index length/2 (default: the checkpoint's input "
                  "length; other lengths only for models that take any, e.g. promoter)");
  cmd->add_option("--fasta", o->fasta,
                  "the reference genome (FASTA, plain or bgzip; .fai built "
                  "when missing)")
      ->required();
  cmd->add_option("--vcf", o->vcf, "variants (VCF, plain, gzip or bgzip, or BCF)")->required();
  cmd->add_option("--out", o->out, "effects TSV: chrom pos id ref alt pred_ref pred_alt delta")
      ->required();
  cmd->add_flag("--rc-average", o->scoring.rc_average,
                "also report predictions averaged over both strands (3 more columns)");
  cmd->add_option("--output-index", o->scoring.output_index,
                  "which output of a multi-output model to score")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--scale", o->scale,
                  "classifiers: effects on the probability (what predict reports) or on the "
                  "logit (the model's output); the TSV's first line says which")
      ->capture_default_str()
      ->check(CLI::IsMember({"probability", "logit"}));
  cmd->add_option("--chunk-records", o->chunk_records,
                  "VCF records read, scored and written at a time (memory stays bounded by it)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
  cmd->add_option("--batch-size", o->scoring.batch_size, "windows per forward pass")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  add_common_options(cmd, o->common);
  commands.entries.push_back({cmd, [o]() { return run_variant_effect(*o); }});
}

}  // namespace dnagrad::app
#endif  // DNAGRAD_WITH_GENOMICS_IO
