#include "genomics/models/padded_batch.h"

#include <algorithm>

#include "core/error.h"

namespace dnagrad::genomics {

Tensor position_weights(const std::vector<int64_t>& valid, const std::vector<double>& weight,
                        int64_t width, const Tensor& like) {
  const auto n = static_cast<int64_t>(valid.size());
  std::vector<double> values(static_cast<size_t>(n * width), 0.0);
  for (int64_t i = 0; i < n; ++i)
    std::fill_n(values.begin() + i * width, valid[static_cast<size_t>(i)],
                weight[static_cast<size_t>(i)]);
  return Tensor(Array::from_vector({n, 1, width}, values, like.dtype()).to(like.device()));
}

Tensor forward_batch(nn::Module& model, const Batch& batch) {
  const Tensor x(batch.x.to(model.device()));
  if (batch.lengths.empty()) return model.forward(x);
  auto* padded = dynamic_cast<PaddedBatchModel*>(&model);
  DNAGRAD_CHECK(padded != nullptr,
                "a batch padded to its longest sequence (--pad-with-mask) needs a model that "
                "takes padded batches (promoter, dilated-residual); give --length N");
  return padded->forward_padded(x, batch.lengths);
}

}  // namespace dnagrad::genomics
