// Inference in batches: the one loop that runs a model over many inputs without training it.
//
// The model is put in eval mode for the call (nn::EvalMode: BatchNorm with its running
// statistics, Dropout off) and runs without a graph. Inputs are made batch by batch by the
// caller (on the CPU, say) and moved to the model's device; the outputs stay there, stacked into
// one array, so nothing waits for the device until the caller reads the result: one copy to the
// host per call, not one per batch.
#pragma once
#include <cstdint>
#include <functional>

#include "core/array.h"
#include "nn/module.h"

namespace dnagrad::nn {

// The inputs of rows [first, first + count): [count, ...] on any device.
using BatchInputs = std::function<Array(int64_t first, int64_t count)>;

// model(inputs) for rows 0 .. n - 1, batch_size rows at a time: [n, ...] (each batch's output
// shape after its first dimension) on the model's device. Throws when a batch's output does not
// have one row per input row or differs in shape from the first batch's. With n = 0: float32 [0].
Array predict_in_batches(Module& model, int64_t n, int64_t batch_size,
                         const BatchInputs& make_inputs);

// The model's outputs for rows [first, first + count), computed by the caller: [count, ...] on
// the model's device. For models that take more than one input array (a padded batch and its
// lengths, say).
using BatchOutputs = std::function<Tensor(int64_t first, int64_t count)>;

// predict_in_batches with the caller running the model on each batch: the same eval mode, no
// graph, stacking and checks.
Array run_in_batches(Module& model, int64_t n, int64_t batch_size, const BatchOutputs& outputs);

}  // namespace dnagrad::nn
