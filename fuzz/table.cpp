// Fuzzes parse_table and labels_from_table (genomics/io/table.h). Each input is read twice: as a
// TSV (fields taken literally) and as a CSV (RFC 4180 quoting), the two paths of the splitter.
#include "genomics/io/table.h"

#include "fuzz/fuzz_input.h"

namespace {

void parse_as(std::string_view text, const std::string& label) {
  using namespace dnagrad::genomics;
  const Table table = parse_table(text, label);
  dnagrad::fuzz::require(!table.columns.empty(), "a table has a header");
  dnagrad::fuzz::require(table.rows.size() == table.lines.size(), "every row has a line number");
  for (const auto& row : table.rows)
    dnagrad::fuzz::require(row.size() == table.columns.size(), "rows are as wide as the header");
  const LabelTable labels = labels_from_table(table);
  dnagrad::fuzz::require(labels.names.size() == table.rows.size(), "one name per row");
  dnagrad::fuzz::require(labels.index.size() == labels.names.size(), "names are unique");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dnagrad::fuzz::parse_or_error(data, size,
                                [](std::string_view text) { parse_as(text, "fuzz.tsv"); });
  return dnagrad::fuzz::parse_or_error(data, size,
                                       [](std::string_view text) { parse_as(text, "fuzz.csv"); });
}
