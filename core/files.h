// Writing files so that nobody ever sees half of one.
#pragma once
#include <string>
#include <string_view>

namespace dnagrad {

// Writes `bytes` to `path` atomically: a new file next to it (same directory, so the same file
// system), flushed to disk, then rename(2)d over `path`, which replaces the target in one step.
// A failure at any point throws a dnagrad::Error naming the path, leaves an existing `path`
// untouched and removes the temporary file. Checkpoints, metrics, plots and predictions are all
// written this way, so an interrupted run never leaves a truncated output behind.
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace dnagrad
