#include "genomics/train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <type_traits>

#include "autograd/ops.h"
#include "core/error.h"
#include "core/files.h"
#include "genomics/plot/plots.h"
#include "genomics/train/progress.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "nn/scheduler.h"

namespace dnagrad::genomics {

using json = nlohmann::ordered_json;

// ---- configuration ---------------------------------------------------------------------------

namespace {

// Visits every field of TrainConfig with its JSON name: one list for reading and writing.
template <class Config, class Visit>
void visit_fields(Config& c, Visit&& visit) {
  visit("model", c.model);
  visit("task", c.task);
  visit("epochs", c.epochs);
  visit("batch_size", c.batch_size);
  visit("eval_batch_size", c.eval_batch_size);
  visit("optimizer", c.optimizer);
  visit("lr", c.lr);
  visit("weight_decay", c.weight_decay);
  visit("momentum", c.momentum);
  visit("clip_grad_norm", c.clip_grad_norm);
  visit("plateau_patience", c.plateau_patience);
  visit("plateau_factor", c.plateau_factor);
  visit("early_stopping", c.early_stopping);
  visit("rc_augment", c.rc_augment);
  visit("rc_average", c.rc_average);
  visit("keep_epoch_checkpoints", c.keep_epoch_checkpoints);
  visit("seed", c.seed);
}

json config_to_json(const TrainConfig& config) {
  json j;
  visit_fields(config, [&](const char* name, const auto& value) { j[name] = value; });
  return j;
}

void check_config(const TrainConfig& c) {
  parse_task(c.task);
  DNAGRAD_CHECK(c.epochs >= 1 && c.batch_size >= 1 && c.eval_batch_size >= 1,
                "train: epochs and batch sizes must be positive");
  DNAGRAD_CHECK(c.optimizer == "adam" || c.optimizer == "adamw" || c.optimizer == "sgd",
                "train: unknown optimizer '", c.optimizer, "' (known: adam, adamw, sgd)");
  DNAGRAD_CHECK(c.lr > 0 && c.weight_decay >= 0 && c.momentum >= 0 && c.clip_grad_norm >= 0,
                "train: lr must be positive; weight decay, momentum and clip must be >= 0");
  DNAGRAD_CHECK(c.plateau_factor > 0 && c.plateau_factor < 1,
                "train: plateau factor must be in "
                "(0, 1), got ",
                c.plateau_factor);
  DNAGRAD_CHECK(c.early_stopping >= 0, "train: early stopping patience must be >= 0");
}

}  // namespace

TrainConfig parse_train_config(std::string_view text, const std::string& label,
                               TrainConfig defaults) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    fail(label, ": not valid JSON: ", e.what());
  }
  DNAGRAD_CHECK(j.is_object(), label, ": a training config must be a JSON object");
  TrainConfig config = defaults;
  std::set<std::string> known;
  visit_fields(config, [&](const char* name, auto& value) {
    known.insert(name);
    if (!j.contains(name)) return;
    using T = std::remove_reference_t<decltype(value)>;
    const json& v = j.at(name);
    // get<T> alone would turn 2.5 or true into an integer, -1 into an unsigned and true into a
    // double without a word: numbers must be of the field's kind.
    bool right_kind = true;
    if constexpr (std::is_same_v<T, double>)
      right_kind = v.is_number();
    else if constexpr (std::is_same_v<T, uint64_t>)
      right_kind = v.is_number_unsigned();
    else if constexpr (std::is_same_v<T, int64_t>)
      right_kind = v.is_number_integer();
    if (right_kind) {
      try {
        value = v.get<T>();
        return;
      } catch (const json::exception&) {
      }
    }
    fail(label, ": field '", name, "' has the wrong type: ", v.dump());
  });
  for (const auto& [key, value] : j.items())
    DNAGRAD_CHECK(known.count(key), label, ": unknown field '", key, "'");
  check_config(config);
  return config;
}

std::string train_config_json(const TrainConfig& config) { return config_to_json(config).dump(2); }

// ---- the loop --------------------------------------------------------------------------------

