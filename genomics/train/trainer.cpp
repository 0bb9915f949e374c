#include "genomics/train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "autograd/ops.h"
#include "core/error.h"
#include "core/files.h"
#include "genomics/models/padded_batch.h"
#include "genomics/models/trained_model.h"
#include "genomics/train/progress.h"
#include "genomics/train/run_state.h"
#include "kernels/elementwise.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "nn/scheduler.h"

namespace dnagrad::genomics {

using json = nlohmann::ordered_json;

namespace {

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

// One epoch's training loss, summed where the model runs so that the loop never waits for the
// device: each batch adds (its mean loss) x (its rows) into a float64 sum with one kernel. The
// float32 loss widens exactly and the product and the sum are the double arithmetic a host-side
// sum would do, so the mean is bitwise the one that reading every batch's loss gave. The host
// reads the sum only when asked (a progress line, the end of the epoch).
//
// A NaN or infinite loss makes the sum NaN or infinite for good (and finite float32 losses
// cannot overflow a double), so a finite sum means every batch was finite. The batches' losses
// are kept, unread, until the sum has been seen finite; when it is not, they are read one by one
// to name the first batch that went wrong. (On a GPU, keeping them costs one small block per
// batch from the caching allocator, reused from the second epoch on.)
class EpochLoss {
 public:
  explicit EpochLoss(Device device) : sum_(Array::zeros({1}, DType::F64, device)) {}

  // `loss`: batch `batch`'s mean loss, a one-element float32 array on the device.
  void add(int64_t batch, const Array& loss, int64_t rows) {
    kernels::accumulate(sum_, loss, static_cast<double>(rows));
    unread_.emplace_back(batch, loss);
    rows_ += rows;
  }

  int64_t rows() const { return rows_; }

  // The mean loss per sequence so far (waits for the device). When it is not finite, `on_bad`
  // is called with the first batch whose loss is not, and that loss; it should throw.
  double mean(const std::function<void(int64_t batch, double loss)>& on_bad) {
    const double average = sum_.item() / static_cast<double>(rows_);
    if (!std::isfinite(average))
      for (const auto& [batch, loss] : unread_)
        if (const double value = loss.item(); !std::isfinite(value)) on_bad(batch, value);
    unread_.clear();
    return average;
  }

 private:
  Array sum_;  // float64 [1] on the device: sum over batches of loss x rows
  int64_t rows_ = 0;
  std::vector<std::pair<int64_t, Array>> unread_;  // (batch, loss) since the sum was last read
};

class Trainer {
 public:
  Trainer(const TrainRun& run, const TrainConfig& config)
      : run_(run), config_(config), data_(*run.data), task_(parse_task(config.task)) {
    check_train_config(config);
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
    spec_ = {.name = config.model,
             .input_length = train_loader_->input_length(),
             .outputs = outputs_,
             .architecture = config.architecture};
    if (run.length.kind == LengthPolicy::Kind::PadWithMask) {
      DNAGRAD_CHECK(accepts_any_length(spec_), "--pad-with-mask: model '", config.model,
                    "' takes inputs of one length only (promoter and dilated-residual take any); "
                    "use --length N");
      // Any length goes; the longest training sequence is recorded as the input length.
      spec_.masked_pooling = true;
      for (int64_t row : run.split.train)
        spec_.input_length = std::max(spec_.input_length, data_.lengths[static_cast<size_t>(row)]);
    }
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
    if (run_.on_epoch)
      for (const EpochRecord& restored : state_.history) run_.on_epoch(restored);
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
      if (run_.on_epoch) run_.on_epoch(record);
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
    // Counted in sequences, so the rate reads as sequences per second.
    Progress progress(cat("epoch ", epoch + 1, "/", config_.epochs), train_loader_->num_rows(),
                      "sequence", run_.log ? *run_.log : std::cerr, run_.log == nullptr);
    EpochLoss epoch_loss(run_.device);
    // The learning rate changes between epochs only, so the one now is the failing batch's.
    auto mean_loss = [&] {
      return epoch_loss.mean([&](int64_t b, double value) {
        fail("training stopped: the loss is ", value, " at epoch ", epoch + 1, ", batch ", b + 1,
             " of ", train_loader_->num_batches(), " (learning rate ", optimizer_->lr(),
             "); try a lower learning rate or check the labels");
      });
    };
    const std::vector<Tensor> params = model_->parameters();
    train_loader_->for_each_batch(epoch, [&](int64_t b, const Batch& batch) {
      optimizer_->zero_grad();
      const Tensor loss = task_loss(task_, forward_batch(*model_, batch), batch.y);
      epoch_loss.add(b, loss.data(), static_cast<int64_t>(batch.rows.size()));
      loss.backward();
      if (config_.clip_grad_norm > 0) nn::clip_grad_norm_no_sync(params, config_.clip_grad_norm);
      optimizer_->step();
      // The loss is read only when the line is printed.
      progress.update(epoch_loss.rows(), [&] { return cat("loss ", mean_loss()); });
    });
    return mean_loss();
  }

