// The tutorials of `dnagrad demo`: the 8-mer task's data and the demo's published thresholds
// (seed 001 reports test R^2 0.949 for the CNN and 0.269 for the Linear model), the y = x^3
// demo, and the files both write.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "genomics/metrics.h"
#include "genomics/sequence.h"
#include "genomics/tutorials/demo_cubic.h"
#include "genomics/tutorials/demo_kmer.h"
#include "genomics/tutorials/kmer_task.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
namespace fs = std::filesystem;

namespace {
std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read ", path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path scratch_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("dnagrad-test-" + name + "-" + std::to_string(testing::fresh_seed()));
  fs::remove_all(dir);
  return dir;
}
}  // namespace

TEST_CASE("kmer8: scores follow the tutorial's rules, worked by hand") {
  CHECK(kmer_score("AAAAAAAA") == doctest::Approx(20.0));  // the tutorial's examples
  CHECK(kmer_score("ACAAAAAA") == doctest::Approx(19.625));
  CHECK(kmer_score("TTTTTTTT") == doctest::Approx(11.0));
  CHECK(kmer_score("AATATAAA") == doctest::Approx((20 * 6 + 11 * 2) / 8.0 + 10));  // TAT once
  CHECK(kmer_score("TATATATA") == doctest::Approx((20 * 4 + 11 * 4) / 8.0 + 10));  // not per hit
  CHECK(kmer_score("GCGCGCGC") == doctest::Approx((14 * 4 + 17 * 4) / 8.0 - 10));
  CHECK(kmer_score("TATGCGAA") == doctest::Approx((11 * 2 + 20 * 3 + 14 * 2 + 17) / 8.0));
  CHECK_THROWS_AS(kmer_score("AANAAAAA"), Error);
}

TEST_CASE("kmer8: all 65,536 8-mers, once each, in A-C-G-T order") {
  const std::vector<std::string> kmers = all_kmers(8);
  CHECK(kmers.size() == 65536);
  CHECK(std::set<std::string>(kmers.begin(), kmers.end()).size() == 65536);
  CHECK(kmers.front() == "AAAAAAAA");
  CHECK(kmers[1] == "AAAAAAAC");
  CHECK(kmers[4] == "AAAAAACA");
  CHECK(kmers.back() == "TTTTTTTT");
}

TEST_CASE("kmer8: the split has the tutorial's sizes and no overlap") {
  Generator gen(testing::fresh_seed());
  const SplitIndices s = random_split(65536, 0.2, 0.2, gen);
  CHECK(s.train.size() == 41942);
  CHECK(s.val.size() == 10486);
  CHECK(s.test.size() == 13108);
  std::set<int64_t> all(s.train.begin(), s.train.end());
  all.insert(s.val.begin(), s.val.end());
  all.insert(s.test.begin(), s.test.end());
  CHECK(all.size() == 65536);
}