namespace {

std::unique_ptr<nn::Optimizer> make_optimizer(const TrainConfig& c,
                                              const std::vector<Tensor>& params) {
  if (c.optimizer == "sgd")
    return std::make_unique<nn::SGD>(
        params, nn::SgdOptions{.lr = c.lr, .momentum = c.momentum, .weight_decay = c.weight_decay});
  if (c.optimizer == "adamw")
    return std::make_unique<nn::AdamW>(
        params, nn::AdamWOptions{.lr = c.lr, .weight_decay = c.weight_decay});
  return std::make_unique<nn::Adam>(params,
                                    nn::AdamOptions{.lr = c.lr, .weight_decay = c.weight_decay});
}

// Restarts dropout mask streams at epoch `epoch`: a function of (seed, epoch, which dropout, in
// registration order).
void reset_dropout_streams(nn::Module& model, uint64_t seed, int64_t epoch) {
  uint64_t k = 0;
  for (auto& [path, module] : model.modules()) {
    auto* dropout = dynamic_cast<nn::Dropout*>(module);
    if (!dropout) continue;
    Generator gen(seed ^ (0x9E3779B97F4A7C15ull * ++k));
    gen.set_offset(static_cast<uint64_t>(epoch) << 40);
    dropout->generator = gen;
  }
}

json metrics_json(const Metrics& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = std::isfinite(v) ? json(v) : json(nullptr);
  return j;
}

Metrics metrics_from_json(const json& j) {
  Metrics m;
  for (const auto& [k, v] : j.items()) m[k] = v.is_null() ? std::nan("") : v.get<double>();
  return m;
}

json history_json(const std::vector<EpochRecord>& history) {
  json h = json::array();
  for (const EpochRecord& r : history)
    h.push_back({{"epoch", r.epoch},
                 {"train_loss", r.train_loss},
                 {"val_loss", r.val_loss},
                 {"lr", r.lr},
                 {"seconds", r.seconds},
                 {"val", metrics_json(r.val)}});
  return h;
}

std::vector<EpochRecord> history_from_json(const json& h) {
  std::vector<EpochRecord> out;
  for (const json& r : h)
    out.push_back({r.at("epoch").get<int64_t>(), r.at("train_loss").get<double>(),
                   r.at("val_loss").get<double>(), r.at("lr").get<double>(),
                   r.at("seconds").get<double>(), metrics_from_json(r.at("val"))});
  return out;
}

std::string metrics_tsv(const std::vector<EpochRecord>& history) {
  std::ostringstream out;
  out << "epoch\ttrain_loss\tval_loss\tlr\tseconds";
  if (!history.empty())
    for (const auto& [k, v] : history.front().val) out << "\tval_" << k;
  out << "\n";
  for (const EpochRecord& r : history) {
    out << r.epoch << "\t" << r.train_loss << "\t" << r.val_loss << "\t" << r.lr << "\t"
        << r.seconds;
    for (const auto& [k, v] : r.val) out << "\t" << v;
    out << "\n";
  }
  return out.str();
}

std::string loss_curves_svg(const std::vector<EpochRecord>& history, const std::string& loss) {
  plots::Series train{.name = "train"}, val{.name = "validation"};
  bool positive = true;
  for (const EpochRecord& r : history) {
    train.y.push_back(r.train_loss);
    val.y.push_back(r.val_loss);
    positive = positive && r.train_loss > 0 && r.val_loss > 0;
  }
  return plots::line_plot(
      {train, val},
      {.title = "Loss per epoch", .x_label = "epoch", .y_label = loss, .log_y = positive});
}

// Everything about the run that is not a tensor, saved with trainer_state.safetensors.
struct LoopState {
  int64_t epochs_done = 0;
  double lr = 0;
  nn::PlateauState plateau;
  int64_t best_epoch = 0;
  double best_val_loss = INFINITY;
  int64_t epochs_without_improvement = 0;
  std::vector<EpochRecord> history;
};

nn::StateDict prefixed(const std::string& prefix, const nn::StateDict& state) {
  nn::StateDict out;
  for (const auto& [name, array] : state) out.emplace_back(prefix + name, array);
  return out;
}

nn::StateDict with_prefix_removed(const std::string& prefix, const nn::StateDict& state) {
  nn::StateDict out;
  for (const auto& [name, array] : state)
    if (name.rfind(prefix, 0) == 0) out.emplace_back(name.substr(prefix.size()), array);
  return out;
}

class Trainer {
 public:
  Trainer(const TrainRun& run, const TrainConfig& config)
      : run_(run), config_(config), data_(*run.data), task_(parse_task(config.task)) {
    check_config(config);
    DNAGRAD_CHECK(!run.split.train.empty(), data_.label, ": the training split is empty");
    DNAGRAD_CHECK(!run.split.val.empty(), data_.label,
                  ": the validation split is empty (it drives the scheduler, early stopping "
                  "and the best checkpoint)");
    outputs_ = task_outputs(task_, data_);
    train_loader_ = std::make_unique<DataLoader>(data_, run.split.train,
                                                 LoaderOptions{.batch_size = config.batch_size,
                                                               .shuffle = true,
                                                               .rc_augment = config.rc_augment,
                                                               .length = run.length,
                                                               .seed = config.seed});
    spec_ = {config.model, train_loader_->input_length(), outputs_};
    DNAGRAD_CHECK(spec_.input_length > 0 || run.length.kind != LengthPolicy::Kind::PadWithMask,
                  "train: model '", config.model, "' needs a fixed input length");
    Generator init(config.seed);
    model_ = make_model(spec_, init);
    model_->to(run.device);  // before the optimizer, so its state is made there too
    optimizer_ = make_optimizer(config, model_->parameters());
    if (config.plateau_patience >= 0)
      scheduler_ = std::make_unique<nn::ReduceLROnPlateau>(
          *optimizer_,
          nn::PlateauOptions{.factor = config.plateau_factor, .patience = config.plateau_patience});
    std::filesystem::create_directories(run.out_dir);
    state_.lr = config.lr;
    if (run.resume) load_state();
  }

