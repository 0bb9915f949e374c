// Progress reporting for long work. On a terminal: one line redrawn in place with a bar, the
// rate and the time left. Otherwise (a log file, CI): a plain line with the same numbers at
// most every 10 seconds, and one for the last step.
#pragma once
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace dnagrad::genomics {

class Progress {
 public:
  // `unit` names what is counted ("epoch"); `out` is usually std::cerr. quiet = no output.
  Progress(std::string label, int64_t total, std::string unit, std::ostream& out, bool quiet);
  ~Progress();

  // Reports that `done` of `total` units are finished; `detail` ("train 1.23 val 1.45") is
  // appended to the line.
  void update(int64_t done, const std::string& detail);

 private:
  std::string label_, unit_;
  int64_t total_;
  std::ostream& out_;
  bool quiet_, terminal_, drawn_ = false, printed_ = false;
  double last_line_ = 0;  // seconds after start of the last plain line
  std::chrono::steady_clock::time_point start_;
};

}  // namespace dnagrad::genomics
