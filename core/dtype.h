// Element types. Compute happens in float32 (training) or float64 (gradient checks); int64 holds
// indices, labels and counters such as BatchNorm's num_batches_tracked; uint8 small offsets
// (the fused max pooling's argmax inside its window).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/error.h"

namespace dnagrad {

enum class DType : uint8_t { F32, F64, I64, U8 };

inline size_t dtype_size(DType t) {
  return t == DType::F32 ? 4 : t == DType::U8 ? 1 : 8;
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I64: return "int64";
    case DType::U8: return "uint8";
  }
  return "?";
}

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::F32; }
template <> constexpr DType dtype_of<double>() { return DType::F64; }
template <> constexpr DType dtype_of<int64_t>() { return DType::I64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::U8; }

// Runs f.template operator()<T>() with T = float or double to match `t`; `op` names the caller
// in the error for any other type. Usage:
//   dispatch_float(x.dtype(), "relu", [&]<class T>() { relu_impl<T>(...); });
template <class F>
void dispatch_float(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::F32: f.template operator()<float>(); return;
    case DType::F64: f.template operator()<double>(); return;
    default: fail(op, ": expected a float32 or float64 tensor, got ", dtype_name(t));
  }
}

}  // namespace dnagrad