  TrainResult run() {
    TrainResult result;
    bool stopped_early = false;
    for (int64_t epoch = state_.epochs_done; epoch < config_.epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      EpochRecord record;
      record.epoch = epoch + 1;
      record.lr = optimizer_->lr();
      record.train_loss = train_epoch(epoch);
      const Evaluation val =
          evaluate_rows(*model_, task_, data_, run_.split.val, outputs_, predict_options());
      record.val_loss = val.loss;
      record.val = val.metrics;
      record.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      DNAGRAD_CHECK(std::isfinite(val.loss), "training stopped: the validation loss is ", val.loss,
                    " after epoch ", epoch + 1);
      if (scheduler_) scheduler_->step(val.loss);
      state_.history.push_back(record);
      state_.epochs_done = epoch + 1;
      state_.lr = optimizer_->lr();
      if (scheduler_) state_.plateau = scheduler_->state();
      const bool improved = val.loss < state_.best_val_loss;
      if (improved) {
        state_.best_val_loss = val.loss;
        state_.best_epoch = epoch + 1;
        state_.epochs_without_improvement = 0;
      } else {
        ++state_.epochs_without_improvement;
      }
      save_epoch(improved);
      log_epoch(record);
      if (config_.early_stopping > 0 &&
          state_.epochs_without_improvement >= config_.early_stopping) {
        stopped_early = true;
        result.stop_reason =
            cat("early stopping: no lower validation loss for ", config_.early_stopping, " epochs");
        break;
      }
    }
    if (!stopped_early) result.stop_reason = cat("completed ", config_.epochs, " epochs");
    result.history = state_.history;
    result.best_epoch = state_.best_epoch;
    result.best_val_loss = state_.best_val_loss;
    test_best(result);
    write_reports(result);
    return result;
  }

 private:
  PredictOptions predict_options() const {
    return {.batch_size = config_.eval_batch_size,
            .rc_average = config_.rc_average,
            .per_position = data_.targets_per_position,
            .length = run_.length};
  }

  // One pass over the training rows; returns the mean loss per sequence.
  double train_epoch(int64_t epoch) {
    model_->train();
    reset_dropout_streams(*model_, config_.seed, epoch);
    Progress progress(cat("epoch ", epoch + 1, "/", config_.epochs), train_loader_->num_batches(),
                      "batch", run_.log ? *run_.log : std::cerr, run_.log == nullptr);
    double loss_sum = 0;
    int64_t rows = 0;
    const std::vector<Tensor> params = model_->parameters();
    train_loader_->for_each_batch(epoch, [&](int64_t b, const Batch& batch) {
      optimizer_->zero_grad();
      const Tensor loss =
          task_loss(task_, model_->forward(Tensor(batch.x.to(run_.device))), batch.y);
      const double value = loss.item();
      DNAGRAD_CHECK(std::isfinite(value), "training stopped: the loss is ", value, " at epoch ",
                    epoch + 1, ", batch ", b + 1, " of ", train_loader_->num_batches(),
                    " (learning rate ", optimizer_->lr(),
                    "); try a lower learning rate or check the labels");
      loss.backward();
      if (config_.clip_grad_norm > 0) nn::clip_grad_norm(params, config_.clip_grad_norm);
      optimizer_->step();
      const auto n = static_cast<int64_t>(batch.rows.size());
      loss_sum += value * static_cast<double>(n);
      rows += n;
      progress.update(b + 1, cat("loss ", loss_sum / static_cast<double>(rows)));
    });
    return loss_sum / static_cast<double>(rows);
  }

