// Running a trained model over a dataset: batches made on the CPU, the model on its own device,
// eval mode without a graph. The one inference path behind evaluation, `dnagrad predict` and the
// interpretation commands.
#pragma once
#include <cstdint>
#include <vector>

#include "genomics/data/dataset.h"
#include "nn/module.h"

namespace dnagrad::genomics {

struct PredictOptions {
  int64_t batch_size = 256;
  bool rc_average = false;    // mean of the model on each sequence and on its reverse complement
  bool per_position = false;  // output t belongs to base t (flipped back for the RC pass)
  LengthPolicy length{};
};

// Raw model outputs for `rows` of `data`, [rows.size(), T] row-major, in eval mode without a
// graph (the model's mode is restored). With rc_average and per_position, the outputs of the
// reverse complement are flipped back before averaging, so output t always belongs to base t.
std::vector<float> predict_outputs(nn::Module& model, const SequenceDataset& data,
                                   const std::vector<int64_t>& rows, int64_t n_outputs,
                                   const PredictOptions& options);

}  // namespace dnagrad::genomics
