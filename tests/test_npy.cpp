// genomics/io/npy.h: .npy files parsed here by hand, byte by byte, against the format's
// description (magic, version, header length, the dict literal padded to 64 bytes, the data).
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "genomics/io/npy.h"
#include "test_util.h"

using namespace dnagrad;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           cat("dnagrad_npy_", ::getpid(), "_", counter++, "_", testing::fresh_seed());
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Splits a version 1.0 file into its header text (without padding and newline) and data bytes,
// checking the fixed parts on the way.
struct ParsedNpy {
  std::string header, data;
};
ParsedNpy parse(const std::string& bytes) {
  REQUIRE(bytes.size() >= 10);
  CHECK(bytes.substr(0, 6) == std::string("\x93NUMPY"));
  CHECK(bytes[6] == 1);
  CHECK(bytes[7] == 0);
  const size_t header_len =
      static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  CHECK((10 + header_len) % 64 == 0);
  REQUIRE(bytes.size() >= 10 + header_len);
  std::string header = bytes.substr(10, header_len);
  CHECK(header.back() == '\n');
  header.pop_back();
  while (!header.empty() && header.back() == ' ') header.pop_back();
  return {header, bytes.substr(10 + header_len)};
}

}  // namespace

TEST_CASE("npy: float32, float64 and int64 arrays, headers and bytes by hand") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  TempDir dir;

  const Array f32 = testing::random_array({2, 4, 3}, gen, DType::F32);
  genomics::write_npy(dir.file("a.npy"), f32);
  ParsedNpy a = parse(read_bytes(dir.file("a.npy")));
  CHECK(a.header == "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4, 3), }");
  REQUIRE(a.data.size() == 24 * 4);
  for (int64_t i = 0; i < 24; ++i) {  // little-endian IEEE 754 binary32, element by element
    const uint32_t bits = static_cast<unsigned char>(a.data[4 * i]) |
                          static_cast<unsigned char>(a.data[4 * i + 1]) << 8 |
                          static_cast<unsigned char>(a.data[4 * i + 2]) << 16 |
                          static_cast<uint32_t>(static_cast<unsigned char>(a.data[4 * i + 3]))
                              << 24;
    float value;
    std::memcpy(&value, &bits, 4);
    CHECK(value == f32.data<float>()[i]);
  }

  const Array f64 = Array::from_vector({5}, {1, -2.5, 0.125, 1e300, -0.0}, DType::F64);
  genomics::write_npy(dir.file("b.npy"), f64);
  ParsedNpy b = parse(read_bytes(dir.file("b.npy")));
  CHECK(b.header == "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }");
  REQUIRE(b.data.size() == 40);
  CHECK(std::memcmp(b.data.data(), f64.raw(), 40) == 0);
  // 1.0 as binary64 is 0x3FF0000000000000: the last byte (little-endian) is 0x3F.
  CHECK(static_cast<unsigned char>(b.data[7]) == 0x3F);
  CHECK(static_cast<unsigned char>(b.data[6]) == 0xF0);

  genomics::write_npy(dir.file("c.npy"), Array::scalar(-3, DType::I64));
  ParsedNpy c = parse(read_bytes(dir.file("c.npy")));
  CHECK(c.header == "{'descr': '<i8', 'fortran_order': False, 'shape': (), }");
  CHECK(c.data == std::string("\xFD\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8));  // -3, two's complement

  genomics::write_npy(dir.file("d.npy"), Array::zeros({0, 4}));
  ParsedNpy d = parse(read_bytes(dir.file("d.npy")));
  CHECK(d.header == "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }");
  CHECK(d.data.empty());
}

TEST_CASE("npy: writes are atomic and errors name the path") {
  TempDir dir;
  const std::string path = dir.file("ism.npy");
  genomics::write_npy(path, Array::full({3}, 1.0));
  const std::string before = read_bytes(path);

  const std::string nowhere = dir.file("no/such/dir/ism.npy");
  CHECK_THROWS_WITH_AS(genomics::write_npy(nowhere, Array::zeros({2})),
                       doctest::Contains(nowhere.c_str()), Error);
  CHECK_THROWS_AS(genomics::write_npy(path, Array()), Error);
  CHECK(read_bytes(path) == before);

  genomics::write_npy(path, Array::zeros({2, 2}, DType::F64));  // replaces the file as a whole
  CHECK(parse(read_bytes(path)).header ==
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) files += entry.is_regular_file();
  CHECK(files == 1);  // no temporary file left behind
}
