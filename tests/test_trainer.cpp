// genomics/train/trainer.h on tiny synthetic tasks (a second or two in all): the loss falls, the
// output directory holds what the header lists, a resumed run equals an uninterrupted one bit
// for bit (dropout, scheduler and early-stopping state included), early stopping and a
// diverging loss stop as documented, the JSON config is strict, and classification tasks
// report their metrics.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "genome_fixture.h"
#include "genomics/models/trained_model.h"
#include "genomics/train/progress.h"
#include "genomics/train/trainer.h"
#include "nn/checkpoint.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
using namespace dnagrad::testing;
using json = nlohmann::json;

namespace {

std::string random_dna(Generator& gen, int64_t length) {
  std::string s;
  for (int64_t i = 0; i < length; ++i) s += "ACGT"[gen.next_u64() % 4];
  return s;
}

int64_t count_of(const std::string& s, const std::string& bases) {
  return std::count_if(s.begin(), s.end(),
                       [&](char c) { return bases.find(c) != std::string::npos; });
}

// n random sequences with one target each, label(sequence) (plus nothing: the caller adds
// noise when it wants). Labels that do not change under reverse complement keep the
// augmented training batches consistent.
template <class Label>
SequenceDataset synthetic(Generator& gen, int64_t n, int64_t length, Label label) {
  std::vector<std::string> names, seqs;
  std::vector<float> targets;
  for (int64_t i = 0; i < n; ++i) {
    names.push_back(cat("s", i));
    seqs.push_back(random_dna(gen, length));
    targets.push_back(static_cast<float>(label(seqs.back(), gen)));
  }
  return in_memory_dataset("synthetic", names, seqs, {"y"}, targets);
}

// 200 sequences of 20 bases; y = number of A and T + N(0, 0.1^2)-ish noise.
SequenceDataset at_count_data(Generator& gen) {
  return synthetic(gen, 200, 20, [](const std::string& s, Generator& g) {
    return static_cast<double>(count_of(s, "AT")) + 0.2 * (g.uniform() - 0.5);
  });
}

TrainRun make_run(const SequenceDataset& data, const std::string& out, uint64_t split_seed) {
  Generator gen(split_seed);
  TrainRun run;
  run.data = &data;
  run.split = random_split(data.size(), 0.1, 0.1111, gen);
  run.out_dir = out;
  return run;
}

// Batch 1 is finite; its step with lr 1e30 makes every later output overflow float32, so the
// loss of batch 2 (of 5: 160 training rows in batches of 32) is the first that is not finite.
TrainConfig diverging_config(uint64_t seed) {
  return {.model = "linear",
          .epochs = 3,
          .batch_size = 32,
          .optimizer = "sgd",
          .lr = 1e30,
          .weight_decay = 0,
          .clip_grad_norm = 0,
          .seed = seed};
}

// Two epochs of a run whose float32 weights never move (sgd, lr 1e-30), so that each epoch
// trains the same model: its training loss must be that model's mean loss over the training
// rows, `row_mean_loss` (recomputed on the CPU from last.safetensors). Batches of 48 leave a last
// batch of 16: a mean of batch means that ignored their sizes would be off by percents.
struct StillRun {
  TrainResult result;
  double row_mean_loss = 0;
};

StillRun train_still(const SequenceDataset& data, const std::filesystem::path& out, Device device,
                     Generator& gen, std::ostream* log = nullptr) {
  TrainRun run = make_run(data, out.string(), gen.next_u64());
  run.device = device;
  run.log = log;
  const TrainConfig config{.model = "linear",
                           .epochs = 2,
                           .batch_size = 48,
                           .optimizer = "sgd",
                           .lr = 1e-30,
                           .weight_decay = 0,
                           .rc_augment = false,
                           .seed = gen.next_u64()};
  StillRun still{.result = train(run, config)};
  REQUIRE(still.result.history.size() == 2);
  const TrainedModel model = load_trained_model((out / "last.safetensors").string(), {});
  still.row_mean_loss =
      evaluate_rows(*model.module, Task::Regression, data, run.split.train, 1, {}).loss;
  return still;
}

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Everything of an epoch record except its wall-clock time.
void check_same_history(const std::vector<EpochRecord>& a, const std::vector<EpochRecord>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("epoch ", a[i].epoch);
    CHECK(a[i].epoch == b[i].epoch);
    CHECK(a[i].train_loss == b[i].train_loss);
    CHECK(a[i].val_loss == b[i].val_loss);
    CHECK(a[i].lr == b[i].lr);
    CHECK(a[i].val == b[i].val);
  }
}

