// Fuzzes parse_bed (genomics/io/intervals.h).
#include "fuzz/fuzz_input.h"
#include "genomics/io/intervals.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return dnagrad::fuzz::parse_or_error(data, size, [](std::string_view text) {
    for (const auto& interval : dnagrad::genomics::parse_bed(text, "fuzz.bed")) {
      dnagrad::fuzz::require(!interval.chrom.empty(), "every interval names a chromosome");
      dnagrad::fuzz::require(0 <= interval.start && interval.start <= interval.end,
                             "0 <= start <= end");
    }
  });
}
