// `dnagrad predict` and `dnagrad evaluate`: a trained checkpoint applied to sequences.
//   dnagrad predict --model promoter --checkpoint ck.safetensors --fasta in.fa --out preds.tsv
//     writes name<TAB>prediction per sequence (one column per output when there are several;
//     binary tasks give probabilities, multiclass one probability column per class)
//   dnagrad evaluate --checkpoint run1/best.safetensors --table test.csv [--out metrics.json]
//     loss and the task's metrics (genomics/tasks.h) over every labelled sequence given
// --model (and --length, --outputs) may be omitted when the checkpoint's metadata names them,
// as it does for checkpoints written by `dnagrad train`.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "apps/common.h"
#include "apps/data_options.h"
#include "core/error.h"
#include "core/files.h"
#include "genomics/models/predict.h"
#include "genomics/models/trained_model.h"
#include "genomics/train/reports.h"

namespace dnagrad::app {

namespace {

int run_predict(const ApplyOptions& o) {
  Prepared p = prepare(o);
  const Array pred = genomics::predict_rows(*p.model.module, p.model.task, p.data, p.rows,
                                            p.model.spec.outputs, p.predict);
  genomics::PredictionsTable table{.prediction_columns = p.model.target_names,
                                   .predictions = pred.data<float>()};
  for (const int64_t row : p.rows) table.names.push_back(p.data.names[static_cast<size_t>(row)]);
  write_file_atomically(o.out, genomics::predictions_tsv(table));
  if (!o.common.quiet)
    std::cerr << "predict: " << p.rows.size() << " sequences, model " << p.model.spec.name << " → "
              << o.out << "\n";
  return 0;
}

int run_evaluate(const ApplyOptions& o) {
  Prepared p = prepare(o);
  const genomics::Evaluation e = genomics::evaluate_rows(*p.model.module, p.model.task, p.data,
                                                         p.rows, p.model.spec.outputs, p.predict);
  const std::string text =
      genomics::evaluation_json(o.checkpoint, p.data.label, static_cast<int64_t>(p.rows.size()),
                                p.model.task, e.loss, e.metrics, p.data.skipped, e.per_output);
  if (!o.out.empty()) write_file_atomically(o.out, text);
  std::cout << text;
  return 0;
}

}  // namespace

void add_predict_command(CLI::App& app, Commands& commands) {
  auto o = std::make_shared<ApplyOptions>();
  CLI::App* cmd = app.add_subcommand("predict", "predict with a trained checkpoint");
  add_apply_options(cmd, *o, false);
  cmd->add_option("--out", o->out, "predictions TSV: name, then one column per output")->required();
  commands.entries.push_back({cmd, [o]() { return run_predict(*o); }});

  auto e = std::make_shared<ApplyOptions>();
  CLI::App* eval =
      app.add_subcommand("evaluate", "loss and metrics of a checkpoint on labelled data");
  add_apply_options(eval, *e, true);
  eval->add_option("--out", e->out, "also write the metrics JSON here");
  commands.entries.push_back({eval, [e]() { return run_evaluate(*e); }});
}

}  // namespace dnagrad::app
#endif  // DNAGRAD_WITH_GENOMICS_IO
