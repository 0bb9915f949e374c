#include "nn/inference.h"

#include <algorithm>
#include <cstring>

#include "core/cuda_runtime.h"
#include "core/error.h"

namespace dnagrad::nn {

namespace {

// Copies `rows` ([count, ...]) into rows [first, first + count) of `out` ([n, ...]), on the
// device both live on.
void copy_rows(Array& out, int64_t first, const Array& rows) {
  char* dst =
      static_cast<char*>(out.raw()) + static_cast<size_t>(first) * (out.bytes() / out.size(0));
  if (out.device().is_cpu())
    std::memcpy(dst, rows.raw(), rows.bytes());
  else
    cuda_copy(dst, rows.raw(), rows.bytes(), /*device to device*/ 2);
}

}  // namespace

Array predict_in_batches(Module& model, int64_t n, int64_t batch_size,
                         const BatchInputs& make_inputs) {
  return run_in_batches(model, n, batch_size, [&](int64_t first, int64_t count) {
    return model(Tensor(make_inputs(first, count).to(model.device())));
  });
}

Array run_in_batches(Module& model, int64_t n, int64_t batch_size, const BatchOutputs& outputs) {
  DNAGRAD_CHECK(batch_size > 0, "predict: the batch size ", batch_size, " is not positive");
  EvalMode eval_mode(model);
  NoGrad no_grad;
  const Device device = model.device();
  Array out = Array::empty({0}, DType::F32, device);  // stays so only when n is 0
  for (int64_t first = 0; first < n; first += batch_size) {
    const int64_t count = std::min(batch_size, n - first);
    const Array y = outputs(first, count).data();
    DNAGRAD_CHECK(y.dim() >= 1 && y.size(0) == count, "predict: the model gave ", y.desc(),
                  " for a batch of ", count);
    Shape shape = y.shape();
    shape[0] = n;
    if (first == 0) out = Array::empty(shape, y.dtype(), device);
    DNAGRAD_CHECK(out.shape() == shape && out.dtype() == y.dtype(), "predict: the model gave ",
                  y.desc(), " for a batch, but ", out.desc(), " for the first batches");
    copy_rows(out, first, y);
  }
  return out;
}

}  // namespace dnagrad::nn
