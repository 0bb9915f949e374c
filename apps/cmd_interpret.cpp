// `dnagrad ism` and `dnagrad attribute`: what each base of each sequence does to a trained
// model's prediction.
//   dnagrad ism --checkpoint ck.safetensors [--model M] --fasta in.fa --out ism.npy|ism.tsv
//       [--start S --end E] [--output-index K] [--rc-average]
//       [--method naive|batched|incremental] [--svg DIR [--svg-count 10]]
//     prediction(mutant) - prediction(reference) for each base at each position of the window
//     (genomics/interpret/ism.h): 0 at the reference base; at an N all four bases are
//     substitutions.
//   dnagrad attribute --method saliency|grad-x-input ... (the same options otherwise)
//     the gradient of the prediction with respect to the one-hot input, or that times the input
//     (genomics/interpret/attribution.h)
//   dnagrad attribute --method deepliftshap [--references refs.fa | --shuffles 20 --seed S]
//       [--hypothetical | --raw]
//     DeepSHAP contributions (genomics/interpret/deeplift_shap.h) against the references of
//     refs.fa (every record as long as the model's input, the same for every sequence) or against
//     dinucleotide shuffles of each sequence; projected on the observed bases by default. Prints
//     the convergence delta of each sequence (to stderr, and as '#' lines of a .tsv) and warns
//     when one exceeds genomics::kConvergenceWarning.
// --device cuda[:K] runs the model on that GPU (prepare() moves it there): ism takes the GPU path
// of genomics/interpret/ism.h (first layer as reference + weight difference, the rest batched on
// the GPU), attribute its forward and backward passes. The scores come back to the CPU to be
// written. The window [S, E) is 0-based and half-open over the model's input (the sequence after
// --length's centre fit); E defaults to the input length. The data options are predict's.
//
// Outputs, chosen by the --out extension and written atomically; nothing at all is written when
// anything fails:
//   .npy  one float32 array [N, 4, W] (W = E - S), sequences in input order, rows A, C, G, T
//   .tsv  a header, then one row per sequence and position:
//           name  pos  ref  dA  dC  dG  dT     (attribute: name  pos  ref  A  C  G  T)
//         pos is 1-based (S + j + 1), ref the input's base there (N for N and other IUPAC codes)
//   --svg DIR  for the first --svg-count sequences, DIR/<k>_<name>.svg: a map of the window in
//         panels of 200 positions (genomics/plot/plot_attribution.h): a logo of the score of each
//         reference base over a heatmap of all four bases' scores. The logo's score is the
//         attribution at the reference base for `attribute`, and for `ism` minus the mean effect
//         of the 3 substitutions: how much the prediction owes to keeping the reference base.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "apps/commands.h"
#include "apps/common.h"
#include "apps/data_options.h"
#include "core/error.h"
#include "core/files.h"
#include "genomics/interpret/sequence_scores.h"
#include "genomics/io/fasta.h"
#include "genomics/io/npy.h"
#include "genomics/plot/svg.h"
#include "genomics/sequence.h"
#include "genomics/train/progress.h"

