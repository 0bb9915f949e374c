#include "genomics/interpret/filter_motifs.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>

#include "autograd/tensor.h"
#include "core/error.h"
#include "core/files.h"
#include "genomics/interpret/motif_match.h"
#include "genomics/plot/plots.h"
#include "genomics/sequence.h"
#include "nn/inference.h"

namespace dnagrad::genomics {

NamedConv1d find_conv1d(nn::Module& model, const std::string& name) {
  std::vector<NamedConv1d> convs;  // depth first, in registration order
  for (auto& [path, module] : model.modules())
    if (auto* conv = dynamic_cast<nn::Conv1d*>(module)) convs.push_back({path, conv});
  DNAGRAD_CHECK(!convs.empty(), "motifs: the model has no Conv1d layer");
  if (name.empty()) return convs.front();
  std::string known;
  for (const NamedConv1d& c : convs) {
    if (c.name == name) return c;
    known += (known.empty() ? "" : ", ") + c.name;
  }
  fail("motifs: the model has no Conv1d layer named '", name, "'; its Conv1d layers are: ", known);
}

Array filter_activations(const NamedConv1d& layer, const std::vector<std::string>& seqs,
                         int64_t batch_size) {
  const nn::Conv1d& conv = *layer.conv;
  const int64_t k = conv.kernel_size, p = conv.options.padding, f = conv.out_channels;
  DNAGRAD_CHECK(conv.in_channels == 4, "motifs: layer '", layer.name, "' takes ", conv.in_channels,
                " input channels; filters become motifs only on the one-hot input (4 channels)");
  DNAGRAD_CHECK(conv.options.stride == 1 && conv.options.dilation == 1, "motifs: layer '",
                layer.name, "' has stride ", conv.options.stride, " and dilation ",
                conv.options.dilation, "; only stride 1 and dilation 1 are supported");
  DNAGRAD_CHECK(!seqs.empty(), "motifs: no sequences given");
  DNAGRAD_CHECK(batch_size > 0, "motifs: batch size ", batch_size, " is not positive");
  int64_t longest = 0;
  for (const std::string& s : seqs) longest = std::max(longest, static_cast<int64_t>(s.size()));
  const int64_t len_out = longest + 2 * p - k + 1;
  DNAGRAD_CHECK(len_out > 0, "motifs: every sequence is shorter than the ", k - 2 * p,
                " bases one window of layer '", layer.name, "' needs (kernel ", k, ", padding ", p,
                ")");

  const auto n = static_cast<int64_t>(seqs.size());
  Array acts =
      nn::predict_in_batches(*layer.conv, n, batch_size, [&](int64_t first, int64_t count) {
        std::vector<std::string> batch;  // padded with N to the longest: [B, 4, longest]
        for (int64_t i = first; i < first + count; ++i)
          batch.push_back(seqs[i] + std::string(longest - seqs[i].size(), 'N'));
        return one_hot(batch);
      }).to(Device::cpu());  // [N, F, L_out]
  float* out = acts.data<float>();
  // Windows that exist only because of the padding: t > L_i + 2p - K.
  for (int64_t i = 0; i < n; ++i) {
    const int64_t own = std::max<int64_t>(0, static_cast<int64_t>(seqs[i].size()) + 2 * p - k + 1);
    for (int64_t c = 0; c < f; ++c)
      std::fill(out + (i * f + c) * len_out + own, out + (i * f + c + 1) * len_out,
                -std::numeric_limits<float>::infinity());
  }
  return acts;
}

std::vector<Motif> filter_motifs(const NamedConv1d& layer, const std::vector<std::string>& seqs,
                                 int64_t batch_size) {
  return motifs_from_activations(filter_activations(layer, seqs, batch_size), seqs,
                                 layer.conv->kernel_size, layer.conv->options.padding);
}

int64_t write_filter_motifs(const std::string& out_dir, const std::vector<Motif>& motifs,
                            const std::string& title, const std::vector<Motif>& library,
                            const MatchSignificanceOptions& matching) {
  std::vector<plots::Matrix> pfms;
  std::vector<std::string> titles;
  for (const Motif& m : motifs) {
    pfms.push_back({4, static_cast<size_t>(m.width), m.probabilities()});
    titles.push_back(m.name + ": " + m.consensus);
  }
  std::vector<std::pair<std::string, std::string>> files = {
      {"filters.meme", meme_minimal(motifs)},
      {"filter_logos.svg", plots::logo_grid(pfms, titles, {.title = title})},
  };
  int64_t with_match = 0;
  if (!library.empty()) {
    const std::vector<std::vector<MotifMatch>> matches =
        match_motifs_with_significance(motifs, library, matching);
    for (const std::vector<MotifMatch>& of_motif : matches)
      with_match += std::any_of(of_motif.begin(), of_motif.end(),
                                [&](const MotifMatch& m) { return m.q_value <= matching.max_q; });
    files.push_back(
        {"jaspar_matches.tsv", motif_matches_tsv(motifs, library, matches, matching.max_q)});
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  DNAGRAD_CHECK(!ec, "motifs: cannot create the output directory ", out_dir, ": ", ec.message());
  for (const auto& [name, content] : files) write_file_atomically(out_dir + "/" + name, content);
  return with_match;
}

}  // namespace dnagrad::genomics