void check_same_tensors(const std::string& a, const std::string& b) {
  const nn::StateDict ta = nn::read_safetensors(a).tensors, tb = nn::read_safetensors(b).tensors;
  REQUIRE(ta.size() == tb.size());
  for (size_t i = 0; i < ta.size(); ++i) {
    INFO(ta[i].first);
    CHECK(ta[i].first == tb[i].first);
    CHECK(ta[i].second.to_vector() == tb[i].second.to_vector());
  }
}

}  // namespace

TEST_CASE("trainer: a small regression run learns and writes every output file") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const SequenceDataset data = at_count_data(gen);
  ScratchDir dir;
  const std::filesystem::path out = dir.path() / "run";
  TrainRun run = make_run(data, out.string(), gen.next_u64());
  REQUIRE(run.split.train.size() == 160);
  REQUIRE(run.split.val.size() == 20);
  REQUIRE(run.split.test.size() == 20);
  std::ostringstream log;
  run.log = &log;
  TrainConfig config{
      .model = "linear", .epochs = 4, .batch_size = 32, .lr = 0.05, .seed = gen.next_u64()};
  const TrainResult result = train(run, config);

  REQUIRE(result.history.size() == 4);
  CHECK(result.history.back().train_loss < result.history.front().train_loss);
  CHECK(result.history.back().val_loss < result.history.front().val_loss);
  CHECK(result.stop_reason == "completed 4 epochs");
  // The best epoch is the one with the lowest validation loss.
  const auto best = std::min_element(result.history.begin(), result.history.end(),
                                     [](auto& a, auto& b) { return a.val_loss < b.val_loss; });
  CHECK(result.best_epoch == best->epoch);
  CHECK(result.best_val_loss == best->val_loss);
  for (const EpochRecord& r : result.history)
    for (const char* m : {"mse", "pearson", "spearman", "r2"}) CHECK(r.val.count(m) == 1);
  CHECK(log.str().find("epoch 4/4") != std::string::npos);

  for (const char* f :
       {"last.safetensors", "best.safetensors", "trainer_state.safetensors", "metrics.json",
        "metrics.tsv", "loss_curves.svg", "test_predictions.tsv", "test_parity.svg"})
    CHECK_MESSAGE(std::filesystem::exists(out / f), f);
  CHECK_FALSE(std::filesystem::exists(out / "epoch_001.safetensors"));

  // best.safetensors, read back as predict does, gives the best epoch's validation loss and
  // the test metrics: the MSE recomputed here in float64.
  const TrainedModel best_model = load_trained_model((out / "best.safetensors").string(),
                                                     {.name = "", .input_length = 0, .outputs = 0});
  CHECK(best_model.spec.name == "linear");
  CHECK(best_model.spec.input_length == 20);
  auto mse_of = [&](const std::vector<int64_t>& rows) {
    const std::vector<double> p =
        predict_outputs(*best_model.module, data, rows, 1, {}).to(Device::cpu()).to_vector();
    double sum = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const double d = static_cast<double>(p[i]) - data.targets_of(rows[i])[0];
      sum += d * d;
    }
    return sum / static_cast<double>(rows.size());
  };
  CHECK(mse_of(run.split.val) == doctest::Approx(result.best_val_loss).epsilon(1e-5));
  CHECK(mse_of(run.split.test) == doctest::Approx(result.test.at("mse")).epsilon(1e-5));
  CHECK(result.test.at("loss") == doctest::Approx(result.test.at("mse")).epsilon(1e-5));

  const nn::Metadata last = nn::read_safetensors((out / "last.safetensors").string()).metadata;
  CHECK(last.at("model") == "linear");
  CHECK(last.at("input_length") == "20");
  CHECK(last.at("outputs") == "1");
  CHECK(last.at("task") == "regression");
  CHECK(last.at("epoch") == "4");
  CHECK(nn::read_safetensors((out / "best.safetensors").string()).metadata.at("epoch") ==
        std::to_string(result.best_epoch));
  bool has_model = false, has_optim = false;
  for (const auto& [name, a] :
       nn::read_safetensors((out / "trainer_state.safetensors").string()).tensors) {
    has_model = has_model || name.starts_with("model.");
    has_optim = has_optim || name.starts_with("optim.");
  }
  CHECK(has_model);
  CHECK(has_optim);

  const json metrics = read_json(out / "metrics.json");
  REQUIRE(metrics.at("history").size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    const json& h = metrics.at("history")[i];
    CHECK(h.at("epoch") == i + 1);
    CHECK(h.at("train_loss").get<double>() == result.history[i].train_loss);
    CHECK(h.at("val_loss").get<double>() == result.history[i].val_loss);
    CHECK(h.at("lr").get<double>() == result.history[i].lr);
    CHECK(h.contains("seconds"));
    CHECK(h.at("val").at("r2").get<double>() == result.history[i].val.at("r2"));
  }
  CHECK(metrics.at("best_epoch") == result.best_epoch);
  CHECK(metrics.at("stop_reason") == "completed 4 epochs");
  CHECK(metrics.at("test").at("mse").get<double>() == result.test.at("mse"));
  CHECK(metrics.at("model").at("name") == "linear");
  CHECK(metrics.at("data").at("train") == 160);
  CHECK(metrics.at("config").at("lr") == 0.05);

  const std::vector<std::string> tsv = lines_of(out / "metrics.tsv");
  REQUIRE(tsv.size() == 5);
  CHECK(tsv[0] ==
        "epoch\ttrain_loss\tval_loss\tlr\tseconds\tval_mse\tval_pearson\tval_r2\t"
        "val_spearman");
  CHECK(tsv[4].starts_with("4\t"));
  const std::vector<std::string> preds = lines_of(out / "test_predictions.tsv");
  CHECK(preds.size() == 21);
  CHECK(preds[0] == "name\tmeasured_y\tprediction");  // predict's column name
  std::ifstream svg(out / "loss_curves.svg");
  const std::string svg_text((std::istreambuf_iterator<char>(svg)), {});
  CHECK(svg_text.find("<svg") != std::string::npos);
}

