// Array: an n-dimensional block of numbers, the raw data under every Tensor. It knows its shape,
// element type and device, and nothing about gradients (that is autograd's Tensor).
//
// Always contiguous and row-major: element (i0, i1, ..., ik) of an array with shape
// [d0, d1, ..., dk] lives at offset ((i0*d1 + i1)*d2 + ...)*dk + ik. Copies of an Array share
// memory (like a shared_ptr); clone() makes an independent copy.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/shape.h"
#include "core/storage.h"

namespace dnagrad {

class Array {
 public:
  Array() = default;  // an undefined array: defined() is false

  // Uninitialised memory. Kernels that assign every element take these.
  static Array empty(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Array zeros(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Array full(const Shape& shape, double value, DType dtype = DType::F32);  // CPU
  static Array scalar(double value, DType dtype = DType::F32);                    // shape []
  // Copies `values` (row-major) into a new CPU array of `shape`, converting to `dtype`.
  static Array from_vector(const Shape& shape, const std::vector<double>& values,
                           DType dtype = DType::F32);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return numel_; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device::cpu(); }
  size_t bytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }

  // Typed pointer to the first element; throws if T does not match dtype().
  template <class T> T* data() const;
  void* raw() const { return storage_ ? storage_->data() : nullptr; }

  // Same memory, new shape (one extent may be -1 and is inferred).
  Array reshape(const Shape& shape) const;
  Array clone() const;
  Array to(DType dtype) const;    // CPU only; converts
  Array to(Device device) const;  // copies between CPU and CUDA (same array if already there)

  void zero_();                // any device
  void fill_(double value);    // CPU
  void copy_from(const Array& src);  // same shape and dtype, any devices
  double item() const;         // the single element of a one-element array, as double
  double at(const std::vector<int64_t>& index) const;  // CPU, any dtype, for tests and printing
  std::vector<double> to_vector() const;               // CPU copy as doubles

  std::string desc() const;  // "float32[64, 4, 2000] on cpu", for error messages

 private:
  Array(std::shared_ptr<Storage> storage, Shape shape, DType dtype);

  std::shared_ptr<Storage> storage_;
  Shape shape_;
  int64_t numel_ = 0;
  DType dtype_ = DType::F32;
};

template <class T>
T* Array::data() const {
  DNAGRAD_CHECK(defined(), "Array::data: the array is undefined");
  DNAGRAD_CHECK(dtype_of<T>() == dtype_, "Array::data: asked for ", dtype_name(dtype_of<T>()),
        " but the array holds ", dtype_name(dtype_));
  return static_cast<T*>(storage_->data());
}

}  // namespace dnagrad