  nn::Metadata model_metadata() const {
    nn::Metadata meta = spec_metadata(spec_);
    meta["task"] = config_.task;
    meta["epoch"] = std::to_string(state_.epochs_done);
    meta["targets_per_position"] = data_.targets_per_position ? "true" : "false";
    json names = data_.target_names;
    meta["target_names"] = names.dump();
    // How inputs were made: apply commands fit new sequences the same way.
    using Kind = LengthPolicy::Kind;
    meta["length_policy"] = run_.length.kind == Kind::CenterFit     ? "center-fit"
                            : run_.length.kind == Kind::PadWithMask ? "pad-with-mask"
                                                                    : "exact";
    if (!data_.class_names.empty()) meta["class_names"] = json(data_.class_names).dump();
    meta["alphabet"] = "ACGT";  // one-hot rows A, C, G, T; N and other codes all-zero columns
    meta["output_scale"] = task_ == Task::Regression ? "value" : "logit";
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
    save_run_state(path("trainer_state.safetensors"), *model_, *optimizer_, meta, config_, state_);
    write_progress_reports();
  }

  void load_state() {
    state_ = load_run_state(path("trainer_state.safetensors"), *model_, *optimizer_, config_,
                            spec_.input_length);
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

  RunReport report(const TrainResult* result) const {
    RunReport r{.config = &config_,
                .spec = spec_,
                .parameters = model_->parameter_count(),
                .data_label = data_.label,
                .sequences = data_.size(),
                .train_rows = static_cast<int64_t>(run_.split.train.size()),
                .val_rows = static_cast<int64_t>(run_.split.val.size()),
                .test_rows = static_cast<int64_t>(run_.split.test.size()),
                .target_names = data_.target_names,
                .skipped = data_.skipped,
                .history = &state_.history,
                .best_epoch = state_.best_epoch,
                .best_val_loss = state_.best_val_loss};
    if (result) {
      r.finished = true;
      r.stop_reason = result->stop_reason;
      r.test = result->test;
      r.test_per_output = result->test_per_output;
    }
    return r;
  }

  void write_progress_reports() const {
    write_file_atomically(path("metrics.json"), run_report_json(report(nullptr)));
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
    result.test_per_output = test.per_output;
    if (run_.log) {
      *run_.log << "test (best epoch " << state_.best_epoch << ", " << run_.split.test.size()
                << " sequences):";
      for (const auto& [k, v] : result.test) *run_.log << "  " << k << " " << v;
      *run_.log << "\n";
    }
    // Prediction columns as `dnagrad predict` names them; the labels as measured_<label>.
    PredictionsTable table{
        .prediction_columns = output_names(task_, outputs_, data_.target_names, data_.class_names),
        .predictions = test.predictions.data()};
    for (const std::string& t : data_.target_names) table.target_columns.push_back("measured_" + t);
    for (const int64_t row : run_.split.test) {
      table.names.push_back(data_.names[static_cast<size_t>(row)]);
      table.targets.push_back(data_.targets_of(row));
    }
    write_file_atomically(path("test_predictions.tsv"), predictions_tsv(table));
    if (task_ == Task::Regression && outputs_ == 1) {
      std::vector<double> truth, pred;
      for (size_t i = 0; i < run_.split.test.size(); ++i) {
        truth.push_back(data_.targets_of(run_.split.test[i])[0]);
        pred.push_back(test.predictions[i]);
      }
      write_file_atomically(path("test_parity.svg"),
                            parity_svg(truth, pred, result.test["pearson"], result.test["r2"]));
    }
  }

  void write_reports(const TrainResult& result) const {
    write_file_atomically(path("metrics.json"), run_report_json(report(&result)));
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
  RunState state_;
};

}  // namespace

TrainResult train(const TrainRun& run, const TrainConfig& config) {
  DNAGRAD_CHECK(run.data != nullptr, "train: no data");
  return Trainer(run, config).run();
}

}  // namespace dnagrad::genomics
