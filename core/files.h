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

// The same for output that is made piece by piece (constant memory): write() appends to the
// temporary file, commit() flushes it and renames it over `path`. Destroyed without commit() (an
// exception on the way), it removes the temporary file and leaves `path` untouched, so a command
// that fails half way writes nothing.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(std::string_view bytes);
  void commit();

 private:
  std::string path_, tmp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace dnagrad
