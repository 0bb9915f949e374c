// Line splitting shared by the text parsers of genomics/io (FASTA records, BED, GFF/GTF).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace dnagrad::genomics {

// Splits `text` into lines, dropping a trailing '\r' (so CRLF files read like LF ones), and calls
// f(line, line_no) with 1-based line numbers until f returns false.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  int64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!f(line, line_no)) return;
  }
}

// A line as quoted in an error message: itself, or its first 57 characters and "...".
inline std::string preview(std::string_view line) {
  return line.size() <= 60 ? std::string(line) : std::string(line.substr(0, 57)) + "...";
}

}  // namespace dnagrad::genomics
