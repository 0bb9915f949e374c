// cuDNN's pooling on our 1-D pooling shapes: a REFERENCE for tests and `dnagrad bench kernels`,
// never used by the library (see kernels/cudnn/info.h).
//
// x [N, C, L] as NCHW [N, C, 1, L], a 1 x K window with padding and stride along W only.
//   max: CUDNN_POOLING_MAX with NaN propagation; padded positions never win (as ours).
//   avg: CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING or ..._EXCLUDE_PADDING, following
//        Pool1dParams::count_include_pad.
// cuDNN pooling has no dilation (p.dilation must be 1) and no argmax: its backward takes x and y
// and routes each gradient to the window's maximum. forward ASSIGNS y; backward ACCUMULATES into
// grad_x (cuDNN's beta = 1).
#pragma once
#include <memory>

#include "core/array.h"
#include "kernels/pooling.h"

namespace dnagrad::kernels::cudnn {

class Pool1d {
 public:
  enum class Kind { Max, Avg };
  // For x of x_shape [N, C, L] of `dtype` on the CUDA device `device`.
  Pool1d(Kind kind, const Shape& x_shape, DType dtype, Device device, const Pool1dParams& p);
  ~Pool1d();
  Pool1d(const Pool1d&) = delete;
  Pool1d& operator=(const Pool1d&) = delete;

  const Shape& y_shape() const;
  void forward(const Array& x, Array& y);
  void backward(const Array& x, const Array& y, const Array& grad_y, Array& grad_x);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnagrad::kernels::cudnn
