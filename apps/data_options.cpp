#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include "apps/data_options.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <iostream>
#include <set>
#include <sstream>

#include "core/error.h"

namespace dnagrad::app {

namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

void add_data_options(CLI::App* cmd, DataOptions& o, bool labels) {
  auto& s = o.spec;
  cmd->add_option("--fasta", s.fasta,
                  "FASTA (plain or bgzip; .fai built when missing): one sequence per record, or "
                  "the genome for --bed/--genes")
      ->group("Data");
  cmd->add_option("--bed", s.bed, "BED regions of --fasta (strand-aware), named by column 4")
      ->group("Data");
  cmd->add_option("--genes", s.genes, "GFF3/GTF genes of --fasta: their promoters are the inputs")
      ->group("Data");
  cmd->add_option("--upstream", s.upstream, "promoter length for --genes: [TSS - N, TSS)")
      ->capture_default_str()
      ->group("Data");
  cmd->add_option("--table", s.table, "CSV/TSV table with a sequence column (and labels)")
      ->group("Data");
  cmd->add_option("--seq-column", s.seq_column, "the --table's sequence column")
      ->capture_default_str()
      ->group("Data");
  cmd->add_option("--sequences", s.sequences,
                  "text file of sequences, one per line (rows named line_<N>)")
      ->group("Data");
  cmd->add_option("--tfbind-sequences", s.tfbind_sequences,
                  "the course's TF-binding windows: sequence<TAB>window_name")
      ->group("Data");
  cmd->add_option("--name-column", s.name_column,
                  "names: the --labels column (default: its first) or the --table column")
      ->group("Data");
  if (labels) {
    cmd->add_option("--labels", s.labels, "label table keyed by sequence name (with --fasta)")
        ->group("Data");
    cmd->add_flag_callback(
           "--no-header", [&s]() { s.labels_header = false; },
           "the --labels table has no header line: column 1 names, the others are labels")
        ->group("Data");
    cmd->add_option("--line-labels", s.line_labels,
                    "with --sequences: labels, one per line, in the same order")
        ->group("Data");
    cmd->add_option("--fasta-per-class", s.fasta_per_class,
                    "one FASTA per class, as FILE=LABEL: pos.fa=1 neg.fa=0 (text labels such as "
                    "bound.fa=bound are classes)")
        ->group("Data");
    cmd->add_option("--label-columns", s.label_columns,
                    "label columns, comma-separated (default: all others)")
        ->delimiter(',')
        ->group("Data");
    cmd->add_option("--tfbind-scores", s.tfbind_scores,
                    "the course's per-position scores (columns = window names)")
        ->group("Data");
  }
  cmd->add_option("--length", o.length,
                  "centre-crop or N-pad every sequence to this length (default: all must agree)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))
      ->group("Data");
  cmd->add_flag(
         "--pad-with-mask", o.pad_with_mask,
         "variable lengths: N-pad each batch at the end to its longest sequence and mask "
         "the padding, so each sequence's eval-mode prediction is its prediction alone "
         "(N's inside a sequence are data; promoter (sequences >= 16 bases) and dilated-residual)")
      ->group("Data");
  s.labelled = labels;
}

void add_split_options(CLI::App* cmd, SplitOptions& o) {
  cmd->add_option("--split", o.fractions,
                  "random split: train,val,test fractions (scikit-learn's two-step cut: test "
                  "first, then val out of the rest)")
      ->capture_default_str()
      ->group("Split");
  cmd->add_option("--val-chroms", o.val_chroms, "split by chromosome: validation chromosomes")
      ->group("Split");
  cmd->add_option("--test-chroms", o.test_chroms, "split by chromosome: test chromosomes")
      ->group("Split");
  cmd->add_option("--split-seed", o.seed, "seed of the random split")
      ->capture_default_str()
      ->group("Split");
}

void report_inputs(const genomics::SequenceDataset& data) {
  for (const std::string& note : data.notes) std::cerr << "note: " << note << "\n";
  for (const genomics::SkippedRows& s : data.skipped)
    std::cerr << "note: " << genomics::describe(s) << "\n";
}

genomics::LengthPolicy length_policy(const DataOptions& o) {
  using Kind = genomics::LengthPolicy::Kind;
  DNAGRAD_CHECK(!(o.length > 0 && o.pad_with_mask), "give --length or --pad-with-mask, not both");
  if (o.pad_with_mask) return {Kind::PadWithMask, 0};
  if (o.length > 0) return {Kind::CenterFit, o.length};
  return {Kind::Exact, 0};
}

genomics::SplitIndices make_split(const genomics::SequenceDataset& data, const SplitOptions& o) {
  if (!o.val_chroms.empty() || !o.test_chroms.empty()) {
    const auto val = split_commas(o.val_chroms), test = split_commas(o.test_chroms);
    return genomics::split_by_chromosome(data.chroms, {val.begin(), val.end()},
                                         {test.begin(), test.end()});
  }
  const std::vector<std::string> parts = split_commas(o.fractions);
  DNAGRAD_CHECK(parts.size() == 3, "--split: expected three fractions train,val,test, got '",
                o.fractions, "'");
  double f[3];
  for (int i = 0; i < 3; ++i) {
    try {
      size_t used = 0;
      f[i] = std::stod(parts[static_cast<size_t>(i)], &used);
      DNAGRAD_CHECK(used == parts[static_cast<size_t>(i)].size(), "");
    } catch (const std::exception&) {
      fail("--split: '", parts[static_cast<size_t>(i)], "' is not a number");
    }
    DNAGRAD_CHECK(f[i] >= 0 && f[i] <= 1, "--split: fractions must be in [0, 1], got ", f[i]);
  }
  DNAGRAD_CHECK(std::abs(f[0] + f[1] + f[2] - 1) < 1e-6 && f[0] > 0, "--split: fractions '",
                o.fractions, "' must sum to 1 with a positive training fraction");
  Generator gen(o.seed);
  return genomics::random_split(data.size(), f[2], f[1] / (f[0] + f[1]), gen);
}

void add_apply_options(CLI::App* cmd, ApplyOptions& o, bool labels) {
  cmd->add_option("--checkpoint", o.checkpoint, "safetensors checkpoint")->required();
  cmd->add_option("--model", o.spec.name, "model name (default: from the checkpoint)");
  cmd->add_option("--outputs", o.spec.outputs, "model outputs (default: checkpoint, else 1)");
  cmd->add_flag("--rc-average", o.rc_average,
                "average the predictions on each sequence and its reverse complement");
  cmd->add_option("--batch-size", o.batch_size, "sequences per forward pass")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  add_data_options(cmd, o.data, labels);
  add_common_options(cmd, o.common);
}

namespace {

// The common length of the rows, or 0 when they differ.
int64_t common_length(const genomics::SequenceDataset& data) {
  for (int64_t len : data.lengths)
    if (len != data.lengths.front()) return 0;
  return data.lengths.empty() ? 0 : data.lengths.front();
}

// " 3 sequences (80 → 64 bases)" or " 3 sequences (80–120 → 64 bases)"
std::string fitted(int64_t count, int64_t shortest, int64_t longest, int64_t length) {
  return cat(" ", count, count == 1 ? " sequence (" : " sequences (", shortest,
             longest == shortest ? "" : cat("–", longest), " → ", length, " bases)");
}

// Says on stderr how many sequences were centre-cropped and N-padded to `length`.
void report_fit(const genomics::SequenceDataset& data, int64_t length, const std::string& why) {
  int64_t n_crop = 0, n_pad = 0, crop_lo = INT64_MAX, crop_hi = 0, pad_lo = INT64_MAX, pad_hi = 0;
  for (int64_t len : data.lengths) {
    if (len > length) ++n_crop, crop_lo = std::min(crop_lo, len), crop_hi = std::max(crop_hi, len);
    if (len < length) ++n_pad, pad_lo = std::min(pad_lo, len), pad_hi = std::max(pad_hi, len);
  }
  if (n_crop > 0)
    std::cerr << "note: centre-cropped" << fitted(n_crop, crop_lo, crop_hi, length) << why << "\n";
  if (n_pad > 0)
    std::cerr << "note: N-padded" << fitted(n_pad, pad_lo, pad_hi, length) << " at both ends" << why
              << " (N: an all-zero one-hot column)\n";
}

// The length policy for applying `model`: a model that takes only its own input length gets
// every sequence centre-cropped or N-padded to it (as at training); a --length or
// --pad-with-mask it cannot take is an error naming the length it wants.
// A model that takes any length gets the training's policy unless one is asked for.
genomics::LengthPolicy fit_to_model(const genomics::TrainedModel& model,
                                    const genomics::SequenceDataset& data,
                                    const genomics::LengthPolicy& asked,
                                    const std::string& checkpoint) {
  using Kind = genomics::LengthPolicy::Kind;
  const int64_t length = model.spec.input_length;
  if (genomics::accepts_any_length(model.spec)) {  // the training's policy, unless asked
    if (asked.kind != Kind::Exact) return asked;
    if (model.length_policy == "pad-with-mask") {
      std::cerr << "note: each batch padded to its longest sequence and masked, as in training ("
                << checkpoint << ")\n";
      return {Kind::PadWithMask, 0};
    }
    if (model.length_policy != "center-fit") return asked;
  }
  DNAGRAD_CHECK(asked.kind != Kind::PadWithMask, "--pad-with-mask: model '", model.spec.name, "' (",
                checkpoint, ") takes inputs of exactly ", length,
                " bases; drop --pad-with-mask (inputs are then centre-cropped or N-padded to ",
                length, ")");
  DNAGRAD_CHECK(asked.kind != Kind::CenterFit || asked.length == length, "--length ", asked.length,
                ": model '", model.spec.name, "' (", checkpoint, ") takes inputs of exactly ",
                length, " bases; give --length ", length,
                " or drop --length (inputs are then centre-cropped or N-padded to ", length, ")");
  report_fit(data, length, cat(" to the model's input length, from ", checkpoint));
  return {Kind::CenterFit, length};
}

}  // namespace

Prepared prepare(const ApplyOptions& o) {
  const Device device = apply_common_options(o.common);
  Prepared p;
  p.data = genomics::load_dataset(o.data.spec);
  report_inputs(p.data);
  for (int64_t i = 0; i < p.data.size(); ++i) p.rows.push_back(i);
  const genomics::LengthPolicy asked = length_policy(o.data);
  // A checkpoint that does not record its input length (one written elsewhere) is built for
  // --length, else for the data's common length.
  const int64_t data_length =
      asked.kind == genomics::LengthPolicy::Kind::CenterFit ? asked.length : common_length(p.data);
  p.model = genomics::load_trained_model(o.checkpoint, o.spec, data_length);
  p.model.module->to(device);
  genomics::use_class_names(p.data, p.model.class_names, o.checkpoint);
  p.predict = {.batch_size = o.batch_size,
               .rc_average = o.rc_average,
               .per_position = p.model.per_position,
               .length = fit_to_model(p.model, p.data, asked, o.checkpoint)};
  return p;
}

}  // namespace dnagrad::app
#endif  // DNAGRAD_WITH_GENOMICS_IO
