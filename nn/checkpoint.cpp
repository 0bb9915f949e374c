#include "nn/checkpoint.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/files.h"

namespace dnagrad::nn {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; this reader copies bytes as they are");

namespace {

using Json = nlohmann::ordered_json;  // keeps keys in insertion order, as the file has them

const char* safetensors_dtype(DType t) {
  switch (t) {
    case DType::F32:
      return "F32";
    case DType::F64:
      return "F64";
    case DType::I64:
      return "I64";
    case DType::U8:
      return "U8";
  }
  return "?";
}

// The safetensors library lays out larger element types first (then sorts by name); this rank
// reproduces its order for our types.
int layout_rank(DType t) {
  return t == DType::I64 ? 0 : t == DType::F64 ? 1 : t == DType::F32 ? 2 : 3;
}

// ---- writing ----


// ---- reading ----

template <class... Args>
[[noreturn]] void bad_file(const std::string& label, Args&&... args) {
  fail(label, ": ", std::forward<Args>(args)...);
}

uint64_t read_u64_le(const char* p) {
  uint64_t value;
  std::memcpy(&value, p, 8);
  return value;
}

DType parse_dtype(const std::string& label, const std::string& name, const Json& entry) {
  const Json& dtype = entry.at("dtype");
  if (!dtype.is_string()) bad_file(label, "tensor '", name, "': dtype is not a string");
  const std::string text = dtype.get<std::string>();
  if (text == "F32") return DType::F32;
  if (text == "F64") return DType::F64;
  if (text == "I64") return DType::I64;
  bad_file(label, "tensor '", name, "': unknown or unsupported dtype '", text,
           "' (dnagrad reads F32, F64 and I64)");
}

// Non-negative integers that fit in int64 (the JSON parser stores them as unsigned).
std::vector<uint64_t> parse_naturals(const std::string& label, const std::string& name,
                                     const Json& entry, const char* field) {
  const Json& list = entry.at(field);
  if (!list.is_array()) bad_file(label, "tensor '", name, "': ", field, " is not a list");
  std::vector<uint64_t> out;
  for (const Json& v : list) {
    if (!v.is_number_unsigned() ||
        v.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
      bad_file(label, "tensor '", name, "': ", field, " holds ", v.dump(),
               ", not a non-negative integer");
    out.push_back(v.get<uint64_t>());
  }
  return out;
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& label, const std::string& name, const Json& value) {
  if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
      !value.contains("data_offsets"))
    bad_file(label, "tensor '", name, "': expected an object with dtype, shape and data_offsets, ",
             "got ", value.dump());
  Entry e{name, parse_dtype(label, name, value), {}, 0, 0};
  uint64_t bytes = dtype_size(e.dtype);
  for (uint64_t extent : parse_naturals(label, name, value, "shape")) {
    if (__builtin_mul_overflow(bytes, extent, &bytes))
      bad_file(label, "tensor '", name, "': shape is too large");
    e.shape.push_back(static_cast<int64_t>(extent));
  }
  const std::vector<uint64_t> offsets = parse_naturals(label, name, value, "data_offsets");
  if (offsets.size() != 2 || offsets[0] > offsets[1])
    bad_file(label, "tensor '", name,
             "': data_offsets must be [begin, end] with begin <= end, got ",
             value.at("data_offsets").dump());
  e.begin = offsets[0];
  e.end = offsets[1];
  if (e.end - e.begin != bytes)
    bad_file(label, "tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] hold ",
             e.end - e.begin, " bytes but ", dtype_name(e.dtype), shape_str(e.shape), " needs ",
             bytes);
  return e;
}

Metadata parse_metadata(const std::string& label, const Json& value) {
  if (!value.is_object()) bad_file(label, "__metadata__ is not an object");
  Metadata out;
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) bad_file(label, "__metadata__ entry '", key, "' is not a string");
    out[key] = v.get<std::string>();
  }
  return out;
}

}  // namespace

