// The cuDNN references of kernels/cudnn/ (target dnagrad_cudnn, linked by the tests only) check
// their arguments and name the op (ctest label gpu). Their results are tested with everything
// else's, against kernels/reference/, by the case lists of test_conv1d.cpp, test_batchnorm.cpp
// and test_pooling.cpp (backend "cudnn"). Without cuDNN at build time one test prints
// DNAGRAD-GPU-SKIP instead, as does every test without a GPU.
#include <doctest/doctest.h>

#ifdef DNAGRAD_WITH_CUDNN

#include "kernels/cudnn/conv1d.h"
#include "kernels/cudnn/pooling.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::testing;

namespace {
constexpr DType kF32 = DType::F32;
}  // namespace

TEST_SUITE("gpu") {
  TEST_CASE("gpu: the cuDNN reference rejects shapes that do not fit and names the op") {
    if (skip_without_gpu()) return;
    kernels::Conv1dParams p;
    p.padding = 1;
    kernels::cudnn::Conv1d reference({2, 3, 10}, {4, 3, 3}, kF32, Device::cuda(), p);
    Array x = Array::zeros({2, 3, 11}, kF32, Device::cuda());
    Array w = Array::zeros({4, 3, 3}, kF32, Device::cuda());
    Array y = Array::zeros({2, 4, 10}, kF32, Device::cuda());
    CHECK_THROWS_WITH(reference.forward(x, w, Array(), y),
                      doctest::Contains("cudnn conv1d forward: expected x"));
    kernels::Pool1dParams dilated;
    dilated.kernel = 3;
    dilated.dilation = 2;
    CHECK_THROWS_WITH(kernels::cudnn::Pool1d(kernels::cudnn::Pool1d::Kind::Max, {1, 1, 20}, kF32,
                                             Device::cuda(), dilated),
                      doctest::Contains("no dilation"));
  }
}

#elif !defined(DNAGRAD_CUDA_EMULATE)  // built without cuDNN: say so instead of silently passing
// (The emulation build has no cuDNN by design: there these tests do not exist, rather than
// being reported as skipped beside the emulated gpu suite.)

#include <iostream>

#include "test_util.h"

TEST_SUITE("gpu") {
  TEST_CASE("gpu: the cuDNN reference argument checks (compiled out: built without cuDNN)") {
    if (dnagrad::testing::skip_without_gpu()) return;
    std::cout << "DNAGRAD-GPU-SKIP: built without cuDNN: the cuDNN reference checks are compiled "
                 "out (see cmake/cuda_libraries.cmake)\n";
  }
}

#endif
