// nn/checkpoint.h: safetensors round trips, the header checked with an independent JSON parse,
// every corrupt-file error path, atomic writes, and a file written by the Python safetensors
// library (tests/fixtures/make_promoter_fixture.py) loaded into the promoter model, whose output
// must match the script's float64 forward pass.
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "genomics/models/promoter.h"
#include "nn/checkpoint.h"
#include "test_util.h"

using namespace dnagrad;
using dnagrad::testing::bitwise_equal;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = std::string(DNAGRAD_SOURCE_DIR) + "/tests/fixtures/";

// A fresh empty directory, removed when the test ends.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           cat("dnagrad_ckpt_", ::getpid(), "_", counter++, "_", testing::fresh_seed());
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A safetensors file from a header written by hand (padded here) and raw data bytes.
std::string make_file(const std::string& header, const std::string& data) {
  std::string padded = header;
  padded.append((8 - padded.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const uint64_t n = padded.size();
  std::memcpy(out.data(), &n, 8);
  return out + padded + data;
}

// Expects reading `path` to fail with a message containing every one of `parts`.
void expect_read_error(const std::string& path, const std::vector<std::string>& parts) {
  try {
    nn::read_safetensors(path);
    FAIL("no error reading ", path);
  } catch (const Error& e) {
    const std::string message = e.what();
    INFO("message: ", message);
    for (const std::string& part : parts) CHECK(message.find(part) != std::string::npos);
  }
}

nn::StateDict sample_state(Generator& gen) {
  Array counter = Array::scalar(0, DType::I64);
  counter.data<int64_t>()[0] = int64_t(1) << 40 | 12345;  // beyond float precision
  Array ints = Array::empty({3}, DType::I64);
  for (int i = 0; i < 3; ++i) ints.data<int64_t>()[i] = -7 + 1000000007LL * i;
  return {{"block.weight", testing::random_array({3, 4, 5}, gen, DType::F32)},
          {"block.bias", testing::random_array({3}, gen, DType::F32)},
          {"stats.mean", testing::random_array({2, 2}, gen, DType::F64)},
          {"stats.count", counter},
          {"indices", ints},
          {"scalar", Array::scalar(-0.25, DType::F64)},
          {"empty", Array::empty({2, 0}, DType::F32)}};
}

}  // namespace

TEST_CASE("checkpoint: F32/F64/I64 round trip bit for bit, with metadata") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  TempDir dir;
  const std::string path = dir.file("sample.safetensors");
  const nn::StateDict state = sample_state(gen);
  const nn::Metadata metadata = {{"model", "Sample"}, {"lr", "0.001"}, {"note", "ünïcode \"q\""}};
  nn::write_safetensors(path, state, metadata);
  CHECK(dir.listing() == std::vector<std::string>{"sample.safetensors"});  // no temporary left

  const nn::SafetensorsContents back = nn::read_safetensors(path);
  CHECK(back.metadata == metadata);
  REQUIRE(back.tensors.size() == state.size());
  for (const auto& [name, array] : state) {
    INFO(name);
    auto found = std::find_if(back.tensors.begin(), back.tensors.end(),
                              [&](const auto& entry) { return entry.first == name; });
    REQUIRE(found != back.tensors.end());
    CHECK(bitwise_equal(found->second, array));
  }
}

TEST_CASE("checkpoint: the header, parsed independently, follows the safetensors layout") {
  Generator gen(5);
  TempDir dir;
  const std::string path = dir.file("sample.safetensors");
  const nn::StateDict state = sample_state(gen);
  nn::write_safetensors(path, state, {{"model", "Sample"}});
  const std::string bytes = read_bytes(path);

  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);  // little-endian u64
  CHECK(header_len % 8 == 0);                 // the data starts 8-byte aligned
  REQUIRE(8 + header_len <= bytes.size());
  const std::string text = bytes.substr(8, header_len);
  CHECK(text.find_first_not_of(' ', text.find_last_of('}') + 1) == std::string::npos);
  const nlohmann::ordered_json header = nlohmann::ordered_json::parse(text);
  REQUIRE(header.is_object());

  CHECK(header.begin().key() == "__metadata__");
  CHECK(header.at("__metadata__").dump() == R"({"model":"Sample"})");
  // The safetensors library's layout: 8-byte types first, then by name.
  std::vector<std::string> order;
  for (const auto& [key, value] : header.items())
    if (key != "__metadata__") order.push_back(key);
  CHECK(order == std::vector<std::string>{"indices", "stats.count", "scalar", "stats.mean",
                                          "block.bias", "block.weight", "empty"});

  uint64_t expected_begin = 0;
  for (const std::string& name : order) {
    INFO(name);
    const auto& entry = header.at(name);
    const Array& array = std::find_if(state.begin(), state.end(), [&](const auto& e) {
                           return e.first == name;
                         })->second;
    const std::string dtype = array.dtype() == DType::F32   ? "F32"
                              : array.dtype() == DType::F64 ? "F64"
                                                            : "I64";
    CHECK(entry.at("dtype") == dtype);
    CHECK(entry.at("shape").get<std::vector<int64_t>>() == array.shape());
    const auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
    REQUIRE(offsets.size() == 2);
    CHECK(offsets[0] == expected_begin);
    CHECK(offsets[0] % dtype_size(array.dtype()) == 0);  // aligned to the element size
    CHECK(offsets[1] - offsets[0] == array.bytes());
    if (array.bytes() > 0)  // a [2, 0] tensor has no data (and a null pointer)
      CHECK(std::memcmp(bytes.data() + 8 + header_len + offsets[0], array.raw(), array.bytes()) ==
            0);
    expected_begin = offsets[1];
  }
  CHECK(8 + header_len + expected_begin == bytes.size());
  CHECK(header.at("scalar").at("shape").dump() == "[]");
}