void write_safetensors(const std::string& path, const StateDict& tensors,
                       const Metadata& metadata) {
  std::set<std::string> names;
  std::vector<std::pair<std::string, Array>> ordered;
  for (const auto& [name, array] : tensors) {
    DNAGRAD_CHECK(!name.empty() && name != "__metadata__", path, ": invalid tensor name '", name,
                  "'");
    DNAGRAD_CHECK(names.insert(name).second, path, ": tensor name '", name, "' given twice");
    DNAGRAD_CHECK(array.defined(), path, ": tensor '", name, "' is undefined");
    ordered.emplace_back(name, array.to(Device::cpu()));
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    const int ra = layout_rank(a.second.dtype()), rb = layout_rank(b.second.dtype());
    return ra != rb ? ra < rb : a.first < b.first;
  });

  Json header = Json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  size_t offset = 0;
  for (const auto& [name, array] : ordered) {
    header[name] = {{"dtype", safetensors_dtype(array.dtype())},
                    {"shape", array.shape()},
                    {"data_offsets", {offset, offset + array.bytes()}}};
    offset += array.bytes();
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {  // e.g. a name or metadata value that is not UTF-8
    fail(path, ": cannot encode the header: ", e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data section 8-byte aligned

  std::string file(8, '\0');
  const uint64_t header_len = text.size();
  std::memcpy(file.data(), &header_len, 8);
  file.reserve(8 + text.size() + offset);
  file += text;
  for (const auto& [name, array] : ordered)
    if (array.bytes()) file.append(static_cast<const char*>(array.raw()), array.bytes());
  write_file_atomically(path, file);
}

SafetensorsContents parse_safetensors(std::string_view bytes, const std::string& label) {
  if (bytes.size() < 8)
    bad_file(label, "truncated: ", bytes.size(), " bytes, too short for the 8-byte header length");
  const uint64_t header_len = read_u64_le(bytes.data());
  if (header_len > bytes.size() - 8)
    bad_file(label, "header length ", header_len, " runs past the end of the file (", bytes.size(),
             " bytes; truncated or not a safetensors file)");

  Json header;
  try {
    header = Json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<ptrdiff_t>(header_len));
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    bad_file(label, "the header is not valid JSON: ", e.what());
  }
  if (!header.is_object()) bad_file(label, "the header is not a JSON object");

  SafetensorsContents out;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__")
      out.metadata = parse_metadata(label, value);
    else
      entries.push_back(parse_entry(label, key, value));
  }

  // The tensors must tile the data section: sorted by offset, each starts where the last ended.
  const uint64_t data_size = bytes.size() - 8 - header_len;
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected_begin = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    const std::string where =
        cat("tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end, "]");
    if (e.begin < expected_begin)
      bad_file(label, where, " overlap tensor '", previous->name, "', which ends at ",
               expected_begin);
    if (e.begin > expected_begin)
      bad_file(label, where, " leave a gap: bytes [", expected_begin, ", ", e.begin,
               ") of the data belong to no tensor");
    if (e.end > data_size)
      bad_file(label, where, " run past the end of the data section (", data_size,
               " bytes; the file is truncated or corrupt)");
    expected_begin = e.end;
    previous = &e;
  }
  if (expected_begin != data_size)
    bad_file(label, data_size - expected_begin, " bytes follow the last tensor's data");

  const char* data = bytes.data() + 8 + header_len;
  for (const Entry& e : entries) {
    Array array = Array::empty(e.shape, e.dtype);
    if (array.bytes()) std::memcpy(array.raw(), data + e.begin, array.bytes());
    out.tensors.emplace_back(e.name, std::move(array));
  }
  return out;
}

SafetensorsContents read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) bad_file(path, "cannot open: ", std::strerror(errno));
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) bad_file(path, "read error");
  return parse_safetensors(file, path);
}

void save_checkpoint(const std::string& path, const Module& model, const Metadata& metadata) {
  write_safetensors(path, model.state_dict(), metadata);
}

Metadata load_checkpoint(const std::string& path, Module& model) {
  SafetensorsContents contents = read_safetensors(path);
  try {
    model.load_state_dict(contents.tensors);
  } catch (const Error& e) {
    bad_file(path, e.what());
  }
  return contents.metadata;
}

}  // namespace dnagrad::nn