TEST_CASE("trainer: resume continues a stopped run to exactly the uninterrupted result") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  // Binary: more G and C than A and T (unchanged by reverse complement). cnn-classifier has
  // BatchNorm and Dropout, so the running statistics and the dropout streams must carry over.
  const SequenceDataset data = synthetic(gen, 128, 60, [](const std::string& s, Generator&) {
    return count_of(s, "GC") > 30 ? 1.0 : 0.0;
  });
  ScratchDir dir;
  const std::string whole = (dir.path() / "whole").string(),
                    parts = (dir.path() / "parts").string();
  const uint64_t split_seed = gen.next_u64();
  // A schedule that moves: the plateau scheduler halves the rate on every epoch without a lower
  // validation loss, and early stopping counts (but, with patience 10, never fires here).
  const TrainConfig config{.model = "cnn-classifier",
                           .task = "binary",
                           .epochs = 4,
                           .batch_size = 64,
                           .optimizer = "adamw",
                           .lr = 3e-3,
                           .weight_decay = 0.01,
                           .plateau_patience = 0,
                           .early_stopping = 10,
                           .seed = gen.next_u64()};
  const TrainResult uninterrupted = train(make_run(data, whole, split_seed), config);

  TrainConfig first_half = config;
  first_half.epochs = 2;
  const TrainResult stopped = train(make_run(data, parts, split_seed), first_half);
  REQUIRE(stopped.history.size() == 2);
  TrainRun resumed_run = make_run(data, parts, split_seed);
  resumed_run.resume = true;
  std::ostringstream log;
  resumed_run.log = &log;
  const TrainResult resumed = train(resumed_run, config);
  CHECK(log.str().find("after epoch 2") != std::string::npos);
  CHECK(log.str().find("epoch 1/4") == std::string::npos);  // epochs 1 and 2 are not rerun

  check_same_history(resumed.history, uninterrupted.history);
  CHECK(resumed.best_epoch == uninterrupted.best_epoch);
  CHECK(resumed.best_val_loss == uninterrupted.best_val_loss);
  CHECK(resumed.test == uninterrupted.test);
  for (const char* f : {"last.safetensors", "best.safetensors"})
    check_same_tensors(whole + "/" + f, parts + "/" + f);
  CHECK(read_json(parts + "/metrics.json").at("history").size() == 4);

  // Binary metrics on every epoch.
  for (const EpochRecord& r : resumed.history)
    for (const char* m : {"accuracy", "auroc", "auprc"}) {
      REQUIRE(r.val.count(m) == 1);
      if (!std::isnan(r.val.at(m))) CHECK((r.val.at(m) >= 0 && r.val.at(m) <= 1));
    }

  // Other settings cannot be resumed, and an empty directory has nothing to resume.
  TrainConfig changed = config;
  changed.lr = 1e-2;
  changed.epochs = 5;
  // The message names the field that differs, not two whole configs.
  require_error_mentions([&] { train(resumed_run, changed); },
                         {"--resume", "trainer_state.safetensors", "other settings",
                          cat("lr ", nlohmann::json(config.lr).dump(), " → 0.01")});
  try {
    train(resumed_run, changed);
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("optimizer") == std::string::npos);
  }
  TrainRun empty = make_run(data, (dir.path() / "empty").string(), split_seed);
  empty.resume = true;
  require_error_mentions([&] { train(empty, config); },
                         {"--resume", "trainer_state.safetensors", "does not exist"});
}