TEST_CASE("demo: the default 8-mer run reaches the tutorial's numbers and finds TAT and GCG") {
  KmerDemoOptions options;  // the default seed and the full protocol: 50 epochs
  options.quiet = true;
  std::ostringstream log;
  const KmerDemoResult r = run_kmer_demo(options, log);
  INFO("CNN R2 ", r.cnn.test_r2, ", Linear R2 ", r.linear.test_r2);
  CHECK(r.cnn.test_r2 >= 0.94);
  CHECK(r.linear.test_r2 >= 0.2);
  CHECK(r.linear.test_r2 <= 0.35);
  CHECK(r.cnn.history.train_loss.size() == 50);
  CHECK(r.cnn.history.val_loss.back() < 0.2 * r.linear.history.val_loss.back());

  // The metrics are what the predictions say (recomputed independently here).
  CHECK(r.cnn.test_r2 == doctest::Approx(r_squared(r.cnn.test_pred, r.test_truth)));
  double sse = 0;
  for (size_t i = 0; i < r.test_truth.size(); ++i)
    sse += std::pow(r.linear.test_pred[i] - r.test_truth[i], 2);
  CHECK(r.linear.test_mse == doctest::Approx(sse / r.test_truth.size()));

  std::set<std::string> consensus;
  for (const Motif& m : r.motifs) consensus.insert(m.consensus);
  CHECK(r.motifs.size() == 32);
  CHECK(consensus.count("TAT") == 1);
  CHECK(consensus.count("GCG") == 1);

  // The spot checks' truths are the scoring rule's.
  for (const SpotCheck& c : r.spot_checks) CHECK(c.truth == doctest::Approx(kmer_score(c.seq)));

  // Every promised file, with the promised contents.
  const fs::path dir = scratch_dir("demo");
  write_kmer_demo_outputs(r, dir.string());
  for (const char* name :
       {"metrics.json", "predictions.tsv", "loss_curves.svg", "parity_linear.svg", "parity_cnn.svg",
        "filters_heatmap.svg", "filter_logos.svg", "filters.meme"})
    CHECK_MESSAGE(fs::exists(dir / name), name);
  const auto metrics = nlohmann::json::parse(read_file(dir / "metrics.json"));
  for (const char* model : {"linear", "cnn"}) {
    for (const char* key : {"test_mse", "test_r2", "test_pearson"})
      CHECK(metrics[model][key].is_number());
    CHECK(metrics[model]["train_loss"].size() == 50);
    CHECK(metrics[model]["val_loss"].size() == 50);
  }
  CHECK(metrics["cnn"]["test_r2"].get<double>() == doctest::Approx(r.cnn.test_r2));
  const std::string tsv = read_file(dir / "predictions.tsv");
  CHECK(tsv.rfind("sequence\ttruth\tlinear\tcnn\n", 0) == 0);
  CHECK(std::count(tsv.begin(), tsv.end(), '\n') == 13109);
  for (const char* svg : {"loss_curves.svg", "parity_cnn.svg", "filter_logos.svg"}) {
    const std::string text = read_file(dir / svg);
    CHECK(text.find("<svg") != std::string::npos);
    CHECK(text.find("</svg>") != std::string::npos);
  }
  CHECK(read_file(dir / "parity_cnn.svg").find("R\u00b2") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("demo: filters.meme is MEME minimal format with rows summing to 1") {
  // Two hand-made motifs: one counted from sites, one with none (uniform rows).
  //               A: 5 0 0   C: 0 5 3   G: 0 0 0   T: 0 0 2   (rows = bases, columns = positions)
  Motif a{"filter0", 3, {5, 0, 0, 0, 5, 3, 0, 0, 0, 0, 0, 2}, 5, "ACC"};
  Motif b{"filter1", 3, std::vector<double>(12, 0.0), 0, "NNN"};
  const std::string meme = meme_minimal({a, b});
  CHECK(meme.rfind("MEME version 4\n", 0) == 0);
  CHECK(meme.find("ALPHABET= ACGT\n") != std::string::npos);
  CHECK(meme.find("strands: + -\n") != std::string::npos);
  CHECK(meme.find("Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n") !=
        std::string::npos);
  CHECK(meme.find("MOTIF filter0 ACC\nletter-probability matrix: alength= 4 w= 3 nsites= 5\n"
                  " 1.000000 0.000000 0.000000 0.000000\n"
                  " 0.000000 1.000000 0.000000 0.000000\n"
                  " 0.000000 0.600000 0.000000 0.400000\n\n") != std::string::npos);
  CHECK(meme.find("nsites= 0\n 0.250000 0.250000 0.250000 0.250000\n") != std::string::npos);
  CHECK(meme.find("E=") == std::string::npos);  // filters have no E-value to give
  CHECK(meme.substr(meme.size() - 2) == "\n\n");
}

TEST_CASE("demo: motifs come from the windows that activate a filter most") {
  // One filter; activations [3 seqs, 1 filter, 2 windows] of width 2. The maximum is 4; windows
  // >= 2 count: "AC" (4), "CG" (3) and "AC" (2) - but not the 1.5 or the negative one.
  const std::vector<std::string> seqs = {"ACG", "TCG", "ACT"};
  const Array acts = Array::from_vector({3, 1, 2}, {4, 3, 1.5, -1, 2, 0.5});
  const std::vector<Motif> m = motifs_from_activations(acts, seqs, 2);
  REQUIRE(m.size() == 1);
  CHECK(m[0].sites == 3);
  // position 1 sees A, C, A and position 2 sees C, G, C:  A: 2 0   C: 1 2   G: 0 1   T: 0 0
  CHECK(m[0].counts == std::vector<double>{2, 0, 1, 2, 0, 1, 0, 0});
  CHECK(m[0].consensus == "AC");
}

TEST_CASE("demo cubic: the lines fail, the MLP fits, and gradient descent finds the closed form") {
  CubicDemoOptions options;
  options.quiet = true;
  options.seed = testing::fresh_seed();
  INFO("seed ", options.seed);
  std::ostringstream log;
  const CubicDemoResult r = run_cubic_demo(options, log);
  CHECK(r.closed_form.r2 < 0.9);
  CHECK(r.gradient_descent.r2 < 0.9);
  CHECK(r.mlp.r2 > 0.99);
  CHECK(r.gd_slope == doctest::Approx(r.closed_slope).epsilon(1e-3));
  CHECK(r.gd_intercept == doctest::Approx(r.closed_intercept).epsilon(1e-2).scale(1));
  CHECK(r.mlp.loss.back() < 0.05 * r.mlp.loss.front());
  // The closed form is least squares: its residuals are orthogonal to 1 and x.
  double r_sum = 0, rx_sum = 0;
  for (size_t i = 0; i < r.x.size(); ++i) {
    r_sum += r.y[i] - r.closed_form.pred[i];
    rx_sum += (r.y[i] - r.closed_form.pred[i]) * r.x[i];
  }
  CHECK(std::abs(r_sum) < 1e-9 * r.x.size());
  CHECK(std::abs(rx_sum) < 1e-9 * r.x.size());

  const fs::path dir = scratch_dir("cubic");
  write_cubic_demo_outputs(r, dir.string());
  CHECK(fs::exists(dir / "cubic_fit.svg"));
  CHECK(fs::exists(dir / "cubic_loss.svg"));
  fs::remove_all(dir);
}

TEST_CASE("genomics: one-hot, reverse complement and base codes") {
  const Array x = one_hot({"ACGTN", "acgtn"});
  CHECK(x.shape() == Shape{2, 4, 5});
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t t = 0; t < 5; ++t)
      for (int64_t b = 0; b < 4; ++b)
        CHECK(x.at({n, b, t}) == (t == b ? 1.0 : 0.0));  // N (t = 4) is an all-zero column
  CHECK(reverse_complement("AACGTN") == "NACGTT");
  CHECK(reverse_complement("acgR") == "Ycgt");
  CHECK_THROWS_WITH_AS(one_hot({"ACXT"}), doctest::Contains("'X' at position 3"), Error);
  CHECK_THROWS_WITH_AS(one_hot({"ACGT", "ACG"}), doctest::Contains("sequence 2 has length 3"),
                       Error);
}

TEST_CASE("genomics: regression metrics on hand examples") {
  CHECK(mean_squared_error({1, 2, 3}, {1, 2, 5}) == doctest::Approx(4.0 / 3));
  CHECK(r_squared({1, 2, 3}, {1, 2, 3}) == doctest::Approx(1.0));
  CHECK(r_squared({2, 2, 2}, {1, 2, 3}) == doctest::Approx(0.0));  // predicting the mean
  CHECK(pearson({1, 2, 3}, {2, 4, 6}) == doctest::Approx(1.0));
  CHECK(pearson({1, 2, 3}, {3, 2, 1}) == doctest::Approx(-1.0));
  CHECK(std::isnan(pearson({1, 1, 1}, {1, 2, 3})));
}

TEST_CASE("demo: the progress line counts each model's epochs, and a model not yet run says so") {
  KmerDemoOptions options;
  options.epochs = 1;
  options.parallel_models = false;  // linear first, then the CNN
  std::ostringstream log;           // not a terminal: plain lines
  (void)run_kmer_demo(options, log);
  const std::string text = log.str();
  INFO(text);
  CHECK(text.find("train epoch (2 models) 1/2 (") != std::string::npos);
  CHECK(text.find("linear 1/1 val MSE ") != std::string::npos);
  CHECK(text.find("cnn not started") != std::string::npos);
  CHECK(text.find("cnn 1/1 val MSE ") != std::string::npos);
  CHECK(text.find("cnn 0.000") == std::string::npos);
}
