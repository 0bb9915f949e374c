// genomics/train/sweep: grid order, random draws reproducible from the seed and inside their
// bounds, and each bad sweep file's error naming the key and the value.
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <string>

#include "core/error.h"
#include "genomics/train/sweep.h"

namespace {

using dnagrad::genomics::expand_sweep;

}  // namespace

TEST_CASE("sweep: grid runs every combination, the last parameter fastest, over the base") {
  const auto sweep = expand_sweep(R"({"name": "g", "base": {"model": "kmer-cnn", "epochs": 2},
      "parameters": {"lr": {"values": [0.1, 0.01]}, "batch_size": {"values": [8, 16, 32]}}})",
                                  "s.json");
  CHECK(sweep.name == "g");
  REQUIRE(sweep.runs.size() == 6);
  const double lrs[] = {0.1, 0.1, 0.1, 0.01, 0.01, 0.01};
  const int64_t batches[] = {8, 16, 32, 8, 16, 32};
  for (size_t r = 0; r < 6; ++r) {
    CHECK(sweep.runs[r].config.lr == lrs[r]);
    CHECK(sweep.runs[r].config.batch_size == batches[r]);
    CHECK(sweep.runs[r].config.model == "kmer-cnn");
    CHECK(sweep.runs[r].config.epochs == 2);
    CHECK(sweep.runs[r].config.optimizer == "adam");  // the default recipe's, untouched
  }
  CHECK(sweep.runs[4].assignment == R"({"lr":0.01,"batch_size":16})");
}

TEST_CASE("sweep: random draws repeat with the seed and stay inside their bounds") {
  const std::string text = R"({"method": "random", "seed": 5, "budget": 40, "parameters": {
      "lr": {"distribution": "log_uniform", "min": 1e-4, "max": 1e-1},
      "weight_decay": {"distribution": "uniform", "min": 0.25, "max": 0.5},
      "optimizer": {"values": ["adam", "sgd"]}}})";
  const auto a = expand_sweep(text, "s.json");
  const auto b = expand_sweep(text, "s.json");
  REQUIRE(a.runs.size() == 40);
  std::set<std::string> optimizers;
  int lr_below_1e3 = 0;
  for (size_t r = 0; r < 40; ++r) {
    CHECK(a.runs[r].assignment == b.runs[r].assignment);
    CHECK(a.runs[r].config.lr >= 1e-4);
    CHECK(a.runs[r].config.lr < 1e-1);
    CHECK(a.runs[r].config.weight_decay >= 0.25);
    CHECK(a.runs[r].config.weight_decay < 0.5);
    optimizers.insert(a.runs[r].config.optimizer);
    lr_below_1e3 += a.runs[r].config.lr < 1e-3;
  }
  CHECK(optimizers == std::set<std::string>{"adam", "sgd"});
  // Log-uniform over 3 decades puts a third below 1e-3 (uniform would put 0.9%): of 40 draws,
  // far more than 1 and fewer than all.
  CHECK(lr_below_1e3 >= 5);
  CHECK(lr_below_1e3 <= 25);
  const auto other = expand_sweep(
      R"({"method": "random", "seed": 6, "budget": 40, "parameters": {
      "lr": {"distribution": "log_uniform", "min": 1e-4, "max": 1e-1}}})",
      "s.json");
  CHECK(other.runs[0].config.lr != a.runs[0].config.lr);
}

TEST_CASE("sweep: bad files are errors naming the key and the value") {
  auto fails_with = [](const std::string& text, const std::string& message) {
    CAPTURE(text);
    CHECK_THROWS_WITH_AS(expand_sweep(text, "s.json"), doctest::Contains(message.c_str()),
                         dnagrad::Error);
  };
  fails_with(R"({"parameters": {"learning_rate": {"values": [0.1]}}})",
             "s.json: unknown parameter 'learning_rate' (train settings: model, task");
  fails_with(R"({"parameters": {}})", "s.json: the search space is empty");
  fails_with(R"({"base": {"epochs": 2}})", "s.json: the search space is empty");
  fails_with(R"({"paramters": {"lr": {"values": [0.1]}}})", "s.json: unknown key 'paramters'");
  fails_with(R"({"method": "bayes", "parameters": {"lr": {"values": [0.1]}}})",
             "s.json: method: unknown method 'bayes'");
  fails_with(R"({"parameters": {"lr": {"values": []}}})",
             "s.json: parameters.lr.values must be a non-empty list, got []");
  fails_with(R"({"parameters": {"lr": {"distribution": "uniform", "min": 0.1, "max": 0.2}}})",
             "s.json: parameters.lr: grid search needs \"values\"");
  fails_with(R"({"method": "random", "budget": 2,
      "parameters": {"lr": {"distribution": "normal", "min": 0, "max": 1}}})",
             "s.json: parameters.lr.distribution: unknown distribution \"normal\"");
  fails_with(R"({"method": "random", "budget": 2,
      "parameters": {"lr": {"distribution": "log_uniform", "min": 0, "max": 1}}})",
             "log_uniform needs min > 0, got 0");
  fails_with(R"({"method": "random", "parameters": {"lr": {"values": [0.1]}}})",
             "s.json: budget: random search needs a number of runs >= 1, got null");
  fails_with(R"({"parameters": {"batch_size": {"values": [16, 0]}}})",
             R"(s.json: run 2 {"batch_size":0}: train: epochs and batch sizes must be positive)");
  fails_with(R"({"parameters": {"optimizer": {"values": ["adam", "lion"]}}})",
             "run 2 {\"optimizer\":\"lion\"}: train: unknown optimizer 'lion'");
  fails_with(R"({"base": {"epoch": 3}, "parameters": {"lr": {"values": [0.1]}}})", "s.json: base");
  fails_with("{\"parameters\": ", "s.json: not valid JSON");
}

