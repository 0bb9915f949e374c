// What every fuzz target does with libFuzzer's input: hand it to a parser as text and accept
// the two outcomes the parser promises, a result or a dnagrad::Error. Anything else (a crash,
// another exception type, a sanitizer report, a hang) is a bug in the parser; libFuzzer saves
// the input that caused it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/error.h"

namespace dnagrad::fuzz {

// Calls parse(text) and swallows a dnagrad::Error; other exceptions escape and libFuzzer reports
// them as a crash ("uncaught exception").
template <class Parse>
int parse_or_error(const uint8_t* data, size_t size, Parse&& parse) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    parse(text);
  } catch (const Error&) {
    // The expected outcome for bad input.
  }
  return 0;
}

// A promise the parser makes about what it returns; breaking it is a bug like a crash.
inline void require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "parser result breaks its promise: %s\n", promise);
  std::abort();
}

}  // namespace dnagrad::fuzz
