// The motifs a trained model's first convolution learned (`dnagrad motifs`): any model of the
// zoo, or any nn::Module holding an nn::Conv1d on the one-hot input.
//
//   model ──find_conv1d──► Conv1d(4 → F, kernel K, padding p)
//   sequences ──one-hot [B, 4, L]──► that layer alone ──► activations [N, F, L_out]
//   activations ──motifs_from_activations (genomics/motifs.h)──► one PFM per filter, counted from
//                 the subsequences where the filter reaches half of its maximum
//
// Sequences may differ in length: each batch is padded with N (all-zero columns) to the longest
// sequence. An N column adds nothing to a convolution, so every window a sequence has on its own
// gets exactly the activation it would get alone; the windows that exist only because of the
// padding (those starting past L_i + p - K for a sequence of length L_i) are set to -infinity
// and never count.
//
// Memory: the activations are held whole, N x F x L_out floats (1,000 promoters of 2 kb through
// the promoter model's 256 filters: 2 GB).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/array.h"
#include "genomics/interpret/motif_match.h"
#include "genomics/motifs.h"
#include "nn/layers.h"

namespace dnagrad::genomics {

struct NamedConv1d {
  std::string name;            // dotted module path, as in the state_dict: "conv_layers.0"
  nn::Conv1d* conv = nullptr;  // owned by the model
};

// A Conv1d of `model`, found by walking named_children() depth first in registration order (the
// order of the state_dict): the first one when `name` is empty, else the one whose dotted path is
// `name`. Throws when there is none, listing the model's Conv1d layers.
NamedConv1d find_conv1d(nn::Module& model, const std::string& name = "");

// The layer's outputs on `seqs`, [N, F, L_out] float32 with L_out = longest + 2p - K + 1 (see
// above for the padding). The layer must read the one-hot input (4 channels) with stride 1 and
// dilation 1; throws naming the layer otherwise, or when every sequence is shorter than a window.
// Runs without a graph, `batch_size` sequences at a time.
Array filter_activations(const NamedConv1d& layer, const std::vector<std::string>& seqs,
                         int64_t batch_size = 256);

// One motif per filter ("filter0", "filter1", ...) from filter_activations and
// motifs_from_activations with its default threshold (half of the filter's maximum).
std::vector<Motif> filter_motifs(const NamedConv1d& layer, const std::vector<std::string>& seqs,
                                 int64_t batch_size = 256);

// Writes, each atomically, into `out_dir` (created when missing):
//   filters.meme        the motifs in MEME minimal format
//   filter_logos.svg    their information-content logos, titled "<name>: <consensus>", under
//                       `title`
//   jaspar_matches.tsv  with a non-empty `library`: each motif's closest significant library
//                       motifs (genomics/interpret/motif_match.h motif_matches_tsv, `matching`)
// Everything is rendered before the first file is written. Returns how many motifs have at least
// one significant library match (0 without a library).
int64_t write_filter_motifs(const std::string& out_dir, const std::vector<Motif>& motifs,
                            const std::string& title, const std::vector<Motif>& library,
                            const MatchSignificanceOptions& matching = {});

}  // namespace dnagrad::genomics