TEST_CASE("trainer: early stopping stops after the given epochs without improvement") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const SequenceDataset data = at_count_data(gen);
  ScratchDir dir;
  // A learning rate so small that float32 weights never change: the validation loss stays
  // bitwise the same, so epoch 1 stays the best and epochs 2 and 3 count as no improvement.
  const TrainConfig config{.model = "linear",
                           .epochs = 10,
                           .batch_size = 50,
                           .optimizer = "sgd",
                           .lr = 1e-30,
                           .weight_decay = 0,
                           .early_stopping = 2,
                           .seed = gen.next_u64()};
  const TrainResult result = train(make_run(data, dir.path().string(), gen.next_u64()), config);
  REQUIRE(result.history.size() == 3);
  CHECK(result.history[1].val_loss == result.history[0].val_loss);
  CHECK(result.best_epoch == 1);
  CHECK(result.stop_reason == "early stopping: no lower validation loss for 2 epochs");
  CHECK(read_json(dir.path() / "metrics.json").at("stop_reason") == result.stop_reason);
  CHECK_FALSE(result.test.empty());  // the best model is still tested
}

TEST_CASE("trainer: a diverging loss stops training naming the epoch and the batch") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const SequenceDataset data = at_count_data(gen);
  ScratchDir dir;
  const TrainConfig config = diverging_config(gen.next_u64());
  require_error_mentions([&] { train(make_run(data, dir.path().string(), 1), config); },
                         {"training stopped", "at epoch 1, batch 2 of 5", "learning rate"});
  CHECK_FALSE(std::filesystem::exists(dir.path() / "last.safetensors"));
}

TEST_CASE("trainer: an epoch's training loss is the mean over its sequences of the batch losses") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  const SequenceDataset data = at_count_data(gen);
  ScratchDir dir;
  std::ostringstream log;
  const StillRun still = train_still(data, dir.path(), Device::cpu(), gen, &log);
  const std::string text = log.str();
  INFO(text);
  for (const EpochRecord& r : still.result.history) {
    INFO("epoch ", r.epoch);
    // Each side rounds float32 losses once or once per batch before a double sum: a few 1e-8.
    CHECK(r.train_loss == doctest::Approx(still.row_mean_loss).epsilon(1e-6));
    // The epoch's last progress line reads the same sum.
    CHECK(text.find(cat("epoch ", r.epoch, "/2 sequence 160/160 (")) != std::string::npos);
    CHECK(text.find(cat(") loss ", r.train_loss, "\n")) != std::string::npos);
  }
}

