// `dnagrad motifs`: the first convolution of a trained model as motifs.
//   dnagrad motifs --checkpoint ck.safetensors --fasta seqs.fa --out motifs/ [--jaspar J.meme]
// writes motifs/filters.meme, motifs/filter_logos.svg and, with --jaspar, the closest JASPAR
// motifs of each filter that are significant against a null of column-shuffled filters, in
// motifs/jaspar_matches.tsv (genomics/interpret/filter_motifs.h, motif_match.h).
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <filesystem>
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "apps/common.h"
#include "core/error.h"
#include "genomics/interpret/filter_motifs.h"
#include "genomics/io/fasta.h"
#include "genomics/io/meme.h"
#include "genomics/models/trained_model.h"

namespace dnagrad::app {

namespace {

struct MotifsOptions {
  CommonOptions common;
  genomics::ModelSpec spec;  // unset fields come from the checkpoint
  std::string checkpoint, fasta, out, jaspar, layer_name;
  int64_t batch_size = 256;
  genomics::MatchSignificanceOptions matching;
};

int run_motifs(const MotifsOptions& o) {
  apply_common_options(o.common);
  DNAGRAD_CHECK(o.common.device == "cpu", "--device ", o.common.device,
                " is not supported yet; motifs runs on the CPU");
  const genomics::TrainedModel model = genomics::load_trained_model(o.checkpoint, o.spec);
  const genomics::NamedConv1d layer = genomics::find_conv1d(*model.module, o.layer_name);
  std::vector<std::string> seqs;
  for (genomics::FastaRecord& r : genomics::read_fasta_records(o.fasta))
    seqs.push_back(std::move(r.seq));
  const std::vector<genomics::Motif> library =
      o.jaspar.empty() ? std::vector<genomics::Motif>{} : genomics::read_meme(o.jaspar);
  const std::vector<genomics::Motif> motifs = genomics::filter_motifs(layer, seqs, o.batch_size);
  const std::string title = cat("Filters of layer ", layer.name, " (",
                                std::filesystem::path(o.checkpoint).filename().string(),
                                ") from top-activating subsequences of ",
                                std::filesystem::path(o.fasta).filename().string());
  const int64_t with_match =
      genomics::write_filter_motifs(o.out, motifs, title, library, o.matching);
  if (!o.common.quiet) {
    int64_t with_sites = 0;
    for (const genomics::Motif& m : motifs) with_sites += m.sites > 0;
    std::cerr << "motifs: layer " << layer.name << ", " << motifs.size() << " filters of width "
              << layer.conv->kernel_size << ", on " << seqs.size() << " sequences: " << with_sites
              << " filters have sites";
    if (!library.empty())
      std::cerr << ", " << with_match << " a significant match among the " << library.size()
                << " library motifs (q <= " << o.matching.max_q << ", " << o.matching.shuffles
                << " column shuffles per filter)";
    std::cerr << " → " << o.out << "/\n";
  }
  return 0;
}

}  // namespace

void add_motifs_command(CLI::App& app, Commands& commands) {
  auto o = std::make_shared<MotifsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "motifs",
      "a trained model's first-layer filters as motifs (MEME file, logos, JASPAR matches)");
  cmd->add_option("--checkpoint", o->checkpoint, "safetensors checkpoint")->required();
  cmd->add_option("--model", o->spec.name, "model name (default: from the checkpoint)");
  cmd->add_option("--length", o->spec.input_length,
                  "the model's input length (default: from the checkpoint)");
  cmd->add_option("--outputs", o->spec.outputs, "model outputs (default: checkpoint, else 1)");
  cmd->add_option("--fasta", o->fasta, "sequences to scan (FASTA, any lengths)")->required();
  cmd->add_option("--out", o->out, "output directory")->required();
  cmd->add_option("--jaspar", o->jaspar,
                  "MEME file of known motifs (e.g. JASPAR's) to match each filter against");
  cmd->add_option("--max-q", o->matching.max_q,
                  "report JASPAR matches with a q-value up to this (1 reports every best match)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--null-shuffles", o->matching.shuffles,
                  "column-shuffled copies of each filter that make its null distribution")
      ->capture_default_str()
      ->check(CLI::Range(2, 100000));
  cmd->add_option("--null-seed", o->matching.seed, "seed of the shuffles")->capture_default_str();
  cmd->add_option("--layer-name", o->layer_name,
                  "the Conv1d to use, by state_dict path (default: the model's first Conv1d)");
  cmd->add_option("--batch-size", o->batch_size, "sequences per forward pass")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  add_common_options(cmd, o->common);
  commands.entries.push_back({cmd, [o]() { return run_motifs(*o); }});
}

}  // namespace dnagrad::app
#endif  // DNAGRAD_WITH_GENOMICS_IO
