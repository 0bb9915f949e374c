#include "genomics/train/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace dnagrad::genomics {

namespace {
std::string seconds_text(double s) {
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}
}  // namespace

Progress::Progress(std::string label, int64_t total, std::string unit, std::ostream& out,
                   bool quiet)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      out_(out),
      quiet_(quiet),
      terminal_(&out == &std::cerr ? isatty(STDERR_FILENO)
                                   : &out == &std::cout && isatty(STDOUT_FILENO)),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  if (terminal_ && shown_) out_ << "\n" << std::flush;
}

void Progress::update(int64_t done, const std::string& detail) {
  update(done, [&] { return detail; });
}

void Progress::update(int64_t done, const std::function<std::string()>& detail) {
  if (quiet_) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // A terminal is redrawn at most 4 times a second, a log gets a line at most every 10 s; the
  // first and the last step always show.
  const double interval = terminal_ ? 0.25 : 10;
  if (done < total_ && shown_ && elapsed - last_line_ < interval) return;
  const std::string text = detail();  // first: it may throw, and then nothing is written
  shown_ = true;
  last_line_ = elapsed;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  char head[160];
  if (terminal_) {
    constexpr int kWidth = 24;
    const int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : kWidth;
    std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
    std::snprintf(head, sizeof head, "\r%-8s [%s] %lld/%lld %s  %.1f %s/s  ETA %s  ",
                  label_.c_str(), bar.c_str(), static_cast<long long>(done),
                  static_cast<long long>(total_), unit_.c_str(), rate, unit_.c_str(),
                  seconds_text(left).c_str());
    out_ << head << text << "\x1b[K" << std::flush;
  } else {
    std::snprintf(head, sizeof head, "%s %s %lld/%lld (%s elapsed, %.1f %s/s, ETA %s) ",
                  label_.c_str(), unit_.c_str(), static_cast<long long>(done),
                  static_cast<long long>(total_), seconds_text(elapsed).c_str(), rate,
                  unit_.c_str(), seconds_text(left).c_str());
    out_ << head << text << "\n" << std::flush;
  }
}

}  // namespace dnagrad::genomics