TEST_SUITE("gpu") {
  TEST_CASE("gpu: training on the GPU sums its loss there, and still names a diverging batch") {
    if (skip_without_gpu()) return;
    const uint64_t seed = fresh_seed();
    INFO("seed ", seed);
    Generator gen(seed);
    const SequenceDataset data = at_count_data(gen);
    ScratchDir dir;
    const StillRun still = train_still(data, dir.path() / "still", Device::cuda(), gen);
    for (const EpochRecord& r : still.result.history)
      CHECK(r.train_loss == doctest::Approx(still.row_mean_loss).epsilon(1e-5));
    TrainRun run = make_run(data, (dir.path() / "diverging").string(), 1);
    run.device = Device::cuda();
    require_error_mentions([&] { train(run, diverging_config(gen.next_u64())); },
                           {"training stopped", "at epoch 1, batch 2 of 5", "learning rate"});
  }
}

TEST_CASE("trainer: parse_train_config reads known fields and names bad ones") {
  const TrainConfig c = parse_train_config(
      R"({"model": "tfbind", "lr": 0.5, "epochs": 7, "rc_augment": false})", "cfg.json");
  CHECK(c.model == "tfbind");
  CHECK(c.lr == 0.5);
  CHECK(c.epochs == 7);
  CHECK_FALSE(c.rc_augment);
  const TrainConfig defaults;
  CHECK(c.batch_size == defaults.batch_size);
  CHECK(c.optimizer == "adam");
  CHECK(c.seed == defaults.seed);
  // Integral JSON numbers are fine for real fields.
  CHECK(parse_train_config(R"({"lr": 1})", "cfg.json").lr == 1.0);
  // `defaults` fills what the file leaves out.
  TrainConfig mine;
  mine.epochs = 3;
  mine.task = "binary";
  const TrainConfig merged = parse_train_config(R"({"lr": 0.25})", "cfg.json", mine);
  CHECK(merged.epochs == 3);
  CHECK(merged.task == "binary");
  CHECK(merged.lr == 0.25);

  require_error_mentions([] { parse_train_config(R"({"learning_rate": 0.1})", "cfg.json"); },
                         {"cfg.json", "unknown field 'learning_rate'"});
  require_error_mentions([] { parse_train_config(R"({"epochs": "ten"})", "cfg.json"); },
                         {"cfg.json", "'epochs'", "wrong type", "\"ten\""});
  require_error_mentions([] { parse_train_config(R"({"epochs": 2.5})", "cfg.json"); },
                         {"cfg.json", "'epochs'", "2.5"});
  require_error_mentions([] { parse_train_config(R"({"seed": -1})", "cfg.json"); },
                         {"cfg.json", "'seed'", "-1"});
  require_error_mentions([] { parse_train_config(R"({"rc_augment": 1})", "cfg.json"); },
                         {"cfg.json", "'rc_augment'"});
  require_error_mentions([] { parse_train_config(R"({"lr": "fast"})", "cfg.json"); },
                         {"cfg.json", "'lr'"});
  require_error_mentions([] { parse_train_config(R"({"lr": true})", "cfg.json"); },
                         {"cfg.json", "'lr'", "true"});
  require_error_mentions([] { parse_train_config("{\"lr\": 0.1", "cfg.json"); },
                         {"cfg.json", "not valid JSON"});
  require_error_mentions([] { parse_train_config("[1, 2]", "cfg.json"); },
                         {"cfg.json", "JSON object"});
  require_error_mentions([] { parse_train_config(R"({"optimizer": "rmsprop"})", "cfg.json"); },
                         {"'rmsprop'"});
  require_error_mentions([] { parse_train_config(R"({"task": "ranking"})", "cfg.json"); },
                         {"'ranking'"});

  // Every field survives train_config_json.
  Generator gen(fresh_seed());
  INFO("seed ", gen.seed());
  TrainConfig r{.model = "cnn-classifier",
                .task = "multiclass",
                .epochs = 1 + static_cast<int64_t>(gen.next_u64() % 500),
                .batch_size = 3,
                .eval_batch_size = 5,
                .optimizer = "sgd",
                .lr = gen.uniform(),
                .weight_decay = gen.uniform(),
                .momentum = gen.uniform(),
                .clip_grad_norm = 0,
                .plateau_patience = -1,
                .plateau_factor = 0.3,
                .early_stopping = 4,
                .rc_augment = false,
                .rc_average = true,
                .keep_epoch_checkpoints = true,
                .seed = gen.next_u64()};
  const TrainConfig back = parse_train_config(train_config_json(r), "round trip");
  CHECK(train_config_json(back) == train_config_json(r));
  CHECK(back.lr == r.lr);
  CHECK(back.seed == r.seed);
  CHECK(back.keep_epoch_checkpoints);
}

