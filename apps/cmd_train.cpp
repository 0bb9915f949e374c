// `dnagrad train`: data + model + recipe → a trained model, its metrics and plots in --out.
//   dnagrad train --model promoter --fasta promoters.fa --labels expression.tsv --out run1
//   dnagrad train --model tfbind --tfbind-sequences seqs.txt.gz --tfbind-scores scores.txt.gz
//                 --optimizer sgd --lr 0.01 --clip 0 --plateau-patience -1 --split 0.64,0.16,0.2
// The recipe is seed 002's by default; --config FILE.json sets any field of
// genomics::TrainConfig, and flags given on the command line override the file. With
// --registry FILE.sqlite the run (config, every epoch's metrics, final metrics, status) is also
// logged into a run registry (genomics/train/registry.h) that `dnagrad runs` reads.
//   dnagrad train --model-config models/cnn-classifier.json --fasta seqs.fa --labels classes.tsv
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <filesystem>
#include <iostream>
#include <memory>
#include <type_traits>

#include "apps/commands.h"
#include "apps/common.h"
#include "apps/data_options.h"
#include "core/error.h"
#include "genomics/io/fasta.h"
#include "genomics/train/registry.h"
#include "genomics/train/trainer.h"

namespace dnagrad::app {

namespace {

struct TrainOptions {
  CommonOptions common;
  DataOptions data;
  SplitOptions split;
  genomics::TrainConfig config;
  std::string config_file, model_config, out = "dnagrad-train", registry;
  bool resume = false, no_rc_augment = false;
  std::vector<std::pair<CLI::Option*, std::function<void(genomics::TrainConfig&)>>> overrides;
  CLI::Option *task_option = nullptr, *model_option = nullptr;
};

// Adds a recipe flag whose value, when given, overrides --config's.
// A bool field becomes a flag that sets it.
template <class T>
CLI::Option* recipe_option(CLI::App* cmd, TrainOptions& o, const std::string& flag,
                           T genomics::TrainConfig::*field, const std::string& help) {
  auto value = std::make_shared<T>(o.config.*field);
  CLI::Option* opt = nullptr;
  if constexpr (std::is_same_v<T, bool>)
    opt = cmd->add_flag(flag, *value, help)->group("Recipe");
  else
    opt = cmd->add_option(flag, *value, help)->capture_default_str()->group("Recipe");
  o.overrides.emplace_back(opt, [value, field](genomics::TrainConfig& c) { c.*field = *value; });
  return opt;
}

// Whether the --config file sets the field: parsed with two different defaults, it agrees
// with itself only if it does.
bool config_sets(const std::string& file, std::string genomics::TrainConfig::*field,
                 const std::string& a, const std::string& b) {
  if (file.empty()) return false;
  const std::string text = genomics::read_text_file(file);
  genomics::TrainConfig with_a, with_b;
  with_a.*field = a;
  with_b.*field = b;
  return genomics::parse_train_config(text, file, with_a).*field ==
         genomics::parse_train_config(text, file, with_b).*field;
}

// --task not given: the labels decide (0/1 labels: binary), and stderr says so. Labels that look
// like classes with a regression model (promoter, kmer-cnn, linear, tfbind) are an error: the
// user most likely forgot --model/--task. A model from --model-config serves any task.
void choose_task(const TrainOptions& o, const genomics::SequenceDataset& data,
                 genomics::TrainConfig& config) {
  const bool task_given =
      o.task_option->count() > 0 ||
      config_sets(o.config_file, &genomics::TrainConfig::task, "binary", "regression");
  if (task_given) return;
  const genomics::Task inferred = genomics::infer_task(data);
  const bool text = inferred == genomics::Task::Multiclass;
  const bool classifier = config.model == "cnn-classifier" || !config.architecture.empty();
  if (inferred != genomics::Task::Regression && !classifier)
    fail(o.data.spec.labels.empty() ? data.label : o.data.spec.labels,
         text ? ": the labels are text (classes)"
              : ": every label is 0 or 1, which looks like classes",
         ", but model '", config.model, "' is a regression model",
         o.model_option->count() ? "" : " (the default)",
         ": give --model cnn-classifier for a classifier, or --task to train '", config.model,
         "' on them anyway");
  config.task = genomics::task_name(inferred);
  std::cerr << "train: task " << config.task << " (inferred from the labels: "
            << (text                                 ? "text labels are classes"
                : inferred == genomics::Task::Binary ? "every label is 0 or 1"
                                                     : "the labels are not all 0 or 1")
            << "; --task chooses)\n";
}

// Trains; with a registry file, logs the run there: `running` before the first epoch, each epoch
// as it ends, then `finished` with the final metrics, or `failed` when training throws. The
// registry is opened first, so a file that is not one fails before any training.
genomics::TrainResult train_and_register(const std::string& registry_path, genomics::TrainRun run,
                                         const genomics::TrainConfig& config) {
  if (registry_path.empty()) return genomics::train(run, config);
  genomics::Registry registry(registry_path);
  const int64_t id =
      registry.add_run(genomics::train_config_json(config, -1), static_cast<int64_t>(config.seed),
                       std::filesystem::absolute(run.out_dir).string());
  const genomics::TrainResult result = genomics::train_registered(registry, id, run, config);
  if (run.log) *run.log << "train: logged as run " << id << " in " << registry_path << "\n";
  return result;
}

int run_train(TrainOptions& o) {
  const Device device = apply_common_options(o.common);
  genomics::TrainConfig config = o.config;
  if (!o.config_file.empty())
    config = genomics::parse_train_config(genomics::read_text_file(o.config_file), o.config_file,
                                          config);
  for (auto& [opt, apply] : o.overrides)
    if (opt->count() > 0) apply(config);
  if (o.model_option->count() > 0) config.architecture.clear();  // --model over --config's
  if (!o.model_config.empty()) {
    DNAGRAD_CHECK(o.model_option->count() == 0, "train: give --model or --model-config, not both");
    genomics::set_architecture(config, genomics::read_text_file(o.model_config), o.model_config);
  }
  if (o.no_rc_augment) config.rc_augment = false;
  config.seed = o.common.seed;
  const genomics::SequenceDataset data = genomics::load_dataset(o.data.spec);
  report_inputs(data);
  choose_task(o, data, config);
  genomics::TrainRun run;
  run.data = &data;
  run.split = make_split(data, o.split);
  run.length = length_policy(o.data);
  run.out_dir = o.out;
  run.resume = o.resume;
  run.device = device;
  run.log = o.common.quiet ? nullptr : &std::cerr;
  if (!o.common.quiet)
    std::cerr << "train: " << data.size() << " sequences from " << data.label << " ("
              << run.split.train.size() << " train, " << run.split.val.size() << " val, "
              << run.split.test.size() << " test), model " << config.model << ", task "
              << config.task << "\n";
  const genomics::TrainResult result = train_and_register(o.registry, run, config);
  std::cout << result.stop_reason << "; best epoch " << result.best_epoch << " (val loss "
            << result.best_val_loss << ")\n";
  if (!result.test.empty()) {
    std::cout << "test:";
    for (const auto& [k, v] : result.test) std::cout << " " << k << "=" << v;
    std::cout << "\n";
  }
  std::cout << "wrote " << o.out << "/\n";
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, Commands& commands) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand("train", "train a model on sequences and labels");
  add_data_options(cmd, o->data, true);
  add_split_options(cmd, o->split);
  using C = genomics::TrainConfig;
  o->model_option = recipe_option(cmd, *o, "--model", &C::model,
                                  "promoter, kmer-cnn, linear, tfbind or cnn-classifier");
  o->task_option = recipe_option(cmd, *o, "--task", &C::task,
                                 "regression (MSE), binary (BCE) or multiclass (CE); default: "
                                 "from the labels (binary when all are 0 or 1)");
  recipe_option(cmd, *o, "--epochs", &C::epochs, "maximum number of epochs");
  recipe_option(cmd, *o, "--batch-size", &C::batch_size, "training batch size");
  recipe_option(cmd, *o, "--eval-batch-size", &C::eval_batch_size, "evaluation batch size");
  recipe_option(cmd, *o, "--optimizer", &C::optimizer, "adam, adamw or sgd");
  recipe_option(cmd, *o, "--lr", &C::lr, "learning rate");
  recipe_option(cmd, *o, "--weight-decay", &C::weight_decay, "weight decay");
  recipe_option(cmd, *o, "--momentum", &C::momentum, "SGD momentum");
  recipe_option(cmd, *o, "--clip", &C::clip_grad_norm, "gradient-norm clip (0: off)");
  recipe_option(cmd, *o, "--plateau-patience", &C::plateau_patience,
                "ReduceLROnPlateau patience on the val loss (-1: off)");
  recipe_option(cmd, *o, "--plateau-factor", &C::plateau_factor, "ReduceLROnPlateau factor");
  recipe_option(cmd, *o, "--early-stopping", &C::early_stopping,
                "stop after N epochs without a lower val loss (0: off); later commands use "
                "best.safetensors, the epoch of the lowest val loss");
  recipe_option(cmd, *o, "--rc-average", &C::rc_average,
                "evaluate on the mean of forward and reverse-complement predictions");
  recipe_option(cmd, *o, "--keep-epoch-checkpoints", &C::keep_epoch_checkpoints,
                "keep every epoch's checkpoint");
  cmd->add_flag("--no-rc-augment", o->no_rc_augment,
                "no reverse-complement augmentation of training batches")
      ->group("Recipe");
  cmd->add_option("--model-config", o->model_config,
                  "the model from an architecture file (docs/models.md) instead of --model")
      ->group("Recipe");
  cmd->add_option("--config", o->config_file,
                  "JSON recipe (fields of the flags above; \"architecture\": the object of "
                  "--model-config)")
      ->group("Recipe");
  cmd->add_option("--out", o->out, "output directory")->capture_default_str();
  cmd->add_flag("--resume", o->resume, "continue the run in --out where it stopped");
  cmd->add_option("--registry", o->registry,
                  "also log the run into this SQLite run registry (created when missing); "
                  "see `dnagrad runs`");
  add_common_options(cmd, o->common);
  commands.entries.push_back({cmd, [o]() { return run_train(*o); }});
}

}  // namespace dnagrad::app
#endif  // DNAGRAD_WITH_GENOMICS_IO
