// Fuzzes parse_genes (genomics/io/intervals.h), the GFF3/GTF gene reader.
#include "fuzz/fuzz_input.h"
#include "genomics/io/intervals.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return dnagrad::fuzz::parse_or_error(data, size, [](std::string_view text) {
    for (const auto& gene : dnagrad::genomics::parse_genes(text, "fuzz.gff")) {
      // GFF's 1-based inclusive [start, end] becomes 0-based half-open, so never empty.
      dnagrad::fuzz::require(0 <= gene.start && gene.start < gene.end, "0 <= start < end");
      dnagrad::fuzz::require(gene.type == "gene", "only the requested feature types are kept");
      dnagrad::fuzz::require(!gene.name.empty(), "every gene has a name (or a fallback)");
    }
  });
}
