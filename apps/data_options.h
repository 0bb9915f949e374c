// Command-line options shared by train, evaluate and predict: where the sequences (and labels)
// come from, how their lengths are made equal, and how rows are split; and what the commands
// that apply a trained checkpoint (predict, evaluate, ism, attribute) share.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "apps/common.h"
#include "genomics/data/dataset.h"
#include "genomics/data/datasets.h"
#include "genomics/data/splits.h"
#include "genomics/models/predict.h"
#include "genomics/models/trained_model.h"
#include "genomics/tasks.h"

namespace dnagrad::app {

struct DataOptions {
  genomics::DataSpec spec;
  int64_t length = 0;          // --length: centre crop/pad; 0 = sequences must agree
  bool pad_with_mask = false;  // --pad-with-mask
};

struct SplitOptions {
  std::string fractions = "0.8,0.1,0.1";  // train,val,test
  std::string val_chroms, test_chroms;    // comma-separated; either one selects a chromosome split
  uint64_t seed = 42;
};

// `labels`: add the label options (train and evaluate; predict has none).
void add_data_options(CLI::App* cmd, DataOptions& options, bool labels);
void add_split_options(CLI::App* cmd, SplitOptions& options);

// Prints on stderr how the files were read (notes, class names) and the input rows the data
// left out (never silent, --quiet or not).
void report_inputs(const genomics::SequenceDataset& data);

genomics::LengthPolicy length_policy(const DataOptions& options);
genomics::SplitIndices make_split(const genomics::SequenceDataset& data,
                                  const SplitOptions& options);

// A trained checkpoint applied to sequences.
struct ApplyOptions {
  CommonOptions common;
  DataOptions data;
  genomics::ModelSpec spec;  // unset fields come from the checkpoint
  std::string checkpoint, out;
  bool rc_average = false;
  int64_t batch_size = 256;
};

void add_apply_options(CLI::App* cmd, ApplyOptions& o, bool labels);

// The checkpoint's model and the data, with the input length agreed between them.
struct Prepared {
  genomics::SequenceDataset data;
  genomics::TrainedModel model;
  genomics::PredictOptions predict;
  std::vector<int64_t> rows;
};

Prepared prepare(const ApplyOptions& o);

}  // namespace dnagrad::app
