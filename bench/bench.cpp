#include "bench/bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace dnagrad::bench {

double Measurement::median_ms() const {
  if (runs_ms.empty()) return 0;
  std::vector<double> sorted = runs_ms;
  std::sort(sorted.begin(), sorted.end());
  const size_t mid = sorted.size() / 2;
  return sorted.size() % 2 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
}

std::vector<double> time_runs(const std::function<void()>& fn, int warmup, int repeats) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    const auto stop = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }
  return ms;
}

namespace {
// Milliseconds with one decimal from 10 ms up and more below (GPU kernels take 0.01-1 ms).
std::string format_ms(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, ms >= 10 ? "%.1f" : (ms >= 1 ? "%.2f" : "%.4f"), ms);
  return text;
}
// Extras: whole numbers from 1000 up, else four significant digits (41.23, 0.1234, 3.2e-07).
std::string format_extra(double value) {
  char text[64];
  std::snprintf(text, sizeof text, std::abs(value) >= 1000 ? "%.0f" : "%.4g", value);
  return text;
}
}  // namespace

void print_table(const std::vector<Measurement>& results, std::ostream& out) {
  out << std::left << std::setw(34) << "benchmark" << std::right << std::setw(12) << "median ms"
      << std::setw(12) << "min ms"
      << "  notes\n";
  for (const Measurement& m : results) {
    const double min =
        m.runs_ms.empty() ? 0 : *std::min_element(m.runs_ms.begin(), m.runs_ms.end());
    out << std::left << std::setw(34) << m.key << std::right << std::setw(12)
        << format_ms(m.median_ms()) << std::setw(12) << format_ms(min) << "  " << m.description;
    for (const auto& [name, value] : m.extra) out << ", " << name << " " << format_extra(value);
    out << "\n";
  }
}

void write_json(const std::vector<Measurement>& results, const Config& config,
                const std::string& path) {
  nlohmann::ordered_json doc;
  for (const Measurement& m : results) {
    nlohmann::ordered_json entry;
    entry["median_ms"] = m.median_ms();
    entry["runs_ms"] = m.runs_ms;
    entry["threads"] = config.threads;
    entry["device"] = config.device.str();
    for (const auto& [name, value] : m.extra) entry[name] = value;
    doc[m.key] = entry;
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream file(tmp);
    DNAGRAD_CHECK(file.good(), "bench: cannot write ", tmp);
    file << doc.dump(2) << "\n";
    DNAGRAD_CHECK(file.good(), "bench: error writing ", tmp);
  }
  DNAGRAD_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "bench: cannot rename ", tmp, " to ",
                path);
}

}  // namespace dnagrad::bench
