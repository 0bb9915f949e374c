#include "genomics/interpret/sequence_scores.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <sstream>

#include "core/error.h"
#include "genomics/interpret/dinucleotide_shuffle.h"
#include "genomics/models/predict.h"
#include "genomics/plot/plot_attribution.h"

namespace dnagrad::genomics {

namespace {

// Sequences scored at once by ISM (it works sequence by sequence; this bounds the one-hot held).
constexpr int64_t kIsmChunk = 16;
constexpr size_t kPanelPositions = 200;

// The base of each window column of sequence i: A, C, G, T, or N for an all-zero column.
char reference_base(const SequenceScores& s, int64_t i, int64_t j) {
  const int64_t width = s.onehot.size(2);
  for (int64_t b = 0; b < 4; ++b)
    if (s.onehot.data<float>()[(i * 4 + b) * width + j] != 0) return "ACGT"[b];
  return 'N';
}

// Sequence i of a float32 [N, 4, W] array: [1, 4, W].
Array sequence_of(const Array& a, int64_t i) {
  Array one = Array::empty({1, 4, a.size(2)});
  std::memcpy(one.raw(), a.data<float>() + i * one.numel(), one.bytes());
  return one;
}

// A float32 [1, 4, W] array as a plot matrix.
plots::Matrix plot_matrix(const Array& one) {
  const float* values = one.data<float>();
  return {4, static_cast<size_t>(one.size(2)), std::vector<double>(values, values + one.numel())};
}

// A file name from a sequence name: characters other than letters, digits, '.', '-' and '_'
// become '_' (names such as chr1:100-200(+) hold ':' and '/' may occur).
std::string file_stem(const std::string& name) {
  std::string stem = name;
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return stem;
}

// Scores of the output z (values [B, 4, W], float32) turned into scores of p = σ(z), given each
// sequence's reference output z_ref (ISM: σ(z_ref + Δ) − σ(z_ref); attribution: × p(1 − p)).
void to_probability_scale(float* values, int64_t batch, int64_t per_sequence, const float* z_ref,
                          ScoreKind kind) {
  auto sigmoid = [](double z) { return 1 / (1 + std::exp(-z)); };
  for (int64_t i = 0; i < batch; ++i) {
    const double p = sigmoid(z_ref[i]);
    float* v = values + i * per_sequence;
    for (int64_t k = 0; k < per_sequence; ++k)
      v[k] = static_cast<float>(kind == ScoreKind::Ism ? sigmoid(z_ref[i] + v[k]) - p
                                                       : v[k] * p * (1 - p));
  }
}

// DeepSHAP contributions of x [B, 4, L] against r's references, the chosen kind in the window;
// the chunk's deltas and outputs are appended to s.
Array deeplift_values(nn::Module& model, const Array& x, const ScoreRequest& r, int64_t end,
                      Generator& gen, SequenceScores& s) {
  DNAGRAD_CHECK(!r.rc_average, "--method deepliftshap: not with --rc-average");
  DNAGRAD_CHECK(!r.probability,
                "--method deepliftshap: contributions are to the model's output "
                "(the logit); --scale probability is not supported");
  DNAGRAD_CHECK(!r.references.defined() || r.references.size(2) == x.size(2),
                "--references: the references have ", r.references.size(2),
                " bases but the model's input has ", x.size(2), "; give references of that length");
  const Array refs =
      r.references.defined() ? r.references : dinucleotide_shuffles(x, r.shuffles, gen);
  const DeepLiftShapResult d =
      deeplift_shap(model, x, refs, {.output_index = r.output_index, .batch_rows = r.batch_size});
  s.delta.insert(s.delta.end(), d.delta.begin(), d.delta.end());
  s.output.insert(s.output.end(), d.output.begin(), d.output.end());
  s.reference_mean.insert(s.reference_mean.end(), d.reference_mean.begin(), d.reference_mean.end());
  const Array& values = r.contributions == DeepLiftOutput::Raw            ? d.raw
                        : r.contributions == DeepLiftOutput::Hypothetical ? d.hypothetical
                                                                          : d.projected;
  return slice_positions(values, r.start, end);
}

}  // namespace

SequenceScores score_sequences(nn::Module& model, const SequenceDataset& data,
                               const std::vector<int64_t>& rows, const ScoreRequest& r,
                               const std::function<void(int64_t)>& on_progress) {
  const int64_t n = static_cast<int64_t>(rows.size());
  const int64_t chunk = r.kind == ScoreKind::Ism ? kIsmChunk : r.batch_size;
  const DataLoader loader(data, rows, {.batch_size = chunk, .length = r.length});
  const int64_t len = loader.input_length();
  const int64_t end = r.end == -1 ? len : r.end;
  DNAGRAD_CHECK(0 <= r.start && r.start < end && end <= len, "--start ", r.start, " --end ", end,
                ": not a window of the model's input of ", len, " bases (0 <= start < end <= ", len,
                ")");
  const int64_t width = end - r.start;
  SequenceScores s{Array::empty({n, 4, width}), Array::empty({n, 4, width}), r.start};
  const size_t sequence_bytes = static_cast<size_t>(4 * width) * sizeof(float);
  Generator shuffle_gen(r.seed);  // DeepLiftShap's dinucleotide shuffles
  const bool deeplift =
      r.kind == ScoreKind::Attribution && r.attribution_method == AttributionMethod::DeepLiftShap;
  for (int64_t first = 0; first < n; first += chunk) {
    const std::vector<int64_t> chunk_rows(rows.begin() + first,
                                          rows.begin() + std::min(n, first + chunk));
    const Array x = loader.make_batch(chunk_rows).x;  // [B, 4, L]
    const Array values = deeplift ? deeplift_values(model, x, r, end, shuffle_gen, s)
                         : r.kind == ScoreKind::Ism
                             ? in_silico_mutagenesis(model, x,
                                                     {.start = r.start,
                                                      .end = end,
                                                      .output_index = r.output_index,
                                                      .rc_average = r.rc_average,
                                                      .batch_size = r.batch_size,
                                                      .method = r.ism_method})
                             : attribution(model, x,
                                           {.method = r.attribution_method,
                                            .output_index = r.output_index,
                                            .rc_average = r.rc_average,
                                            .start = r.start,
                                            .end = end,
                                            .batch_size = r.batch_size});
    const Array window = slice_positions(x, r.start, end);
    Array values32 = values.to(DType::F32);  // float64 models give float64 scores
    if (r.probability) {
      DNAGRAD_CHECK(!r.rc_average, "--scale probability: not with --rc-average");
      const Array z = predict_outputs(model, data, chunk_rows, r.n_outputs,
                                      {.batch_size = chunk, .length = r.length})
                          .to(Device::cpu())
                          .to(DType::F32);  // [B, T]
      std::vector<float> z_ref;
      for (size_t i = 0; i < chunk_rows.size(); ++i)
        z_ref.push_back(z.data<float>()[static_cast<int64_t>(i) * r.n_outputs + r.output_index]);
      values32 = values32.clone();  // may share the model's buffer
      to_probability_scale(values32.data<float>(), static_cast<int64_t>(chunk_rows.size()),
                           4 * width, z_ref.data(), r.kind);
    }
    const size_t offset = static_cast<size_t>(first) * sequence_bytes;
    std::memcpy(static_cast<char*>(s.values.raw()) + offset, values32.raw(), values32.bytes());
    std::memcpy(static_cast<char*>(s.onehot.raw()) + offset, window.raw(), window.bytes());
    if (on_progress) on_progress(first + static_cast<int64_t>(chunk_rows.size()));
  }
  return s;
}

std::string scores_tsv(const SequenceScores& s, const std::vector<std::string>& names,
                       ScoreKind kind, const std::string& note) {
  const int64_t width = s.values.size(2);
  const float* v = s.values.data<float>();
  std::ostringstream tsv;
  tsv.precision(7);
  if (!note.empty()) tsv << "# " << note << "\n";
  tsv << (kind == ScoreKind::Ism ? "name\tpos\tref\tdA\tdC\tdG\tdT\n"
                                 : "name\tpos\tref\tA\tC\tG\tT\n");
  for (size_t i = 0; i < names.size(); ++i) {
    const auto n = static_cast<int64_t>(i);
    for (int64_t j = 0; j < width; ++j) {
      tsv << names[i] << '\t' << s.start + j + 1 << '\t' << reference_base(s, n, j);
      for (int64_t b = 0; b < 4; ++b) tsv << '\t' << v[(n * 4 + b) * width + j];
      tsv << '\n';
    }
  }
  return tsv.str();
}

MapLabels map_labels(const ScoreRequest& r, const std::vector<std::string>& target_names) {
  MapLabels labels;
  labels.rc_average = r.rc_average;
  labels.target = r.output_index < static_cast<int64_t>(target_names.size())
                      ? target_names[static_cast<size_t>(r.output_index)]
                      : "output " + std::to_string(r.output_index);
  const bool deeplift = r.attribution_method == AttributionMethod::DeepLiftShap;
  labels.what = r.kind == ScoreKind::Ism                              ? "in-silico mutagenesis"
                : r.attribution_method == AttributionMethod::Saliency ? "gradient"
                : !deeplift                                           ? "gradient × input"
                : r.contributions == DeepLiftOutput::Raw              ? "DeepSHAP (raw)"
                : r.contributions == DeepLiftOutput::Hypothetical     ? "DeepSHAP (hypothetical)"
                                                                      : "DeepSHAP contribution";
  return labels;
}

std::vector<std::pair<std::string, std::string>> score_maps(const SequenceScores& s,
                                                            const std::vector<std::string>& names,
                                                            ScoreKind kind, const MapLabels& labels,
                                                            int64_t count) {
  plots::AttributionMapOptions map{.first_position = s.start + 1,
                                   .panel_positions = kPanelPositions};
  if (kind == ScoreKind::Ism) {
    map.logo_label = "−mean Δ";
    map.value_label = "Δ prediction";
  } else {
    map.logo_label = map.value_label = labels.what;
  }
  const std::string strands = labels.rc_average ? ", both strands" : "";
  std::vector<std::pair<std::string, std::string>> maps;
  count = std::min<int64_t>(count, static_cast<int64_t>(names.size()));
  const size_t digits = std::to_string(count).size();
  for (int64_t i = 0; i < count; ++i) {
    const std::string& name = names[static_cast<size_t>(i)];
    map.title = name + ": " + labels.what + " of " + labels.target + strands;
    std::string number = std::to_string(i + 1);
    number.insert(0, digits - number.size(), '0');
    const Array values = sequence_of(s.values, i);
    const Array logo = reference_base_scores(values, sequence_of(s.onehot, i), kind);
    maps.emplace_back(number + "_" + file_stem(name) + ".svg",
                      plots::attribution_map(plot_matrix(logo), plot_matrix(values), map));
  }
  return maps;
}

}  // namespace dnagrad::genomics
