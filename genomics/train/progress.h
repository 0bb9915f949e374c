// Progress reporting for long work. On a terminal: one line redrawn in place with a bar, the
// rate and the time left, at most 4 times a second. Otherwise (a log file, CI): a plain line with
// the same numbers at most every 10 seconds. The last step always gets its line.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
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
  // The same with the detail made only when a line is printed: for a detail that costs
  // something to know, such as a loss that must be read back from the GPU.
  void update(int64_t done, const std::function<std::string()>& detail);

 private:
  std::string label_, unit_;
  int64_t total_;
  std::ostream& out_;
  bool quiet_, terminal_;
  bool shown_ = false;    // a line has been printed or drawn
  double last_line_ = 0;  // seconds after start of the last one
  std::chrono::steady_clock::time_point start_;
};

}  // namespace dnagrad::genomics