TEST_CASE("sweep: halving keeps the best ceil(keep x n) of a scripted rung") {
  using dnagrad::genomics::halving_survivors;
  // Sorted by hand: run 2 (0.1), runs 4 and 5 (0.3, the tie in id order), run 1 (0.5), run 3
  // (NaN, always last).
  const std::vector<std::pair<int64_t, double>> values = {
      {1, 0.5}, {2, 0.1}, {3, NAN}, {4, 0.3}, {5, 0.3}};
  dnagrad::genomics::Halving h;
  h.keep = 0.5;  // ceil(2.5) = 3 go on
  CHECK(halving_survivors(values, h) == std::vector<int64_t>{2, 4, 5});
  h.keep = 0.3;  // ceil(1.5) = 2: the tie at 0.3 goes to the lower id
  CHECK(halving_survivors(values, h) == std::vector<int64_t>{2, 4});
  h.keep = 0.1;  // ceil(0.5) = 1
  CHECK(halving_survivors(values, h) == std::vector<int64_t>{2});
  h.keep = 0.5;
  h.maximize = true;  // 0.5, then 0.3 (4), 0.3 (5); NaN still last
  CHECK(halving_survivors(values, h) == std::vector<int64_t>{1, 4, 5});
  CHECK(halving_survivors({{7, NAN}}, h) == std::vector<int64_t>{7});  // one run always goes on
  CHECK(halving_survivors({}, h).empty());
}

TEST_CASE("sweep: halving settings are read and checked") {
  const auto sweep = expand_sweep(R"({"base": {"epochs": 5},
      "parameters": {"lr": {"values": [0.1, 0.01]}},
      "halving": {"rungs": [1, 3], "keep": 0.25, "metric": "val_pearson", "mode": "max"}})",
                                  "s.json");
  REQUIRE(sweep.halving.has_value());
  CHECK(sweep.halving->rungs == std::vector<int64_t>{1, 3});
  CHECK(sweep.halving->keep == 0.25);
  CHECK(sweep.halving->metric == "val_pearson");
  CHECK(sweep.halving->maximize);
  CHECK_FALSE(expand_sweep(R"({"parameters": {"lr": {"values": [0.1]}}})", "s.json").halving);
  auto fails_with = [](const std::string& halving, const std::string& message) {
    const std::string text =
        R"({"base": {"epochs": 3}, "parameters": {"epochs": {"values": [3, 2]}},
        "halving": )" +
        halving + "}";
    CAPTURE(text);
    CHECK_THROWS_WITH_AS(expand_sweep(text, "s.json"), doctest::Contains(message.c_str()),
                         dnagrad::Error);
  };
  fails_with(R"({"rungs": [2, 1]})", "s.json: halving.rungs must be increasing epochs >= 1");
  fails_with(R"({"rungs": []})", "s.json: halving.rungs must be a non-empty list");
  fails_with(R"({"rungs": [2]})",
             "the last rung, epoch 2, must come before the end of every run; run 2 trains 2");
  fails_with(R"({"rungs": [1], "keep": 1})", "s.json: halving.keep must be a fraction in (0, 1)");
  fails_with(R"({"rungs": [1], "metric": "loss"})", "s.json: halving.metric must be a validation");
  fails_with(R"({"rungs": [1], "mode": "lowest"})", "s.json: halving.mode must be");
  fails_with(R"({"rungs": [1], "every": 2})", "s.json: halving: unknown key 'every'");
}
