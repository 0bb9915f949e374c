#include "genomics/tutorials/demo_kmer.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "autograd/ops.h"
#include "genomics/metrics.h"
#include "genomics/models/kmer.h"
#include "genomics/plot/plots.h"
#include "genomics/plot/svg.h"
#include "genomics/sequence.h"
#include "genomics/train/progress.h"
#include "genomics/tutorials/kmer_task.h"
#include "nn/inference.h"

namespace dnagrad::genomics {

namespace {

constexpr int kLength = 8;

struct Data {
  std::vector<std::string> seqs;
  Array x, y;  // [n, 4, 8], [n]
};

Data subset(const std::vector<std::string>& seqs, const std::vector<int64_t>& idx) {
  Data d;
  std::vector<double> y;
  for (int64_t i : idx) {
    d.seqs.push_back(seqs[i]);
    y.push_back(kmer_score(seqs[i]));
  }
  d.x = one_hot(d.seqs);
  d.y = Array::from_vector({static_cast<int64_t>(idx.size())}, y);
  return d;
}

void evaluate(ModelReport& report, nn::Module& model, const Data& test) {
  report.test_pred = predict(model, test.x);
  const std::vector<double> truth = test.y.to_vector();
  report.test_mse = mean_squared_error(report.test_pred, truth);
  report.test_r2 = r_squared(report.test_pred, truth);
  report.test_pearson = pearson(report.test_pred, truth);
}

// The tutorial's spot check: sequences with and without each motif.
std::vector<SpotCheck> spot_checks(nn::Module& linear, nn::Module& cnn) {
  std::vector<SpotCheck> checks = {
      {"AAAAAAAA", "no motif", 0, 0, 0},    {"CCCCCCCC", "no motif", 0, 0, 0},
      {"GGGGGGGG", "no motif", 0, 0, 0},    {"TTTTTTTT", "no motif", 0, 0, 0},
      {"AACTATAA", "TAT", 0, 0, 0},         {"GGGTATGG", "TAT", 0, 0, 0},
      {"AAAGCGAA", "GCG", 0, 0, 0},         {"TTTGCGTT", "GCG", 0, 0, 0},
      {"TATAAGCG", "TAT and GCG", 0, 0, 0}, {"GCGTATTA", "TAT and GCG", 0, 0, 0},
  };
  std::vector<std::string> seqs;
  for (const SpotCheck& c : checks) seqs.push_back(c.seq);
  const Array x = one_hot(seqs);
  const std::vector<double> pl = predict(linear, x), pc = predict(cnn, x);
  for (size_t i = 0; i < checks.size(); ++i) {
    checks[i].truth = kmer_score(checks[i].seq);
    checks[i].linear = pl[i];
    checks[i].cnn = pc[i];
  }
  return checks;
}

// The first conv layer's pre-ReLU outputs on x, [N, filters, L - 2].
Array first_layer_activations(KmerCNN& cnn, const Array& x) {
  return nn::predict_in_batches(*cnn.conv, x.size(0), std::max<int64_t>(x.size(0), 1),
                                [&](int64_t, int64_t) { return x; })
      .to(Device::cpu());
}

}  // namespace

KmerDemoResult run_kmer_demo(const KmerDemoOptions& options, std::ostream& log) {
  Generator split_gen(options.seed);
  const std::vector<std::string> kmers = all_kmers(kLength);
  const SplitIndices split = random_split(static_cast<int64_t>(kmers.size()), 0.2, 0.2, split_gen);
  const Data train = subset(kmers, split.train), val = subset(kmers, split.val),
             test = subset(kmers, split.test);
  if (!options.quiet)
    log << "8-mer task: " << kmers.size() << " sequences, split " << split.train.size() << " / "
        << split.val.size() << " / " << split.test.size() << " (train / val / test)\n";

  // Each model draws its initial weights and its shuffling from its own seeded streams, so the
  // results do not depend on whether the two are trained one after the other or at once.
  Generator init_linear(options.seed * 1000 + 1), init_cnn(options.seed * 1000 + 2);
  KmerLinear linear(kLength, init_linear);
  KmerCNN cnn(kLength, init_cnn);
  linear.to(options.device);  // the data stays on the CPU; fit moves each batch there
  cnn.to(options.device);
  KmerDemoResult result;
  result.linear.name = "linear";
  result.cnn.name = "cnn";

  // One bar over both models' epochs; the detail counts each model's own.
  Progress progress("train", 2 * options.epochs, "epoch (2 models)", log, options.quiet);
  std::mutex progress_mutex;
  int done[2] = {0, 0};
  double val_loss[2] = {0, 0};
  auto train_one = [&](int which) {
    nn::Module& model = which == 0 ? static_cast<nn::Module&>(linear) : cnn;
    ModelReport& report = which == 0 ? result.linear : result.cnn;
    const FitOptions fit{options.epochs, options.batch_size, options.lr, options.seed + which};
    const auto start = std::chrono::steady_clock::now();
    report.history = fit_regression_sgd(
        model, train.x, train.y, val.x, val.y, fit, [&](int epoch, double, double val_mse) {
          std::lock_guard<std::mutex> lock(progress_mutex);
          done[which] = epoch;
          val_loss[which] = val_mse;
          std::string detail;
          for (int m = 0; m < 2; ++m) {
            detail += m == 0 ? "linear " : "  cnn ";
            char part[64];
            if (done[m] == 0)
              std::snprintf(part, sizeof part, "not started");
            else
              std::snprintf(part, sizeof part, "%d/%lld val MSE %.3f", done[m],
                            static_cast<long long>(options.epochs), val_loss[m]);
            detail += part;
          }
          progress.update(done[0] + done[1], detail);
        });
    report.train_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  if (options.parallel_models && options.device.is_cpu() && omp_get_max_threads() >= 2) {
    // One model per thread; kernels inside each run single-threaded (no nested parallelism).
#pragma omp parallel sections num_threads(2)
    {
#pragma omp section
      train_one(0);
#pragma omp section
      train_one(1);
    }
  } else {
    train_one(0);
    train_one(1);
  }

  evaluate(result.linear, linear, test);
  evaluate(result.cnn, cnn, test);
  result.test_seqs = test.seqs;
  result.test_truth = test.y.to_vector();
  result.spot_checks = spot_checks(linear, cnn);

  const int64_t width = cnn.conv->kernel_size;
  result.motifs = motifs_from_activations(first_layer_activations(cnn, test.x), test.seqs, width);
  const std::vector<double> w = cnn.conv->weight.data().to_vector();  // [32, 4, 3]
  for (int64_t f = 0; f < cnn.conv->out_channels; ++f)
    result.filter_weights.emplace_back(w.begin() + f * 4 * width, w.begin() + (f + 1) * 4 * width);
  return result;
}

namespace {

nlohmann::ordered_json model_json(const ModelReport& r) {
  nlohmann::ordered_json j;
  j["test_mse"] = r.test_mse;
  j["test_r2"] = r.test_r2;
  j["test_pearson"] = r.test_pearson;
  j["train_seconds"] = r.train_seconds;
  j["train_loss"] = r.history.train_loss;
  j["val_loss"] = r.history.val_loss;
  return j;
}

std::string predictions_tsv(const KmerDemoResult& r) {
  std::string out = "sequence\ttruth\tlinear\tcnn\n";
  char line[96];
  for (size_t i = 0; i < r.test_seqs.size(); ++i) {
    std::snprintf(line, sizeof line, "%s\t%.6g\t%.6g\t%.6g\n", r.test_seqs[i].c_str(),
                  r.test_truth[i], r.linear.test_pred[i], r.cnn.test_pred[i]);
    out += line;
  }
  return out;
}

std::string loss_curves_svg(const KmerDemoResult& r) {
  const char* colors[2] = {"#1f77b4", "#d62728"};
  std::vector<plots::Series> series;
  int i = 0;
  for (const ModelReport* m : {&r.linear, &r.cnn}) {
    series.push_back({m->name + " train",
                      {},
                      m->history.train_loss,
                      plots::SeriesKind::Line,
                      colors[i],
                      "none"});
    series.push_back({m->name + " validation",
                      {},
                      m->history.val_loss,
                      plots::SeriesKind::Line,
                      colors[i],
                      "6 4"});
    ++i;
  }
  return plots::line_plot(series, {.title = "8-mer scores: loss per epoch",
                                   .x_label = "epoch",
                                   .y_label = "MSE loss",
                                   .log_y = true});
}

std::string parity_svg(const KmerDemoResult& r, const ModelReport& m, const char* label) {
  char title[128];
  std::snprintf(title, sizeof title, "%s model on the test set: R\u00b2 = %.3f", label, m.test_r2);
  return plots::parity_plot(
      r.test_truth, m.test_pred,
      {.title = title, .x_label = "true score", .y_label = "predicted score"});
}

std::string panel_title(const Motif& m) { return m.name + ": " + m.consensus; }

}  // namespace

void write_kmer_demo_outputs(const KmerDemoResult& result, const std::string& out_dir) {
  nlohmann::ordered_json metrics;
  metrics["linear"] = model_json(result.linear);
  metrics["cnn"] = model_json(result.cnn);

  std::vector<plots::Matrix> weights, pfms;
  std::vector<std::string> weight_titles, logo_titles;
  for (size_t f = 0; f < result.motifs.size(); ++f) {
    const Motif& m = result.motifs[f];
    weights.push_back({4, static_cast<size_t>(m.width), result.filter_weights[f]});
    weight_titles.push_back(m.name);
    pfms.push_back({4, static_cast<size_t>(m.width), m.probabilities()});
    logo_titles.push_back(panel_title(m));
  }
  // Render everything first: a failure here leaves no partial output behind.
  const std::vector<std::pair<std::string, std::string>> files = {
      {"metrics.json", metrics.dump(2) + "\n"},
      {"predictions.tsv", predictions_tsv(result)},
      {"loss_curves.svg", loss_curves_svg(result)},
      {"parity_linear.svg", parity_svg(result, result.linear, "Linear")},
      {"parity_cnn.svg", parity_svg(result, result.cnn, "CNN")},
      {"filters_heatmap.svg", plots::heatmap_grid(weights, weight_titles,
                                                  {.title = "CNN first-layer filters (weights)",
                                                   .row_labels = {"A", "C", "G", "T"},
                                                   .col_labels = {"1", "2", "3"},
                                                   .value_label = "weight"})},
      {"filter_logos.svg",
       plots::logo_grid(pfms, logo_titles,
                        {.title = "CNN filters as motifs (top-activating test subsequences)"})},
      {"filters.meme", meme_minimal(result.motifs)},
  };
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  DNAGRAD_CHECK(!ec, "demo: cannot create the output directory ", out_dir, ": ", ec.message());
  for (const auto& [name, content] : files) svg::write_file(out_dir + "/" + name, content);
}

void print_kmer_demo_summary(const KmerDemoResult& r, std::ostream& out) {
  char line[160];
  out << "\nTest set (" << r.test_seqs.size() << " sequences)\n";
  std::snprintf(line, sizeof line, "%-8s %10s %8s %10s %9s\n", "model", "MSE", "R2", "Pearson r",
                "train s");
  out << line;
  for (const ModelReport* m : {&r.linear, &r.cnn}) {
    std::snprintf(line, sizeof line, "%-8s %10.3f %8.3f %10.3f %9.1f\n", m->name.c_str(),
                  m->test_mse, m->test_r2, m->test_pearson, m->train_seconds);
    out << line;
  }
  out << "\nSpot check\n";
  std::snprintf(line, sizeof line, "%-10s %-12s %8s %8s %8s\n", "sequence", "motif", "true",
                "linear", "cnn");
  out << line;
  for (const SpotCheck& c : r.spot_checks) {
    std::snprintf(line, sizeof line, "%-10s %-12s %8.2f %8.2f %8.2f\n", c.seq.c_str(),
                  c.note.c_str(), c.truth, c.linear, c.cnn);
    out << line;
  }
  out << "\nCNN filters whose motif is TAT or GCG:";
  for (const Motif& m : r.motifs)
    if (m.consensus == "TAT" || m.consensus == "GCG")
      out << " " << m.name << " (" << m.consensus << ")";
  out << "\n";
}

}  // namespace dnagrad::genomics
