#include "genomics/models/predict.h"

#include <algorithm>

#include "autograd/ops.h"
#include "core/error.h"

namespace dnagrad::genomics {

std::vector<float> predict_outputs(nn::Module& model, const SequenceDataset& data,
                                   const std::vector<int64_t>& rows, int64_t n_outputs,
                                   const PredictOptions& options) {
  const bool was_training = model.is_training();
  const Device device = model.device();  // batches are made on the CPU and moved there
  model.eval();
  NoGrad no_grad;
  const DataLoader loader(data, rows, {.batch_size = options.batch_size, .length = options.length});
  std::vector<float> out;
  out.reserve(rows.size() * static_cast<size_t>(n_outputs));
  for (size_t begin = 0; begin < rows.size(); begin += static_cast<size_t>(options.batch_size)) {
    const std::vector<int64_t> chunk(
        rows.begin() + static_cast<int64_t>(begin),
        rows.begin() + static_cast<int64_t>(std::min(rows.size(), begin + options.batch_size)));
    const auto b = static_cast<int64_t>(chunk.size());
    Array y = model.forward(Tensor(loader.make_batch(chunk).x.to(device))).data().to(Device::cpu());
    DNAGRAD_CHECK(y.numel() == b * n_outputs, "predict: the model gave ", shape_str(y.shape()),
                  " for a batch of ", b, ", expected ", n_outputs, " outputs per sequence");
    const float* fwd = y.data<float>();
    std::vector<float> values(fwd, fwd + b * n_outputs);
    if (options.rc_average) {
      Array r = model.forward(Tensor(loader.make_batch(chunk, true).x.to(device)))
                    .data()
                    .to(Device::cpu());
      const float* rev = r.data<float>();
      for (int64_t i = 0; i < b; ++i)
        for (int64_t t = 0; t < n_outputs; ++t) {
          const int64_t src = options.per_position ? n_outputs - 1 - t : t;
          float& v = values[static_cast<size_t>(i * n_outputs + t)];
          v = 0.5f * (v + rev[i * n_outputs + src]);
        }
    }
    out.insert(out.end(), values.begin(), values.end());
  }
  model.train(was_training);
  return out;
}

}  // namespace dnagrad::genomics
