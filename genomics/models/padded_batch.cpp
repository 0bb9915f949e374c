#include "genomics/models/padded_batch.h"

#include "core/error.h"

namespace dnagrad::genomics {

Tensor forward_batch(nn::Module& model, const Batch& batch) {
  const Tensor x(batch.x.to(model.device()));
  if (batch.lengths.empty()) return model.forward(x);
  auto* padded = dynamic_cast<PaddedBatchModel*>(&model);
  DNAGRAD_CHECK(padded != nullptr,
                "a batch padded to its longest sequence (--pad-with-mask) needs a model that "
                "takes padded batches (promoter); give --length N");
  return padded->forward_padded(x, batch.lengths);
}

}  // namespace dnagrad::genomics
