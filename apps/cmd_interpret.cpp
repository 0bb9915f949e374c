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
#include <cctype>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <utility>

#include "apps/commands.h"
#include "apps/common.h"
#include "apps/data_options.h"
#include "core/error.h"
#include "core/files.h"
#include "genomics/interpret/attribution.h"
#include "genomics/interpret/ism.h"
#include "genomics/io/npy.h"
#include "genomics/plot/plot_attribution.h"
#include "genomics/train/progress.h"

namespace dnagrad::app {

namespace {

enum class Kind { Ism, Attribute };

struct InterpretOptions {
  ApplyOptions apply;
  std::string method;
  int64_t start = 0, end = -1, output_index = 0;
  std::string svg_dir;
  int64_t svg_count = 10;
};

// Sequences interpreted at once (ISM works sequence by sequence; this bounds the one-hot held).
constexpr int64_t kIsmChunk = 16;
constexpr size_t kPanelPositions = 200;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The window's scores [N, 4, W] and one-hot [N, 4, W], float32, for every row of p.
struct Scores {
  Array values, onehot;
  int64_t start = 0;
};

Scores compute_scores(const InterpretOptions& o, Kind kind, const Prepared& p, bool quiet) {
  const int64_t n = static_cast<int64_t>(p.rows.size());
  const int64_t chunk = kind == Kind::Ism ? kIsmChunk : o.apply.batch_size;
  const genomics::DataLoader loader(p.data, p.rows,
                                    {.batch_size = chunk, .length = p.predict.length});
  const int64_t len = loader.input_length();
  const int64_t end = o.end == -1 ? len : o.end;
  DNAGRAD_CHECK(0 <= o.start && o.start < end && end <= len, "--start ", o.start, " --end ", end,
                ": not a window of the model's input of ", len, " bases (0 <= start < end <= ", len,
                ")");
  const int64_t width = end - o.start;
  Scores s{Array::empty({n, 4, width}), Array::empty({n, 4, width}), o.start};
  const size_t sequence_bytes = static_cast<size_t>(4 * width) * sizeof(float);
  genomics::Progress progress(kind == Kind::Ism ? "ism" : "attribute", n, "sequence", std::cerr,
                              quiet);
  for (int64_t first = 0; first < n; first += chunk) {
    const std::vector<int64_t> rows(p.rows.begin() + first,
                                    p.rows.begin() + std::min(n, first + chunk));
    const Array x = loader.make_batch(rows).x;  // [B, 4, L]
    Array values;
    if (kind == Kind::Ism) {
      const genomics::IsmMethod method = o.method == "naive"     ? genomics::IsmMethod::Naive
                                         : o.method == "batched" ? genomics::IsmMethod::Batched
                                                                 : genomics::IsmMethod::Incremental;
      values = genomics::in_silico_mutagenesis(*p.model.module, x,
                                               {.start = o.start,
                                                .end = end,
                                                .output_index = o.output_index,
                                                .rc_average = o.apply.rc_average,
                                                .batch_size = o.apply.batch_size,
                                                .method = method});
    } else {
      values = genomics::attribution(
          *p.model.module, x,
          {.method = o.method == "saliency" ? genomics::AttributionMethod::Saliency
                                            : genomics::AttributionMethod::GradientTimesInput,
           .output_index = o.output_index,
           .rc_average = o.apply.rc_average,
           .start = o.start,
           .end = end,
           .batch_size = o.apply.batch_size});
    }
    const Array window = genomics::slice_positions(x, o.start, end);
    const Array values32 = values.to(DType::F32);  // float64 models give float64 scores
    const size_t offset = static_cast<size_t>(first) * sequence_bytes;
    std::memcpy(static_cast<char*>(s.values.raw()) + offset, values32.raw(), values32.bytes());
    std::memcpy(static_cast<char*>(s.onehot.raw()) + offset, window.raw(), window.bytes());
    progress.update(first + static_cast<int64_t>(rows.size()), "");
  }
  return s;
}

// The base of each window column of sequence i: A, C, G, T, or N for an all-zero column.
char reference_base(const Scores& s, int64_t i, int64_t j) {
  const int64_t width = s.onehot.size(2);
  for (int64_t b = 0; b < 4; ++b)
    if (s.onehot.data<float>()[(i * 4 + b) * width + j] != 0) return "ACGT"[b];
  return 'N';
}

std::string scores_tsv(const Scores& s, const std::vector<std::string>& names, Kind kind) {
  const int64_t width = s.values.size(2);
  const float* v = s.values.data<float>();
  std::ostringstream tsv;
  tsv.precision(7);
  tsv << (kind == Kind::Ism ? "name\tpos\tref\tdA\tdC\tdG\tdT\n" : "name\tpos\tref\tA\tC\tG\tT\n");
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

// The maps of the first svg_count sequences: (path, SVG document).
std::vector<std::pair<std::string, std::string>> draw_maps(const InterpretOptions& o, Kind kind,
                                                           const Scores& s, const Prepared& p) {
  const auto& targets = p.model.target_names;
  const std::string target = o.output_index < static_cast<int64_t>(targets.size())
                                 ? targets[static_cast<size_t>(o.output_index)]
                                 : "output " + std::to_string(o.output_index);
  const std::string strands = o.apply.rc_average ? ", both strands" : "";
  plots::AttributionMapOptions map{.first_position = s.start + 1,
                                   .panel_positions = kPanelPositions};
  std::string what;
  if (kind == Kind::Ism) {
    what = "in-silico mutagenesis";
    map.logo_label = "−mean Δ";
    map.value_label = "Δ prediction";
  } else if (o.method == "saliency") {
    what = map.logo_label = map.value_label = "gradient";
  } else {
    what = map.logo_label = map.value_label = "gradient × input";
  }
  std::vector<std::pair<std::string, std::string>> maps;
  const int64_t count = std::min<int64_t>(o.svg_count, static_cast<int64_t>(p.rows.size()));
  const size_t digits = std::to_string(count).size();
  for (int64_t i = 0; i < count; ++i) {
    const std::string& name = p.data.names[static_cast<size_t>(p.rows[static_cast<size_t>(i)])];
    map.title = name + ": " + what + " of " + target + strands;
    std::string number = std::to_string(i + 1);
    number.insert(0, digits - number.size(), '0');
    const Array values = sequence_of(s.values, i);
    const Array logo = genomics::reference_base_scores(
        values, sequence_of(s.onehot, i),
        kind == Kind::Ism ? genomics::ScoreKind::Ism : genomics::ScoreKind::Attribution);
    maps.emplace_back(
        (std::filesystem::path(o.svg_dir) / (number + "_" + file_stem(name) + ".svg")).string(),
        plots::attribution_map(plot_matrix(logo), plot_matrix(values), map));
  }
  return maps;
}

int run_interpret(const InterpretOptions& o, Kind kind) {
  const std::string& out = o.apply.out;
  const bool npy = ends_with(out, ".npy");
  DNAGRAD_CHECK(npy || ends_with(out, ".tsv"), "--out ", out,
                ": expected a .npy (array [N, 4, W]) or .tsv (rows) file name");
  Prepared p = prepare(o.apply);
  DNAGRAD_CHECK(p.predict.length.kind != genomics::LengthPolicy::Kind::PadWithMask,
                "--pad-with-mask: not supported here; the scores of all sequences form one array, "
                "so they need one length (use --length)");
  DNAGRAD_CHECK(!(o.apply.rc_average && p.model.per_position),
                "--rc-average: the model's outputs belong to positions (output t is base t), so "
                "averaging one output over both strands would mix two positions; not supported");
  DNAGRAD_CHECK(o.output_index < p.model.spec.outputs, "--output-index ", o.output_index,
                " is out of range: the model (", o.apply.checkpoint, ") has ", p.model.spec.outputs,
                " output(s)");

  const Scores s = compute_scores(o, kind, p, o.apply.common.quiet);
  std::vector<std::string> names;
  for (int64_t row : p.rows) names.push_back(p.data.names[static_cast<size_t>(row)]);
  // Everything is computed before the first file is written.
  std::vector<std::pair<std::string, std::string>> maps;
  if (!o.svg_dir.empty()) maps = draw_maps(o, kind, s, p);
  const std::string tsv = npy ? "" : scores_tsv(s, names, kind);
  if (npy)
    genomics::write_npy(out, s.values);
  else
    write_file_atomically(out, tsv);
  if (!o.svg_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(o.svg_dir, error);
    DNAGRAD_CHECK(!error, "--svg ", o.svg_dir, ": cannot create the directory: ", error.message());
    for (const auto& [path, svg] : maps) svg::write_file(path, svg);
  }
  if (!o.apply.common.quiet) {
    std::cerr << (kind == Kind::Ism ? "ism: " : "attribute: ") << names.size() << " sequences x "
              << s.values.size(2) << " positions, model " << p.model.spec.name << " → " << out;
    if (!o.svg_dir.empty()) std::cerr << ", " << maps.size() << " map(s) in " << o.svg_dir;
    std::cerr << "\n";
  }
  return 0;
}

void add_interpret_command(CLI::App& app, Commands& commands, Kind kind) {
  auto o = std::make_shared<InterpretOptions>();
  CLI::App* cmd =
      kind == Kind::Ism
          ? app.add_subcommand("ism", "in-silico mutagenesis: the effect of every substitution")
          : app.add_subcommand("attribute",
                               "gradient attributions (saliency, gradient x input) per base");
  // Attribution keeps every activation for the backward pass: 64 sequences of 2 kb through the
  // promoter model need about 0.9 GB (256 would need 3.5 GB, and run no faster).
  if (kind == Kind::Attribute) o->apply.batch_size = 64;
  add_apply_options(cmd, o->apply, false);
  if (kind == Kind::Ism) {
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
                    "saliency (d prediction / d input) or grad-x-input (that times the input)")
        ->capture_default_str()
        ->check(CLI::IsMember({"saliency", "grad-x-input"}));
  }
  cmd->add_option("--out", o->apply.out, ".npy (float32 [N, 4, W]) or .tsv (name pos ref + 4)")
      ->required();
  cmd->add_option("--start", o->start, "window start, 0-based")->capture_default_str();
  cmd->add_option("--end", o->end, "window end, exclusive (default: the input length)");
  cmd->add_option("--output-index", o->output_index, "which output of a multi-output model")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--svg", o->svg_dir, "also draw maps (logo + heatmap) into this directory");
  cmd->add_option("--svg-count", o->svg_count, "maps for at most this many (the first) sequences")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  commands.entries.push_back({cmd, [o, kind]() { return run_interpret(*o, kind); }});
}

}  // namespace

void add_interpret_commands(CLI::App& app, Commands& commands) {
  add_interpret_command(app, commands, Kind::Ism);
  add_interpret_command(app, commands, Kind::Attribute);
}

}  // namespace dnagrad::app
#endif  // DNAGRAD_WITH_GENOMICS_IO