TEST_CASE("checkpoint: every corrupt file gives an error naming the file and the tensor") {
  Generator gen(6);
  TempDir dir;
  const std::string good = dir.file("good.safetensors");
  nn::write_safetensors(good, {{"w", testing::random_array({4, 3}, gen, DType::F32)},
                               {"n", Array::scalar(3, DType::I64)}});
  const std::string bytes = read_bytes(good);
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  const std::string bad = dir.file("bad.safetensors");

  SUBCASE("truncated at several points") {
    // Into the length, into the header, right after the header, into the data of n (first,
    // it is 8-byte), into the data of w (last).
    const std::vector<std::pair<size_t, std::string>> cuts = {{0, "truncated"},
                                                              {5, "truncated"},
                                                              {8 + header_len / 2, "header length"},
                                                              {8 + header_len, "'n'"},
                                                              {8 + header_len + 4, "'n'"},
                                                              {8 + header_len + 8 + 20, "'w'"},
                                                              {bytes.size() - 1, "'w'"}};
    for (const auto& [size, part] : cuts) {
      INFO("cut at ", size);
      write_bytes(bad, bytes.substr(0, size));
      expect_read_error(bad, {"bad.safetensors", part});
    }
  }
  SUBCASE("garbage header length") {
    std::string corrupt = bytes;
    std::memset(corrupt.data(), 0xff, 8);
    write_bytes(bad, corrupt);
    expect_read_error(bad, {"bad.safetensors", "header length 18446744073709551615"});
  }
  SUBCASE("bad JSON") {
    write_bytes(bad, make_file(R"({"w": {"dtype": "F32", "shape": [1], )", "abcd"));
    expect_read_error(bad, {"bad.safetensors", "not valid JSON"});
    write_bytes(bad, make_file(R"(["w"])", ""));
    expect_read_error(bad, {"bad.safetensors", "not a JSON object"});
  }
  SUBCASE("unknown or unsupported dtype") {
    for (const char* dtype : {"F33", "F16", "BF16", "f32"}) {
      write_bytes(bad, make_file(cat(R"({"w": {"dtype": ")", dtype,
                                     R"(", "shape": [1], "data_offsets": [0, 4]}})"),
                                 "abcd"));
      expect_read_error(bad, {"bad.safetensors", "'w'", dtype});
    }
  }
  SUBCASE("malformed entries") {
    const std::vector<std::pair<std::string, std::string>> headers = {
        {R"({"w": {"dtype": "F32", "shape": [1]}})", "data_offsets"},
        {R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", "shape"},
        {R"({"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})", "shape"},
        {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", "data_offsets"},
        {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", "data_offsets"},
        {R"({"w": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}})", "dtype"},
        {R"({"__metadata__": {"epoch": 3}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
         "epoch"}};
    for (const auto& [header, part] : headers) {
      INFO(header);
      write_bytes(bad, make_file(header, "abcd"));
      expect_read_error(bad, {"bad.safetensors", part});
    }
  }
  SUBCASE("offsets that do not match dtype * shape, overlap, leave gaps or run out of range") {
    const std::vector<std::pair<std::string, std::vector<std::string>>> headers = {
        // 8 bytes for one float32
        {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}})", {"'w'", "needs 4"}},
        // beyond the 8 data bytes
        {R"({"w": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}})",
         {"'w'", "past the end"}},
        // both tensors at [0, 4)
        {R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
         {"'b'", "overlap"}},
        // nothing at [0, 4)
        {R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", {"'a'", "gap"}},
        // 4 bytes after the last tensor
        {R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", {"4 bytes follow"}}};
    for (const auto& [header, parts] : headers) {
      INFO(header);
      write_bytes(bad, make_file(header, "abcdefgh"));
      std::vector<std::string> all = parts;
      all.push_back("bad.safetensors");
      expect_read_error(bad, all);
    }
  }
  SUBCASE("a missing file") {
    expect_read_error(dir.file("absent.safetensors"), {"absent.safetensors", "cannot open"});
  }
}

TEST_CASE("checkpoint: loading into a model names the file and the mismatching tensor") {
  Generator gen(7);
  TempDir dir;
  const std::string path = dir.file("linear.safetensors");
  nn::Linear small(3, 2, gen), wide(3, 4, gen), no_bias(3, 2, gen, false);
  nn::save_checkpoint(path, small, {{"model", "Linear(3, 2)"}});

  nn::Linear copy(3, 2, gen);
  CHECK(nn::load_checkpoint(path, copy) == nn::Metadata{{"model", "Linear(3, 2)"}});
  CHECK(bitwise_equal(copy.weight.data(), small.weight.data()));
  CHECK(bitwise_equal(copy.bias.data(), small.bias.data()));

  CHECK_THROWS_WITH_AS(nn::load_checkpoint(path, wide),
                       doctest::Contains("linear.safetensors: load_state_dict"), Error);
  CHECK_THROWS_WITH_AS(nn::load_checkpoint(path, wide), doctest::Contains("weight: float32[2, 3]"),
                       Error);
  CHECK_THROWS_WITH_AS(nn::load_checkpoint(path, no_bias),
                       doctest::Contains("unexpected tensors: bias"), Error);
  nn::save_checkpoint(path, no_bias);
  CHECK_THROWS_WITH_AS(nn::load_checkpoint(path, small), doctest::Contains("missing tensors: bias"),
                       Error);
}

TEST_CASE("checkpoint: writes are atomic and failures leave the old file alone") {
  Generator gen(8);
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  nn::write_safetensors(path, {{"w", testing::random_array({5}, gen, DType::F32)}});
  const std::string before = read_bytes(path);

  // Rejected before anything is written.
  const Array a = Array::zeros({1});
  CHECK_THROWS_WITH_AS(nn::write_safetensors(path, {{"w", a}, {"w", a}}),
                       doctest::Contains("'w' given twice"), Error);
  CHECK_THROWS_AS(nn::write_safetensors(path, {{"", a}}), Error);
  CHECK_THROWS_AS(nn::write_safetensors(path, {{"u", Array()}}), Error);
  CHECK(read_bytes(path) == before);

  // The rename fails (the target is a directory): the temporary file is removed.
  fs::create_directory(dir.file("taken"));
  CHECK_THROWS_WITH_AS(nn::write_safetensors(dir.file("taken"), {{"w", a}}),
                       doctest::Contains("taken"), Error);

  // A directory that does not exist: the error names the path.
  const std::string nowhere = dir.file("no/such/dir/model.safetensors");
  CHECK_THROWS_WITH_AS(nn::write_safetensors(nowhere, {{"w", a}}),
                       doctest::Contains(nowhere.c_str()), Error);

  CHECK(read_bytes(path) == before);
  CHECK(dir.listing() == std::vector<std::string>{"model.safetensors", "taken"});
  CHECK(fs::is_empty(dir.file("taken")));

  // Overwriting replaces the file as a whole.
  nn::write_safetensors(path, {{"v", Array::scalar(1, DType::I64)}});
  CHECK(nn::read_safetensors(path).tensors.at(0).first == "v");
  CHECK(dir.listing() == std::vector<std::string>{"model.safetensors", "taken"});
}

TEST_CASE(
    "checkpoint: a state_dict written by the Python safetensors library loads, and the "
    "promoter model reproduces the float64 NumPy forward pass") {
  const std::string state_path = kFixtures + "promoter_state.safetensors";
  const nn::SafetensorsContents io = nn::read_safetensors(kFixtures + "promoter_io.safetensors");
  auto io_tensor = [&](const std::string& name) {
    for (const auto& [key, array] : io.tensors)
      if (key == name) return array;
    FAIL("no tensor ", name, " in promoter_io.safetensors");
    return Array();
  };

  Generator gen(1);
  genomics::PromoterExpressionModel model(gen);
  CHECK(nn::load_checkpoint(state_path, model).empty());  // torch's save_file writes no metadata
  const nn::SafetensorsContents file = nn::read_safetensors(state_path);
  for (const auto& [name, array] : model.state_dict()) {
    INFO(name);
    auto found = std::find_if(file.tensors.begin(), file.tensors.end(),
                              [&](const auto& entry) { return entry.first == name; });
    REQUIRE(found != file.tensors.end());
    CHECK(bitwise_equal(array, found->second));
  }
  CHECK(model.state_dict()[6].second.item() == 1234);  // num_batches_tracked

  // Our writer produces the same bytes as the Python library for the same state_dict.
  TempDir dir;
  nn::save_checkpoint(dir.file("resaved.safetensors"), model);
  CHECK(read_bytes(dir.file("resaved.safetensors")) == read_bytes(state_path));

  // Eval-mode forward (needs the conv, batchnorm, pooling and linear CPU kernels).
  model.eval();
  const Tensor x(io_tensor("inputs"));
  REQUIRE(x.shape() == Shape{2, 4, 200});
  const Array features = model.conv_layers->forward(x).data().reshape({2, 64});
  testing::require_close(features, io_tensor("features"), 1e-4, 1e-4);
  const Array y = model(x).data();
  REQUIRE(y.shape() == Shape{2});
  testing::require_close(y, io_tensor("outputs"), 0, 1e-4);
}