TEST_CASE("trainer: multiclass runs report accuracy, auroc and auprc") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  // Three classes by GC count (unchanged by reverse complement): < 9, 9..11, > 11 of 20.
  const SequenceDataset data = synthetic(gen, 150, 20, [](const std::string& s, Generator&) {
    const int64_t gc = count_of(s, "GC");
    return gc < 9 ? 0.0 : gc <= 11 ? 1.0 : 2.0;
  });
  ScratchDir dir;
  TrainConfig config{.model = "tfbind",
                     .task = "multiclass",
                     .epochs = 3,
                     .batch_size = 25,
                     .lr = 1e-2,
                     .keep_epoch_checkpoints = true,
                     .seed = gen.next_u64()};
  const TrainResult result = train(make_run(data, dir.path().string(), gen.next_u64()), config);
  REQUIRE(result.history.size() == 3);
  for (const EpochRecord& r : result.history)
    for (const char* m : {"accuracy", "auroc", "auprc"}) {
      REQUIRE(r.val.count(m) == 1);
      if (!std::isnan(r.val.at(m))) CHECK((r.val.at(m) >= 0 && r.val.at(m) <= 1));
    }
  CHECK(result.test.count("accuracy") == 1);
  CHECK(std::isfinite(result.history.back().train_loss));
  for (const char* f : {"epoch_001.safetensors", "epoch_002.safetensors", "epoch_003.safetensors"})
    CHECK_MESSAGE(std::filesystem::exists(dir.path() / f), f);
  // The model has one output per class, and the test predictions are probabilities.
  const json metrics = read_json(dir.path() / "metrics.json");
  CHECK(metrics.at("model").at("outputs") == 3);
  const std::vector<std::string> preds = lines_of(dir.path() / "test_predictions.tsv");
  REQUIRE(preds.size() == 1 + 15);
  CHECK(preds[0] == "name\tmeasured_y\tclass_0\tclass_1\tclass_2");
  for (size_t i = 1; i < preds.size(); ++i) {
    std::istringstream fields(preds[i]);
    std::string name;
    double label = 0, p0 = 0, p1 = 0, p2 = 0;
    fields >> name >> label >> p0 >> p1 >> p2;
    CHECK(p0 + p1 + p2 == doctest::Approx(1).epsilon(1e-4));
  }

  // Binary data with a label other than 0/1 is refused naming the sequence.
  const SequenceDataset bad =
      in_memory_dataset("labels.tsv", {"a", "b"}, {"ACGT", "ACGA"}, {"y"}, {1.0f, 2.0f});
  TrainRun bad_run;
  bad_run.data = &bad;
  bad_run.split = {{0}, {1}, {}};
  bad_run.out_dir = (dir.path() / "bad").string();
  require_error_mentions([&] { train(bad_run, {.model = "linear", .task = "binary"}); },
                         {"labels.tsv", "'b'", "0 or 1"});
}

