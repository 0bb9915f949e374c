#include "bench/bench.h"

#include <algorithm>
#include <chrono>
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

void print_table(const std::vector<Measurement>& results, std::ostream& out) {
  out << std::left << std::setw(34) << "benchmark" << std::right << std::setw(12) << "median ms"
      << std::setw(12) << "min ms"
      << "  notes\n";
  for (const Measurement& m : results) {
    const double min =
        m.runs_ms.empty() ? 0 : *std::min_element(m.runs_ms.begin(), m.runs_ms.end());
    out << std::left << std::setw(34) << m.key << std::right << std::fixed << std::setprecision(1)
        << std::setw(12) << m.median_ms() << std::setw(12) << min << "  " << m.description;
    for (const auto& [name, value] : m.extra) out << ", " << name << " " << value;
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
