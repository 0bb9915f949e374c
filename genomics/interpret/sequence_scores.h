// Per-base scores of many sequences, the library half of `dnagrad ism` and `dnagrad attribute`:
// in-silico mutagenesis (ism.h), gradient attributions (attribution.h) or DeepSHAP contributions
// (deeplift_shap.h) over rows of a dataset,
// in chunks so that only a chunk's one-hot is held, then written as a TSV or drawn as maps.
//
//   scores  [N, 4, W] float32: window [start, end) of each sequence, rows A, C, G, T
//           (ism: prediction(mutant) - prediction(reference), 0 at the reference base;
//           attribution: the gradient, or gradient x input)
//   onehot  [N, 4, W] float32: the window's bases, for the TSV's ref column and the maps' logos
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/array.h"
#include "genomics/data/dataset.h"
#include "genomics/interpret/attribution.h"
#include "genomics/interpret/deeplift_shap.h"
#include "genomics/interpret/ism.h"
#include "nn/module.h"

namespace dnagrad::genomics {

// Which DeepSHAP contributions a DeepLiftShap request returns (deeplift_shap.h).
enum class DeepLiftOutput { Projected, Hypothetical, Raw };

struct ScoreRequest {
  ScoreKind kind = ScoreKind::Ism;
  IsmMethod ism_method = IsmMethod::Incremental;
  AttributionMethod attribution_method = AttributionMethod::Saliency;
  int64_t start = 0, end = -1;  // the window over the model's input; end -1 means its length
  int64_t output_index = 0;
  bool rc_average = false;
  int64_t batch_size = 256;  // ISM: mutants per forward; attribution: sequences per pass
  LengthPolicy length{};     // how sequences are brought to the model's input length
  // Binary models: score the probability σ(output) instead of the output (the logit). ISM then
  // gives σ(z_ref + Δz) − σ(z_ref), attribution the gradient times σ'(z_ref) = p(1 − p), with
  // z_ref the reference sequence's output. Not with rc_average (the strands' logits would have
  // to be averaged first); n_outputs is the model's output count.
  bool probability = false;
  int64_t n_outputs = 1;
  // AttributionMethod::DeepLiftShap (deeplift_shap.h): the references are `references`
  // [K, 4, L] (the same for every sequence; L the model's input length) when defined, otherwise
  // `shuffles` dinucleotide shuffles of each sequence drawn from Generator(seed), sequence by
  // sequence in row order. `contributions` chooses what the values hold.
  Array references{};
  int64_t shuffles = 20;
  uint64_t seed = 0;
  DeepLiftOutput contributions = DeepLiftOutput::Projected;
};

struct SequenceScores {
  Array values, onehot;  // [N, 4, W] float32 each
  int64_t start = 0;     // the window's first position (0-based)
  // DeepLiftShap only ([N] each, else empty): the convergence delta of the whole input (not just
  // the window), f(x) and the mean f(r) over the references.
  std::vector<double> delta{}, output{}, reference_mean{};
};

// Scores of `rows` of `data` (ISM 16 sequences at a time, attribution batch_size at a time).
// `on_progress(done)` is called after each chunk with the number of sequences done. Throws when
// the window is not inside the model's input.
SequenceScores score_sequences(nn::Module& model, const SequenceDataset& data,
                               const std::vector<int64_t>& rows, const ScoreRequest& request,
                               const std::function<void(int64_t)>& on_progress = {});

// A header, then one row per sequence and position: name, pos (1-based), ref (A, C, G, T, or N
// for an all-zero column), then the four bases' scores (ism: dA dC dG dT; attribution: A C G T).
// `note`, when not empty, comes first as a '#' line (the scale of the scores).
std::string scores_tsv(const SequenceScores& scores, const std::vector<std::string>& names,
                       ScoreKind kind, const std::string& note = "");

// What the maps say about the scores.
struct MapLabels {
  std::string what{};       // "in-silico mutagenesis", "gradient", "gradient × input"
  std::string target{};     // the name of the output scored
  bool rc_average = false;  // ", both strands" in the title
};

// The labels of a request: `target_names` name the model's outputs (may be empty).
MapLabels map_labels(const ScoreRequest& request, const std::vector<std::string>& target_names);

// For the first `count` sequences, (file name, SVG): "<k>_<name>.svg" (k zero-padded, characters
// of the name other than letters, digits, '.', '-' and '_' become '_') holding a map of the window
// in panels of 200 positions (plot/plot_attribution.h): a logo of each reference base's score
// (reference_base_scores) over a heatmap of all four bases' scores.
std::vector<std::pair<std::string, std::string>> score_maps(const SequenceScores& scores,
                                                            const std::vector<std::string>& names,
                                                            ScoreKind kind, const MapLabels& labels,
                                                            int64_t count);

}  // namespace dnagrad::genomics
