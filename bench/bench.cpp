#include "bench/bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/error.h"
#include "kernels/matmul.h"

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

// The value of the first "key : value" line of /proc/cpuinfo with this key, or "".
std::string cpuinfo_field(const std::string& key) {
  std::ifstream file("/proc/cpuinfo");
  std::string line;
  while (std::getline(file, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(name.find_last_not_of(" \t") + 1);
    if (name == key) return colon + 2 <= line.size() ? line.substr(colon + 2) : "";
  }
  return "";
}

}  // namespace

std::string machine_line(const Config& config) {
  std::string model = cpuinfo_field("model name");
  const std::string flags = " " + cpuinfo_field("flags") + " ";
  auto has = [&](const char* flag) {
    return flags.find(std::string(" ") + flag + " ") != std::string::npos;
  };
  const std::string isa = has("avx512f") ? "AVX-512" : has("avx2") ? "AVX2" : "no AVX2";
  return (model.empty() ? std::string("unknown CPU") : model) + ", " +
         std::to_string(std::thread::hardware_concurrency()) + " CPUs, " + isa + ", built with " +
         DNAGRAD_BENCH_MARCH + ", GEMM " + kernels::cpu::gemm_library() + ", " +
         std::to_string(config.threads) + " threads";
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
    entry["machine"] = machine_line(config);
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
