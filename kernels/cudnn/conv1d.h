// cuDNN's convolution on our Conv1d shapes: a REFERENCE for tests/test_gpu_cudnn.cpp and
// `dnagrad bench kernels`, never used by the library (see kernels/cudnn/info.h).
//
// Same legend and contracts as kernels/conv1d.h: forward ASSIGNS y; backward_input and
// backward_weight ACCUMULATE (+=, cuDNN's beta = 1). x [N, C_in, L_in] is cuDNN's NCHW tensor
// [N, C_in, 1, L_in], weight [C_out, C_in, K] the filter [C_out, C_in, 1, K]; padding, stride and
// dilation act on W only (cross-correlation, as ours and PyTorch's).
//
// Algorithms: for each direction (forward, backward-data, backward-filter), the fastest one in
// cuDNN's own search (cudnnFind*AlgorithmEx, which runs every algorithm once on scratch buffers of
// these shapes, with as much workspace as the hungriest algorithm wants, up to 4 GiB). The search
// runs on a direction's first use. Math: CUDNN_FMA_MATH (true float32, no TF32) unless allow_tf32,
// which lets float32 use TF32 tensor cores (CUDNN_DEFAULT_MATH) -- reported separately by the
// benchmark, never compared at float32 tolerances.
#pragma once
#include <memory>
#include <string>

#include "core/array.h"
#include "kernels/conv1d.h"

namespace dnagrad::kernels::cudnn {

class Conv1d {
 public:
  // For arrays x of x_shape [N, C_in, L_in] and weight of weight_shape [C_out, C_in, K], of
  // `dtype` (float32 or float64) on the CUDA device `device`.
  Conv1d(const Shape& x_shape, const Shape& weight_shape, DType dtype, Device device,
         const Conv1dParams& p, bool allow_tf32 = false);
  ~Conv1d();
  Conv1d(const Conv1d&) = delete;
  Conv1d& operator=(const Conv1d&) = delete;

  // y = conv(x, weight) (+ bias on each channel when bias is defined). Assigns.
  void forward(const Array& x, const Array& weight, const Array& bias, Array& y);
  // grad_x += cuDNN's backward-data. Accumulates.
  void backward_input(const Array& grad_y, const Array& weight, Array& grad_x);
  // grad_weight += cuDNN's backward-filter. Accumulates.
  void backward_weight(const Array& grad_y, const Array& x, Array& grad_weight);

  // Runs the algorithm search of every direction not searched yet (otherwise each direction
  // searches on its first use): benchmarks call it so that no search lands in a timed run.
  void search();

  const Shape& y_shape() const;
  // The algorithms chosen so far and their workspaces, e.g.
  // "forward IMPLICIT_PRECOMP_GEMM (FMA, 0.0 MB)"; for benchmark logs.
  std::string describe() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot forms (a fresh Conv1d per call, search included): for tests.
void conv1d_forward(const Array& x, const Array& weight, const Array& bias, Array& y,
                    const Conv1dParams& p);
void conv1d_backward_input(const Array& grad_y, const Array& weight, Array& grad_x,
                           const Conv1dParams& p);
void conv1d_backward_weight(const Array& grad_y, const Array& x, Array& grad_weight,
                            const Conv1dParams& p);

}  // namespace dnagrad::kernels::cudnn