  nn::Metadata model_metadata() const {
    nn::Metadata meta = spec_metadata(spec_);
    meta["task"] = config_.task;
    meta["epoch"] = std::to_string(state_.epochs_done);
    meta["targets_per_position"] = data_.targets_per_position ? "true" : "false";
    json names = data_.target_names;
    meta["target_names"] = names.dump();
    return meta;
  }

  std::string path(const std::string& name) const {
    return (std::filesystem::path(run_.out_dir) / name).string();
  }

  void save_epoch(bool improved) {
    const nn::Metadata meta = model_metadata();
    nn::save_checkpoint(path("last.safetensors"), *model_, meta);
    if (improved) nn::save_checkpoint(path("best.safetensors"), *model_, meta);
    if (config_.keep_epoch_checkpoints) {
      char name[32];
      std::snprintf(name, sizeof name, "epoch_%03lld.safetensors",
                    static_cast<long long>(state_.epochs_done));
      nn::save_checkpoint(path(name), *model_, meta);
    }
    nn::StateDict tensors = prefixed("model.", model_->state_dict());
    for (auto& entry : prefixed("optim.", optimizer_->state_dict())) tensors.push_back(entry);
    json loop = {{"epochs_done", state_.epochs_done},
                 {"lr", state_.lr},
                 {"plateau",
                  {state_.plateau.best, state_.plateau.num_bad_epochs,
                   state_.plateau.cooldown_counter, state_.plateau.last_epoch}},
                 {"best_epoch", state_.best_epoch},
                 {"best_val_loss", state_.best_val_loss},
                 {"epochs_without_improvement", state_.epochs_without_improvement},
                 {"history", history_json(state_.history)}};
    nn::Metadata meta_state = meta;
    meta_state["trainer"] = loop.dump();
    meta_state["config"] = config_to_json(config_).dump();
    nn::write_safetensors(path("trainer_state.safetensors"), tensors, meta_state);
    write_progress_reports();
  }

  void load_state() {
    const std::string file = path("trainer_state.safetensors");
    DNAGRAD_CHECK(std::filesystem::exists(file), "--resume: ", file,
                  " does not exist (nothing to resume)");
    const nn::SafetensorsContents saved = nn::read_safetensors(file);
    // The run must continue with the same settings; only the number of epochs may grow.
    TrainConfig saved_config = parse_train_config(saved.metadata.at("config"), file);
    saved_config.epochs = config_.epochs;
    DNAGRAD_CHECK(config_to_json(saved_config) == config_to_json(config_), "--resume: ", file,
                  " was written with different settings: ", config_to_json(saved_config).dump(),
                  " (now: ", config_to_json(config_).dump(), ")");
    DNAGRAD_CHECK(spec_from_metadata(saved.metadata, file).input_length == spec_.input_length,
                  "--resume: ", file, " was trained on inputs of a different length");
    model_->load_state_dict(with_prefix_removed("model.", saved.tensors));
    optimizer_->load_state_dict(with_prefix_removed("optim.", saved.tensors));
    const json loop = json::parse(saved.metadata.at("trainer"));
    state_.epochs_done = loop.at("epochs_done").get<int64_t>();
    state_.lr = loop.at("lr").get<double>();
    const json& p = loop.at("plateau");
    state_.plateau = {p.at(0).is_null() ? INFINITY : p.at(0).get<double>(), p.at(1).get<int64_t>(),
                      p.at(2).get<int64_t>(), p.at(3).get<int64_t>()};
    state_.best_epoch = loop.at("best_epoch").get<int64_t>();
    state_.best_val_loss = loop.at("best_val_loss").get<double>();
    state_.epochs_without_improvement = loop.at("epochs_without_improvement").get<int64_t>();
    state_.history = history_from_json(loop.at("history"));
    optimizer_->set_lr(state_.lr);
    if (scheduler_) scheduler_->load_state(state_.plateau);
    if (run_.log)
      *run_.log << "resuming " << run_.out_dir << " after epoch " << state_.epochs_done << "\n";
  }

  void log_epoch(const EpochRecord& r) const {
    if (!run_.log) return;
    *run_.log << "epoch " << r.epoch << "/" << config_.epochs << "  train_loss " << r.train_loss
              << "  val_loss " << r.val_loss;
    for (const auto& [k, v] : r.val) *run_.log << "  " << k << " " << v;
    *run_.log << "  lr " << r.lr << "  " << r.seconds << " s\n";
  }

