// cuDNN references for tests and benchmarks (kernels/cudnn/, target dnagrad_cudnn; defines
// DNAGRAD_WITH_CUDNN for whoever links it). Never linked into the dnagrad library: training and
// inference always run our own kernels (kernels/cuda/).
#pragma once
#include <string>

namespace dnagrad::kernels::cudnn {

// "cuDNN 9.19.0 (built with 9.19.0)": the version of the loaded library and of the headers.
std::string version();

}  // namespace dnagrad::kernels::cudnn
