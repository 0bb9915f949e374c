// Test helpers for genomics/io: scratch directories, file writing, and the E. coli K-12 genome
// from ../shared/data/ecoli_k12, decompressed once (with the system's gzip, not through
// dnagrad) and read with a few lines of independent code, for expectations made by plain string
// slicing.
#pragma once
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

namespace dnagrad::testing {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "dnagrad-io-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }
  // Writes `content` (bytes as given) to name inside the directory; returns the full path.
  std::string write(const std::string& name, const std::string& content) const {
    const fs::path p = path_ / name;
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p.string();
  }

 private:
  fs::path path_;
};

inline fs::path ecoli_dir() { return fs::path(DNAGRAD_DATA_DIR) / "ecoli_k12"; }
inline std::string ecoli_fasta_gz() {
  return (ecoli_dir() / "GCF_000005845.2_ASM584v2_genomic.fna.gz").string();
}
inline std::string ecoli_gff_gz() {
  return (ecoli_dir() / "GCF_000005845.2_ASM584v2_genomic.gff.gz").string();
}

struct EcoliGenome {
  ScratchDir dir;
  std::string fasta;     // decompressed plain FASTA in `dir`
  std::string sequence;  // NC_000913.3, read without dnagrad
};

// Fails the calling test with a clear message when the data folder is missing.
inline const EcoliGenome& ecoli() {
  // Destroyed at exit, which removes the scratch directory.
  static const std::unique_ptr<EcoliGenome> genome = [] {
    if (!fs::exists(ecoli_fasta_gz()) || !fs::exists(ecoli_gff_gz()))
      throw std::runtime_error("the E. coli test data is missing: expected " + ecoli_fasta_gz() +
                               " and " + ecoli_gff_gz() +
                               " (the shared data folder ../shared/data, set by DNAGRAD_DATA_DIR)");
    auto g = std::make_unique<EcoliGenome>();
    g->fasta = (g->dir.path() / "ecoli.fa").string();
    const std::string cmd = "gzip -dc '" + ecoli_fasta_gz() + "' > '" + g->fasta + "'";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
    std::ifstream in(g->fasta);
    std::string line;
    int headers = 0;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] == '>') ++headers;
      else g->sequence += line;
    }
    if (headers != 1) throw std::runtime_error("expected one record in " + ecoli_fasta_gz());
    return g;
  }();
  return *genome;
}

// Independent reverse complement for expectations (upper and lower case A/C/G/T/N only).
inline std::string rc_for_test(const std::string& s) {
  std::string out(s.rbegin(), s.rend());
  for (char& c : out) {
    switch (c) {
      case 'A': c = 'T'; break;
      case 'T': c = 'A'; break;
      case 'C': c = 'G'; break;
      case 'G': c = 'C'; break;
      case 'a': c = 't'; break;
      case 't': c = 'a'; break;
      case 'c': c = 'g'; break;
      case 'g': c = 'c'; break;
      default: break;
    }
  }
  return out;
}

// seq[start, end) with 'N' outside [0, size).
inline std::string padded_slice(const std::string& seq, long start, long end) {
  std::string out;
  for (long i = start; i < end; ++i)
    out += (i < 0 || i >= static_cast<long>(seq.size())) ? 'N' : seq[i];
  return out;
}

// Checks that `f` throws and that its message contains every piece.
template <class F>
void require_error_mentions(F&& f, std::initializer_list<std::string> pieces) {
  std::string message;
  try {
    f();
  } catch (const std::exception& e) {
    message = e.what();
  }
  INFO("error message: ", message);
  REQUIRE_FALSE(message.empty());
  for (const auto& p : pieces) CHECK(message.find(p) != std::string::npos);
}

}  // namespace dnagrad::testing