namespace dnagrad::app {

namespace {

using genomics::ScoreKind;

struct InterpretOptions {
  ApplyOptions apply;
  std::string method;
  int64_t start = 0, end = -1, output_index = 0;
  std::string svg_dir;
  int64_t svg_count = 10;
  std::string scale = "logit";  // logit | probability (classifiers)
  std::string references;       // deepliftshap: a FASTA of references, or "" for shuffles
  int64_t shuffles = 20;
  bool hypothetical = false, raw = false;
};

// The scale of the scores in words, for the TSV's '#' line and stderr: only a classifier's
// outputs have two (its logits, and the probabilities predict reports); "" for regression.
std::string scale_note(const InterpretOptions& o, genomics::Task task) {
  if (task == genomics::Task::Regression) return "";
  return o.scale == "probability"
             ? "scale: probability (sigmoid of the model's output, as predict reports it)"
             : "scale: logit (the model's output before the sigmoid/softmax; predict reports "
               "probabilities; --scale probability for them)";
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Array reference_sequences(const std::string& path);

genomics::ScoreRequest score_request(const InterpretOptions& o, ScoreKind kind, const Prepared& p) {
  return {.kind = kind,
          .ism_method = o.method == "naive"     ? genomics::IsmMethod::Naive
                        : o.method == "batched" ? genomics::IsmMethod::Batched
                                                : genomics::IsmMethod::Incremental,
          .attribution_method = o.method == "saliency" ? genomics::AttributionMethod::Saliency
                                : o.method == "deepliftshap"
                                    ? genomics::AttributionMethod::DeepLiftShap
                                    : genomics::AttributionMethod::GradientTimesInput,
          .start = o.start,
          .end = o.end,
          .output_index = o.output_index,
          .rc_average = o.apply.rc_average,
          .batch_size = o.apply.batch_size,
          .length = p.predict.length,
          .probability = o.scale == "probability",
          .n_outputs = p.model.spec.outputs,
          .references = o.references.empty() ? Array() : reference_sequences(o.references),
          .shuffles = o.shuffles,
          .seed = o.apply.common.seed,
          .contributions = o.raw            ? genomics::DeepLiftOutput::Raw
                           : o.hypothetical ? genomics::DeepLiftOutput::Hypothetical
                                            : genomics::DeepLiftOutput::Projected};
}

// --references: every record of the FASTA one-hot encoded, [K, 4, L]; all of one length.
Array reference_sequences(const std::string& path) {
  const std::vector<genomics::FastaRecord> records = genomics::read_fasta_records(path);
  std::vector<std::string> seqs;
  for (const genomics::FastaRecord& r : records) {
    DNAGRAD_CHECK(r.seq.size() == records.front().seq.size(), "--references ", path, ": record '",
                  r.name, "' (line ", r.line, ") has ", r.seq.size(), " bases, the first has ",
                  records.front().seq.size(),
                  "; every reference must have the model's input length");
    seqs.push_back(r.seq);
  }
  return genomics::one_hot(seqs);
}

// The convergence deltas of a DeepSHAP run, one line per sequence with f(x) and mean f(r).
std::string delta_report(const genomics::SequenceScores& s, const std::vector<std::string>& names) {
  std::ostringstream text;
  text.precision(4);
  for (size_t i = 0; i < names.size(); ++i)
    text << "convergence delta " << names[i] << " " << s.delta[i] << " (f(x) " << s.output[i]
         << ", mean f(r) " << s.reference_mean[i] << ")\n";
  return text.str();
}

// What a DeepSHAP file holds, for its '#' line.
std::string contribution_note(const InterpretOptions& o) {
  return std::string("deepliftshap: ") +
         (o.raw            ? "raw contributions, mean over references of (x - r) * multiplier"
          : o.hypothetical ? "hypothetical contributions of each base"
                           : "contributions projected on the observed bases") +
         " of the model's output (for classifiers the logit, before the sigmoid/softmax), "
         "against " +
         (o.references.empty() ? std::to_string(o.shuffles) + " dinucleotide shuffles per sequence"
                               : "the references of " + o.references);
}

// stderr: every sequence's delta (unless quiet) and, always, a warning counting those above
// genomics::kConvergenceWarning.
void report_deltas(const genomics::SequenceScores& s, const std::vector<std::string>& names,
                   const std::string& deltas, bool quiet) {
  if (!quiet) std::cerr << deltas;
  int64_t above = 0;
  double worst = 0;
  for (double d : s.delta) {
    above += std::abs(d) > genomics::kConvergenceWarning;
    worst = std::max(worst, std::abs(d));
  }
  if (above > 0)
    std::cerr << "warning: " << above << " of " << names.size()
              << " sequences have a convergence delta above " << genomics::kConvergenceWarning
              << " (largest " << worst
              << "): their contributions do not sum to f(x) - mean f(r) (a rule took its "
                 "|dx| < 1e-10 gradient fallback where the output still changed, or float32 "
                 "rounding of large outputs)\n";
}

int run_interpret(const InterpretOptions& o, ScoreKind kind) {
  const std::string& out = o.apply.out;
  const bool npy = ends_with(out, ".npy");
  DNAGRAD_CHECK(npy || ends_with(out, ".tsv"), "--out ", out,
                ": expected a .npy (array [N, 4, W]) or .tsv (rows) file name");
  Prepared p = prepare(o.apply);
  DNAGRAD_CHECK(p.predict.length.kind != genomics::LengthPolicy::Kind::PadWithMask,
                "sequences padded per batch (--pad-with-mask, or a checkpoint trained with it) are "
                "not supported here: the scores of all sequences form one array, so they need one "
                "length; give --length N");
  DNAGRAD_CHECK(!(o.apply.rc_average && p.model.per_position),
                "--rc-average: the model's outputs belong to positions (output t is base t), so "
                "averaging one output over both strands would mix two positions; not supported");
  DNAGRAD_CHECK(o.output_index < p.model.spec.outputs, "--output-index ", o.output_index,
                " is out of range: the model (", o.apply.checkpoint, ") has ", p.model.spec.outputs,
                " output(s)");

  DNAGRAD_CHECK(o.scale == "logit" || p.model.task == genomics::Task::Binary, "--scale ", o.scale,
                ": only a binary model's scores can be probabilities (", o.apply.checkpoint, " is ",
                genomics::task_name(p.model.task),
                "; a multiclass probability depends on every class's output); use --scale logit");
  DNAGRAD_CHECK(o.scale == "logit" || !o.apply.rc_average,
                "--scale probability: not with "
                "--rc-average (the strands' logits would have to be averaged first)");
  DNAGRAD_CHECK(o.method == "deepliftshap" || (o.references.empty() && !o.hypothetical && !o.raw),
                "--references, --hypothetical and --raw belong to --method deepliftshap");
  const genomics::ScoreRequest request = score_request(o, kind, p);
  genomics::Progress progress(kind == ScoreKind::Ism ? "ism" : "attribute",
                              static_cast<int64_t>(p.rows.size()), "sequence", std::cerr,
                              o.apply.common.quiet);
  const genomics::SequenceScores s = genomics::score_sequences(
      *p.model.module, p.data, p.rows, request, [&](int64_t done) { progress.update(done, ""); });
  std::vector<std::string> names;
  for (int64_t row : p.rows) names.push_back(p.data.names[static_cast<size_t>(row)]);
  // Everything is computed before the first file is written.
  std::vector<std::pair<std::string, std::string>> maps;
  if (!o.svg_dir.empty())
    maps = genomics::score_maps(s, names, kind, genomics::map_labels(request, p.model.target_names),
                                o.svg_count);
  std::string note = scale_note(o, p.model.task);
  const std::string deltas = s.delta.empty() ? "" : delta_report(s, names);
  if (!s.delta.empty()) {
    note += (note.empty() ? "" : "\n# ") + contribution_note(o);
    std::istringstream lines(deltas);  // one '#' line per sequence
    for (std::string line; std::getline(lines, line);) note += "\n# " + line;
  }
  if (npy)
    genomics::write_npy(out, s.values);
  else
    write_file_atomically(out, genomics::scores_tsv(s, names, kind, note));
  if (!o.svg_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(o.svg_dir, error);
    DNAGRAD_CHECK(!error, "--svg ", o.svg_dir, ": cannot create the directory: ", error.message());
    for (const auto& [file, svg] : maps)
      svg::write_file((std::filesystem::path(o.svg_dir) / file).string(), svg);
  }
  if (!s.delta.empty()) report_deltas(s, names, deltas, o.apply.common.quiet);
  if (!o.apply.common.quiet) {
    std::cerr << (kind == ScoreKind::Ism ? "ism: " : "attribute: ") << names.size()
              << " sequences x " << s.values.size(2) << " positions, model " << p.model.spec.name
              << " → " << out;
    if (!o.svg_dir.empty()) std::cerr << ", " << maps.size() << " map(s) in " << o.svg_dir;
    const std::string scale = scale_note(o, p.model.task);
    std::cerr << (scale.empty() ? "" : "; ") << scale << "\n";
  }
  return 0;
}

void add_interpret_command(CLI::App& app, Commands& commands, ScoreKind kind) {
  auto o = std::make_shared<InterpretOptions>();
  CLI::App* cmd =
      kind == ScoreKind::Ism
          ? app.add_subcommand("ism", "in-silico mutagenesis: the effect of every substitution")
          : app.add_subcommand("attribute",
                               "gradient attributions (saliency, gradient x input) per base");
  // Attribution keeps every activation for the backward pass: 64 sequences of 2 kb through the
  // promoter model need about 0.9 GB (256 would need 3.5 GB, and run no faster).
  if (kind == ScoreKind::Attribution) o->apply.batch_size = 64;
  add_apply_options(cmd, o->apply, false);
  if (kind == ScoreKind::Ism) {
    o->method = "incremental";
    cmd->get_option("--batch-size")->description("mutants per forward pass");
    cmd->add_option("--method", o->method,
                    "naive (one mutant per forward), batched, or incremental (fastISM-like)")
        ->capture_default_str()
        ->check(CLI::IsMember({"naive", "batched", "incremental"}));
  } else {
    o->method = "saliency";
    cmd->get_option("--batch-size")->description("sequences per forward and backward pass");
    cmd->add_option("--method", o->method,
                    "saliency (d prediction / d input), grad-x-input (that times the input) or "
                    "deepliftshap (DeepLIFT rescale rule averaged over references)")
        ->capture_default_str()
        ->check(CLI::IsMember({"saliency", "grad-x-input", "deepliftshap"}));
    auto* refs = cmd->add_option("--references", o->references,
                                 "deepliftshap: a FASTA of references (each as long as the "
                                 "model's input), the same for every sequence");
    cmd->add_option("--shuffles", o->shuffles,
                    "deepliftshap: dinucleotide shuffles of each sequence as its references "
                    "(seeded by --seed)")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{10000}))
        ->excludes(refs);
    auto* hyp = cmd->add_flag("--hypothetical", o->hypothetical,
                              "deepliftshap: the contribution each base would make, all 4 bases");
    cmd->add_flag("--raw", o->raw,
                  "deepliftshap: mean over references of (x - r) * multiplier per channel "
                  "(captum's DeepLiftShap)")
        ->excludes(hyp);
  }
  cmd->add_option("--out", o->apply.out, ".npy (float32 [N, 4, W]) or .tsv (name pos ref + 4)")
      ->required();
  cmd->add_option("--start", o->start, "window start, 0-based")->capture_default_str();
  cmd->add_option("--end", o->end, "window end, exclusive (default: the input length)");
  cmd->add_option("--output-index", o->output_index, "which output of a multi-output model")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--scale", o->scale,
                  "classifiers: scores of the logit (the model's output) or of the probability "
                  "(binary models; what predict reports); the TSV's first line says which")
      ->capture_default_str()
      ->check(CLI::IsMember({"logit", "probability"}));
  cmd->add_option("--svg", o->svg_dir, "also draw maps (logo + heatmap) into this directory");
  cmd->add_option("--svg-count", o->svg_count, "maps for at most this many (the first) sequences")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  commands.entries.push_back({cmd, [o, kind]() { return run_interpret(*o, kind); }});
}

}  // namespace

void add_interpret_commands(CLI::App& app, Commands& commands) {
  add_interpret_command(app, commands, ScoreKind::Ism);
  add_interpret_command(app, commands, ScoreKind::Attribution);
}

}  // namespace dnagrad::app
#endif  // DNAGRAD_WITH_GENOMICS_IO
