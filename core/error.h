// Errors: every failure in dnagrad is a dnagrad::Error (a std::runtime_error) whose message names
// the operation, the shapes involved and what was expected. Library code throws; it never exits.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace dnagrad {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// cat("conv1d: expected ", 3, " dims") -> "conv1d: expected 3 dims"
template <class... Args>
std::string cat(Args&&... args) {
  std::ostringstream out;
  (out << ... << std::forward<Args>(args));
  return out.str();
}

template <class... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(cat(std::forward<Args>(args)...));
}

}  // namespace dnagrad

// DNAGRAD_CHECK(cond, "op: message ", value, ...) throws dnagrad::Error with the concatenated
// message when cond is false. A macro, so the message parts (which often format shapes) are
// only evaluated on failure and cost nothing on the hot path.
#define DNAGRAD_CHECK(cond, ...)                          \
  do {                                                    \
    if (!(cond)) ::dnagrad::fail(__VA_ARGS__);            \
  } while (0)
