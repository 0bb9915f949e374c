#include "core/array.h"

#include <cstring>

#include "core/cuda_runtime.h"
#include "core/device_checks.h"

namespace dnagrad {

Array::Array(std::shared_ptr<Storage> storage, Shape shape, DType dtype)
    : storage_(std::move(storage)),
      shape_(std::move(shape)),
      numel_(shape_numel(shape_)),
      dtype_(dtype) {}

Array Array::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t extent : shape)
    DNAGRAD_CHECK(extent >= 0, "Array::empty: negative extent in shape ", shape_str(shape));
  const size_t bytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  return Array(std::make_shared<Storage>(bytes, device), shape, dtype);
}

Array Array::zeros(const Shape& shape, DType dtype, Device device) {
  Array a = empty(shape, dtype, device);
  a.zero_();
  return a;
}

Array Array::full(const Shape& shape, double value, DType dtype) {
  Array a = empty(shape, dtype);
  a.fill_(value);
  return a;
}

Array Array::scalar(double value, DType dtype) { return full({}, value, dtype); }

Array Array::from_vector(const Shape& shape, const std::vector<double>& values, DType dtype) {
  Array a = empty(shape, dtype);
  DNAGRAD_CHECK(static_cast<int64_t>(values.size()) == a.numel(),
                "Array::from_vector: ", values.size(), " values for shape ", shape_str(shape), " (",
                a.numel(), " elements)");
  for (int64_t i = 0; i < a.numel(); ++i) {
    switch (dtype) {
      case DType::F32:
        a.data<float>()[i] = static_cast<float>(values[i]);
        break;
      case DType::F64:
        a.data<double>()[i] = values[i];
        break;
      case DType::I64:
        a.data<int64_t>()[i] = static_cast<int64_t>(values[i]);
        break;
      case DType::U8:
        a.data<uint8_t>()[i] = static_cast<uint8_t>(values[i]);
        break;
    }
  }
  return a;
}

int64_t Array::size(int64_t d) const { return shape_[normalize_dim(d, dim(), "Array::size")]; }

Array Array::reshape(const Shape& shape) const {
  Shape out = shape;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      DNAGRAD_CHECK(infer < 0, "reshape: more than one -1 in ", shape_str(shape));
      infer = static_cast<int>(i);
    } else {
      DNAGRAD_CHECK(out[i] >= 0, "reshape: negative extent in ", shape_str(shape));
      known *= out[i];
    }
  }
  if (infer >= 0) {
    DNAGRAD_CHECK(known > 0 && numel_ % known == 0, "reshape: cannot reshape ", desc(), " into ",
                  shape_str(shape));
    out[infer] = numel_ / known;
  }
  DNAGRAD_CHECK(shape_numel(out) == numel_, "reshape: cannot reshape ", desc(), " into ",
                shape_str(shape), " (", shape_numel(out), " elements)");
  return Array(storage_, out, dtype_);
}

Array Array::clone() const {
  Array c = empty(shape_, dtype_, device());
  c.copy_from(*this);
  return c;
}

Array Array::to(DType dtype) const {
  DNAGRAD_CHECK(device().is_cpu(), "Array::to(dtype): only CPU arrays convert types, got ", desc());
  if (dtype == dtype_) return *this;
  const std::vector<double> values = to_vector();
  return from_vector(shape_, values, dtype);
}

Array Array::to(Device device) const {
  if (device == this->device()) return *this;
  Array c = empty(shape_, dtype_, device);
  c.copy_from(*this);
  return c;
}

void Array::zero_() {
  if (!bytes()) return;
  if (device().is_cpu())
    std::memset(raw(), 0, bytes());
  else
    cuda_memset_zero(raw(), bytes());
}

void Array::fill_(double value) {
  DNAGRAD_CHECK(device().is_cpu(), "Array::fill_: CPU only, got ", desc());
  for (int64_t i = 0; i < numel_; ++i) {
    switch (dtype_) {
      case DType::F32:
        data<float>()[i] = static_cast<float>(value);
        break;
      case DType::F64:
        data<double>()[i] = value;
        break;
      case DType::I64:
        data<int64_t>()[i] = static_cast<int64_t>(value);
        break;
      case DType::U8:
        data<uint8_t>()[i] = static_cast<uint8_t>(value);
        break;
    }
  }
}

void Array::copy_from(const Array& src) {
  DNAGRAD_CHECK(src.shape_ == shape_ && src.dtype_ == dtype_, "copy_from: cannot copy ", src.desc(),
                " into ", desc());
  if (!bytes()) return;
  const bool src_cpu = src.device().is_cpu(), dst_cpu = device().is_cpu();
  if (src_cpu && dst_cpu)
    std::memcpy(raw(), src.raw(), bytes());
  else
    cuda_copy(raw(), src.raw(), bytes(), src_cpu ? 0 : (dst_cpu ? 1 : 2));
  // The host has waited for the device: report what its deferred checks found (device_checks.h).
  if (!src_cpu && dst_cpu) check_device_errors(src.device().index);
}

double Array::item() const {
  DNAGRAD_CHECK(numel_ == 1, "item: expected a one-element array, got ", desc());
  return to(Device::cpu()).at(std::vector<int64_t>(shape_.size(), 0));
}

double Array::at(const std::vector<int64_t>& index) const {
  DNAGRAD_CHECK(device().is_cpu(), "Array::at: CPU only, got ", desc());
  DNAGRAD_CHECK(index.size() == shape_.size(), "Array::at: ", index.size(), " indices for ",
                desc());
  int64_t offset = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    DNAGRAD_CHECK(index[i] >= 0 && index[i] < shape_[i], "Array::at: index ", index[i],
                  " out of range in dimension ", i, " of ", desc());
    offset = offset * shape_[i] + index[i];
  }
  switch (dtype_) {
    case DType::F32:
      return data<float>()[offset];
    case DType::F64:
      return data<double>()[offset];
    case DType::I64:
      return static_cast<double>(data<int64_t>()[offset]);
    case DType::U8:
      return data<uint8_t>()[offset];
  }
  return 0;
}

std::vector<double> Array::to_vector() const {
  const Array cpu = to(Device::cpu());
  std::vector<double> out(numel_);
  for (int64_t i = 0; i < numel_; ++i) {
    switch (dtype_) {
      case DType::F32:
        out[i] = cpu.data<float>()[i];
        break;
      case DType::F64:
        out[i] = cpu.data<double>()[i];
        break;
      case DType::I64:
        out[i] = static_cast<double>(cpu.data<int64_t>()[i]);
        break;
      case DType::U8:
        out[i] = cpu.data<uint8_t>()[i];
        break;
    }
  }
  return out;
}

std::string Array::desc() const {
  if (!defined()) return "<undefined array>";
  return cat(dtype_name(dtype_), shape_str(shape_), " on ", device().str());
}

}  // namespace dnagrad
