#include "genomics/io/npy.h"

#include <bit>
#include <cstring>

#include "core/files.h"

namespace dnagrad::genomics {

static_assert(std::endian::native == std::endian::little,
              ".npy data is written little-endian; this writer copies bytes as they are");

namespace {

const char* npy_descr(DType dtype) {
  switch (dtype) {
    case DType::F32:
      return "<f4";
    case DType::F64:
      return "<f8";
    case DType::I64:
      return "<i8";
    case DType::U8:
      return "|u1";
  }
  return "?";
}

// "(2, 4, 300)", "(5,)" or "()": a Python tuple literal.
std::string python_tuple(const Shape& shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) text += ",";
  return text + ")";
}

}  // namespace

void write_npy(const std::string& path, const Array& array) {
  DNAGRAD_CHECK(array.defined(), "write_npy: ", path, ": the array is undefined");
  const Array data = array.to(Device::cpu());
  std::string header =
      cat("{'descr': '", npy_descr(data.dtype()),
          "', 'fortran_order': False, 'shape': ", python_tuple(data.shape()), ", }");
  constexpr size_t kPrefix = 10;  // magic, version, header length
  const size_t padded = (kPrefix + header.size() + 1 + 63) / 64 * 64 - kPrefix;  // with '\n'
  DNAGRAD_CHECK(padded <= 0xFFFF, "write_npy: ", path, ": shape ", python_tuple(data.shape()),
                " makes a header too long for format 1.0");
  header.append(padded - header.size() - 1, ' ');
  header += '\n';

  std::string bytes = "\x93NUMPY";
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(padded & 0xFF);
  bytes += static_cast<char>(padded >> 8);
  bytes += header;
  const size_t data_begin = bytes.size();
  bytes.resize(data_begin + data.bytes());
  if (data.bytes() > 0) std::memcpy(bytes.data() + data_begin, data.raw(), data.bytes());
  write_file_atomically(path, bytes);
}

}  // namespace dnagrad::genomics
