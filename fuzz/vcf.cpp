// Fuzzes read_vcf (genomics/io/vcf.h). htslib reads files, not memory, so every input goes
// through one scratch file per process (removed at exit); htslib itself picks VCF, gzip or BCF
// from the bytes, so the fuzzer reaches all three.
#include "genomics/io/vcf.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fuzz/fuzz_input.h"

namespace {

struct ScratchFile {
  const std::string path = (std::filesystem::temp_directory_path() /
                            dnagrad::cat("dnagrad-fuzz-vcf-", ::getpid(), ".vcf"))
                               .string();
  ~ScratchFile() { std::filesystem::remove(path); }

  void write(std::string_view bytes) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    dnagrad::fuzz::require(out.good(), "the scratch file can be written (fuzzer setup)");
  }
};

}  // namespace

// htslib's BCF reader reserves the two record lengths a corrupt file claims (up to 4 GiB each)
// before it finds the file too short and fails, which read_vcf turns into an Error. Under ASan
// such a malloc costs seconds and half a GiB of shadow memory, and libFuzzer reports any one
// above -rss_limit_mb as out-of-memory. So here a malloc above 256 MiB returns null, which htslib
// handles (a failing operator new is still reported).
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1:max_allocation_size_mb=256";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ScratchFile scratch;
  return dnagrad::fuzz::parse_or_error(data, size, [](std::string_view bytes) {
    scratch.write(bytes);
    for (const auto& variant : dnagrad::genomics::read_vcf(scratch.path)) {
      dnagrad::fuzz::require(variant.pos >= 1, "POS is 1-based");
      dnagrad::fuzz::require(!variant.ref.empty(), "every variant has a REF allele");
      dnagrad::fuzz::require(variant.line >= 1, "line and record numbers are 1-based");
    }
  });
}
