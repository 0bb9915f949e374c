// Fuzzes parse_fasta (genomics/io/fasta.h), the validating FASTA record parser.
#include "genomics/io/fasta.h"

#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return dnagrad::fuzz::parse_or_error(data, size, [](std::string_view text) {
    for (const auto& record : dnagrad::genomics::parse_fasta(text, "fuzz.fa")) {
      dnagrad::fuzz::require(!record.name.empty(), "every record has a name");
      dnagrad::fuzz::require(!record.seq.empty(), "every record has bases");
      dnagrad::fuzz::require(record.line >= 1, "header line numbers are 1-based");
    }
  });
}