  json report_json(const TrainResult* result) const {
    json j;
    j["task"] = config_.task;
    j["model"] = {{"name", spec_.name},
                  {"input_length", spec_.input_length},
                  {"outputs", spec_.outputs},
                  {"parameters", model_->parameter_count()}};
    j["data"] = {{"source", data_.label},
                 {"sequences", data_.size()},
                 {"train", run_.split.train.size()},
                 {"val", run_.split.val.size()},
                 {"test", run_.split.test.size()},
                 {"targets", data_.target_names}};
    j["config"] = config_to_json(config_);
    j["history"] = history_json(state_.history);
    j["best_epoch"] = state_.best_epoch;
    j["best_val_loss"] = state_.best_val_loss;
    if (result) {
      j["stop_reason"] = result->stop_reason;
      j["test"] = metrics_json(result->test);
    }
    return j;
  }

  void write_progress_reports() const {
    write_file_atomically(path("metrics.json"), report_json(nullptr).dump(2) + "\n");
    write_file_atomically(path("metrics.tsv"), metrics_tsv(state_.history));
    write_file_atomically(path("loss_curves.svg"),
                          loss_curves_svg(state_.history, task_loss_name()));
  }

  std::string task_loss_name() const {
    return task_ == Task::Regression ? "MSE" : task_ == Task::Binary ? "BCE" : "cross-entropy";
  }

  void test_best(TrainResult& result) {
    if (run_.split.test.empty() || state_.best_epoch == 0) return;
    nn::load_checkpoint(path("best.safetensors"), *model_);
    const Evaluation test =
        evaluate_rows(*model_, task_, data_, run_.split.test, outputs_, predict_options());
    result.test = test.metrics;
    result.test["loss"] = test.loss;
    if (run_.log) {
      *run_.log << "test (best epoch " << state_.best_epoch << ", " << run_.split.test.size()
                << " sequences):";
      for (const auto& [k, v] : result.test) *run_.log << "  " << k << " " << v;
      *run_.log << "\n";
    }
    std::ostringstream tsv;
    tsv << "name";
    for (const std::string& t : data_.target_names) tsv << "\t" << t;
    for (int64_t o = 0; o < outputs_; ++o) tsv << "\tprediction_" << o;
    tsv << "\n";
    const int64_t t = data_.num_targets();
    for (size_t i = 0; i < run_.split.test.size(); ++i) {
      const int64_t row = run_.split.test[i];
      tsv << data_.names[static_cast<size_t>(row)];
      for (int64_t k = 0; k < t; ++k) tsv << "\t" << data_.targets_of(row)[k];
      for (int64_t o = 0; o < outputs_; ++o)
        tsv << "\t" << test.predictions[i * static_cast<size_t>(outputs_) + o];
      tsv << "\n";
    }
    write_file_atomically(path("test_predictions.tsv"), tsv.str());
    if (task_ == Task::Regression && outputs_ == 1) {
      std::vector<double> truth, pred;
      for (size_t i = 0; i < run_.split.test.size(); ++i) {
        truth.push_back(data_.targets_of(run_.split.test[i])[0]);
        pred.push_back(test.predictions[i]);
      }
      write_file_atomically(
          path("test_parity.svg"),
          plots::parity_plot(
              truth, pred,
              {.title = cat("Test set: r = ", result.test["pearson"], ", R² = ", result.test["r2"]),
               .x_label = "measured",
               .y_label = "predicted"}));
    }
  }

  void write_reports(const TrainResult& result) const {
    write_file_atomically(path("metrics.json"), report_json(&result).dump(2) + "\n");
  }

  const TrainRun& run_;
  TrainConfig config_;
  const SequenceDataset& data_;
  Task task_;
  int64_t outputs_ = 0;
  ModelSpec spec_;
  std::unique_ptr<DataLoader> train_loader_;
  std::shared_ptr<nn::Module> model_;
  std::unique_ptr<nn::Optimizer> optimizer_;
  std::unique_ptr<nn::ReduceLROnPlateau> scheduler_;
  LoopState state_;
};

}  // namespace

TrainResult train(const TrainRun& run, const TrainConfig& config) {
  DNAGRAD_CHECK(run.data != nullptr, "train: no data");
  return Trainer(run, config).run();
}

}  // namespace dnagrad::genomics