TEST_CASE("trainer: several named outputs get each their own test metrics in metrics.json") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  // Two targets per sequence, as DeepSTARR's dev and hk: the A+T count and the G count.
  std::vector<std::string> names, seqs;
  std::vector<float> targets;
  for (int64_t i = 0; i < 120; ++i) {
    names.push_back(cat("s", i));
    seqs.push_back(random_dna(gen, 16));
    targets.push_back(static_cast<float>(count_of(seqs.back(), "AT")));
    targets.push_back(static_cast<float>(count_of(seqs.back(), "G")));
  }
  const SequenceDataset data = in_memory_dataset("two.tsv", names, seqs, {"dev", "hk"}, targets);
  ScratchDir dir;
  TrainConfig config{.model = "tfbind",
                     .epochs = 2,
                     .batch_size = 20,
                     .lr = 1e-2,
                     .rc_augment = false,  // the G count changes under reverse complement
                     .seed = gen.next_u64()};
  const TrainRun run = make_run(data, dir.path().string(), gen.next_u64());
  const TrainResult result = train(run, config);
  REQUIRE(result.test_per_output.size() == 2);
  CHECK(result.test_per_output[0].first == "dev");
  CHECK(result.test_per_output[1].first == "hk");

  // Each output's MSE recomputed here from test_predictions.tsv (float64, the TSV's 7 digits),
  // and the macro average of task_metrics is their mean.
  const std::vector<std::string> rows = lines_of(dir.path() / "test_predictions.tsv");
  REQUIRE(rows.size() == 1 + run.split.test.size());
  CHECK(rows[0] == "name\tmeasured_dev\tmeasured_hk\tdev\thk");
  double sq[2] = {0, 0};
  for (size_t i = 1; i < rows.size(); ++i) {
    std::istringstream fields(rows[i]);
    std::string name;
    double t0 = 0, t1 = 0, p0 = 0, p1 = 0;
    fields >> name >> t0 >> t1 >> p0 >> p1;
    sq[0] += (p0 - t0) * (p0 - t0);
    sq[1] += (p1 - t1) * (p1 - t1);
  }
  const json metrics = read_json(dir.path() / "metrics.json");
  const double n = static_cast<double>(rows.size() - 1);
  for (int k = 0; k < 2; ++k) {
    const std::string output = k == 0 ? "dev" : "hk";
    CAPTURE(output);
    const double mse = metrics.at("test_per_output").at(output).at("mse").get<double>();
    CHECK(mse == doctest::Approx(sq[k] / n).epsilon(1e-5));
    CHECK(result.test_per_output[static_cast<size_t>(k)].second.at("mse") == doctest::Approx(mse));
  }
  CHECK(metrics.at("test").at("mse").get<double>() ==
        doctest::Approx((sq[0] + sq[1]) / (2 * n)).epsilon(1e-5));
  for (const char* m : {"pearson", "spearman", "r2"})
    CHECK(metrics.at("test_per_output").at("hk").count(m) == 1);
}

TEST_CASE("progress: a plain line (not a terminal) gives the count, the rate and the time left") {
  std::ostringstream log;
  {
    Progress progress("epoch 1/3", 10, "sequence", log, false);
    progress.update(4, "loss 0.5");   // the first line is printed
    progress.update(7, "loss 0.4");   // within 10 s of it: not printed
    progress.update(10, "loss 0.3");  // the last one always is
  }
  const std::string text = log.str();
  INFO(text);
  CHECK(text.find("epoch 1/3 sequence 4/10 (") == 0);
  CHECK(text.find("sequence/s, ETA ") != std::string::npos);
  CHECK(text.find("loss 0.4") == std::string::npos);
  CHECK(text.find("epoch 1/3 sequence 10/10 (") != std::string::npos);
  CHECK(text.find("ETA 0.0s) loss 0.3\n") != std::string::npos);
  std::ostringstream quiet_log;
  Progress quiet("x", 2, "batch", quiet_log, true);
  quiet.update(2, "");
  CHECK(quiet_log.str().empty());
}

TEST_CASE("progress: a detail function is called only for the lines that are printed") {
  std::ostringstream log;
  int calls = 0;
  auto detail = [&] { return cat("loss ", ++calls); };
  {
    Progress progress("epoch 1/3", 10, "sequence", log, false);
    for (int64_t done = 1; done <= 10; ++done) progress.update(done, detail);
    Progress quiet("x", 2, "batch", log, true);
    quiet.update(2, detail);
  }
  INFO(log.str());
  CHECK(calls == 2);  // the first step and the last (all within 10 s)
  CHECK(log.str().find("sequence 1/10 (") != std::string::npos);
  CHECK(log.str().find("ETA 0.0s) loss 2\n") != std::string::npos);
}
