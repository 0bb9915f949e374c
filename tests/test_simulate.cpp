// The promoter simulator: determinism, the background's GC and CpG profile, planted sites that
// really are in the sequences, the expression formula recomputed from the written files, and
// the noise ceiling against its empirical value.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/threads.h"
#include "genome_fixture.h"
#include "genomics/data/simulate.h"
#include "genomics/io/meme.h"
#include "genomics/metrics.h"
#include "genomics/sequence.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
namespace fs = std::filesystem;

namespace {

const std::vector<Motif>& jaspar() {
  static const std::vector<Motif> motifs = [] {
    const fs::path path = fs::path(DNAGRAD_DATA_DIR) / "jaspar" / "selected_TFs.meme";
    REQUIRE_MESSAGE(fs::exists(path), "test data missing: ", path.string(),
                    " (the shared data folder ../shared/data, set by DNAGRAD_DATA_DIR)");
    return read_meme(path.string());
  }();
  return motifs;
}

PromoterSimulationOptions small_options(uint64_t seed, int64_t n) {
  PromoterSimulationOptions o;
  o.seed = seed;
  o.n = n;
  return o;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Lines of a TSV file split into fields.
std::vector<std::vector<std::string>> read_tsv(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream text(slurp(path));
  std::string line;
  while (std::getline(text, line)) {
    std::vector<std::string> fields;
    std::istringstream in(line);
    std::string field;
    while (std::getline(in, field, '\t')) fields.push_back(field);
    rows.push_back(fields);
  }
  return rows;
}

int base_of(char c) { return static_cast<int>(std::string("ACGT").find(c)); }

}  // namespace

TEST_CASE("simulate: a seed fixes the data, whatever the thread count and n") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  const int saved_threads = num_threads();
  set_num_threads(1);
  const PromoterSimulation a = simulate_promoters(jaspar(), small_options(seed, 60));
  set_num_threads(3);
  const PromoterSimulation b = simulate_promoters(jaspar(), small_options(seed, 60));
  set_num_threads(saved_threads);
  CHECK(a.sequences == b.sequences);
  CHECK(a.expression == b.expression);
  CHECK(a.signal == b.signal);
  // Sequence i has its own random stream: a longer run starts with the same sequences.
  const PromoterSimulation longer = simulate_promoters(jaspar(), small_options(seed, 90));
  CHECK(std::equal(a.sequences.begin(), a.sequences.end(), longer.sequences.begin()));
  CHECK(std::equal(a.expression.begin(), a.expression.end(), longer.expression.begin()));
  CHECK(longer.names[89] == "prom_000090");
  const PromoterSimulation other = simulate_promoters(jaspar(), small_options(seed + 1, 60));
  CHECK(other.sequences != a.sequences);
  for (const std::string& s : a.sequences) {
    REQUIRE(s.size() == 2000);
    CHECK(s.find_first_not_of("ACGT") == std::string::npos);
  }
}

TEST_CASE("simulate: the background follows the GC profile, with CpG depletion") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  PromoterSimulationOptions o = small_options(seed, 1500);
  o.roles.clear();  // background only: planted GC-rich or AT-rich motifs would shift the bins
  o.interaction = {};
  const PromoterSimulation sim = simulate_promoters(jaspar(), o);
  // Bins of 100 positions, 150,000 bases each: GC within 5 standard errors of the profile
  // (sqrt(gc (1 - gc) / N) ~ 0.0013), and C - G within 5 of 0 (sqrt((C + G) / N) ~ 0.002).
  const int64_t length = o.length, bin = 100;
  const double bases = static_cast<double>(bin * o.n);
  for (int64_t first = 0; first < length; first += bin) {
    double c = 0, g = 0, expected = 0;
    for (int64_t j = first; j < first + bin; ++j) {
      expected += o.background.gc_at(static_cast<double>(length - j)) / bin;
      for (const std::string& s : sim.sequences) {
        c += s[j] == 'C';
        g += s[j] == 'G';
      }
    }
    c /= bases;
    g /= bases;
    INFO("distance ", length - first, " to ", length - first - bin + 1, ": C ", c, ", G ", g);
    CHECK(std::abs(c + g - expected) < 5 * std::sqrt(expected * (1 - expected) / bases));
    CHECK(std::abs(c - g) < 5 * std::sqrt((c + g) / bases));
  }
  // CpG observed / expected = P(CG) / (P(C) P(G)) over a stretch of positions.
  auto cpg_ratio = [&](int64_t from, int64_t to) {
    double c = 0, g = 0, cg = 0, pairs = 0;
    for (const std::string& s : sim.sequences)
      for (int64_t j = from; j + 1 < to; ++j) {
        c += s[j] == 'C';
        g += s[j + 1] == 'G';
        cg += s[j] == 'C' && s[j + 1] == 'G';
        pairs += 1;
      }
    return (cg / pairs) / ((c / pairs) * (g / pairs));
  };
  // Far upstream (d > 1200) the profile is flat at cpg_far = 0.25 (~13,000 CpGs expected: a
  // relative standard error of ~1%); within 60 bp of the TSS cpg(d) is 0.748-0.75 (~6,000).
  const double far = cpg_ratio(0, 800), near = cpg_ratio(length - 60, length);
  INFO("CpG obs/exp far ", far, ", near ", near);
  CHECK(std::abs(far - 0.25) < 0.015);
  CHECK(std::abs(near - 0.75) < 0.05);
}

TEST_CASE("simulate: planted sites are in the sequences where and how they are recorded") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  const PromoterSimulation sim = simulate_promoters(jaspar(), small_options(seed, 1500));
  const int64_t length = sim.options.length;
  std::vector<double> llr_sum(sim.motifs.size()), llr_sq(sim.motifs.size()),
      count(sim.motifs.size());
  double tbp_forward = 0;
  for (size_t i = 0; i < sim.sequences.size(); ++i) {
    std::vector<int> cover(length, 0);
    for (const PlantedSite& s : sim.sites[i]) {
      const Motif& m = sim.motifs[s.role];
      const MotifRole& role = sim.options.roles[s.role];
      REQUIRE(s.start >= 0);
      REQUIRE(s.start + m.width <= length);
      for (int64_t j = s.start; j < s.start + m.width; ++j) ++cover[j];
      // The site read on its own strand: every base has probability > 0 in its column (it was
      // drawn from them; CTCF, TBP and SP1 have many zeros, so a misrecorded site shows).
      std::string site = sim.sequences[i].substr(s.start, m.width);
      if (!s.forward) site = reverse_complement(site);
      const std::vector<double> p = m.probabilities();
      double llr = 0;
      for (int64_t j = 0; j < m.width; ++j) {
        const double pj = p[base_of(site[j]) * m.width + j];
        INFO(sim.names[i], " ", role.motif, " at ", s.start, s.forward ? " +" : " -", ": ", site);
        REQUIRE(pj > 0);
        llr += std::log(pj / 0.25);
      }
      llr_sum[s.role] += llr;
      llr_sq[s.role] += llr * llr;
      count[s.role] += 1;
      if (role.motif == "TBP") tbp_forward += s.forward;
      // The recorded weight is the documented one.
      const double z = (static_cast<double>(length - s.start) - role.distance) / role.distance_sd;
      CHECK(s.weight ==
            doctest::Approx(std::exp(-z * z / 2) * (s.forward ? 1.0 : role.reverse_weight)));
    }
    CHECK(*std::max_element(cover.begin(), cover.end()) <= 1);  // sites never overlap
  }
  // Mean log-likelihood ratio per site = the motif's relative entropy to the uniform background,
  // sum_j sum_b p log(p / 0.25), within 5 standard errors.
  for (size_t k = 0; k < sim.motifs.size(); ++k) {
    const Motif& m = sim.motifs[k];
    INFO("motif ", m.name, " ", m.alt_name, ": ", count[k], " sites");
    REQUIRE(count[k] > 100);
    const std::vector<double> p = m.probabilities();
    double expected = 0;
    for (double pb : p)
      if (pb > 0) expected += pb * std::log(pb / 0.25);
    const double mean = llr_sum[k] / count[k];
    const double sd = std::sqrt(std::max(0.0, llr_sq[k] / count[k] - mean * mean));
    CHECK(std::abs(mean - expected) < 5 * sd / std::sqrt(count[k]) + 1e-9);
  }
  // TBP prefers the + strand (forward_fraction 0.9); binomial standard error.
  const size_t tbp = 0;
  REQUIRE(sim.options.roles[tbp].motif == "TBP");
  const double f = sim.options.roles[tbp].forward_fraction,
               se = std::sqrt(f * (1 - f) / count[tbp]);
  CHECK(std::abs(tbp_forward / count[tbp] - f) < 5 * se);
}

TEST_CASE("simulate: the signal recomputed from the written files") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  const PromoterSimulation sim = simulate_promoters(jaspar(), small_options(seed, 300));
  testing::ScratchDir dir;
  write_promoter_simulation(sim, (dir.path() / "out").string());
  const fs::path out = dir.path() / "out";

  const auto truth = read_tsv(out / "truth.tsv");
  const auto sites = read_tsv(out / "sites.tsv");
  const auto expression = read_tsv(out / "expression.tsv");
  REQUIRE(truth.size() == 301);
  REQUIRE(expression.size() == 301);
  CHECK(expression[0] == std::vector<std::string>{"name", "expression"});
  CHECK(truth[0] == std::vector<std::string>{"name", "signal", "TBP", "SP1", "CEBPB", "MAX", "CTCF",
                                             "GATA1", "Spi1"});
  CHECK(sites[0] ==
        std::vector<std::string>{"name", "motif", "start", "end", "strand", "distance", "weight"});
  const std::string fasta = slurp(out / "promoters.fa");
  CHECK(fasta.rfind(">prom_000001\n" + sim.sequences[0] + "\n>prom_000002\n", 0) == 0);
  CHECK(fasta.size() == 300 * (13 + 2001));

  // Activities from sites.tsv with the formula of simulate.h, written out again here.
  std::map<std::string, const MotifRole*> roles;
  for (const MotifRole& r : sim.options.roles) roles[r.motif] = &r;
  std::map<std::string, std::map<std::string, double>> activity;  // name -> motif -> a_m
  std::map<std::string, std::map<std::string, int>> planted;
  for (size_t row = 1; row < sites.size(); ++row) {
    const auto& f = sites[row];
    const MotifRole& r = *roles.at(f[1]);
    const double distance = std::stod(f[5]);
    CHECK(distance == 2000 - std::stod(f[2]));
    const double z = (distance - r.distance) / r.distance_sd;
    activity[f[0]][f[1]] += std::exp(-z * z / 2) * (f[4] == "+" ? 1.0 : r.reverse_weight);
    ++planted[f[0]][f[1]];
  }
  std::vector<double> signal, label;
  for (size_t row = 1; row < truth.size(); ++row) {
    const std::string& name = truth[row][0];
    double s = sim.options.baseline;
    for (const MotifRole& r : sim.options.roles) s += r.effect * activity[name][r.motif];
    s += sim.options.interaction.effect * activity[name]["GATA1"] * activity[name]["Spi1"];
    INFO(name);
    CHECK(std::abs(std::stod(truth[row][1]) - s) < 2e-6);  // 6 decimals written
    for (size_t k = 0; k < sim.options.roles.size(); ++k)
      CHECK(std::stoi(truth[row][2 + k]) == planted[name][sim.options.roles[k].motif]);
    CHECK(expression[row][0] == name);
    signal.push_back(s);
    label.push_back(std::stod(expression[row][1]));
  }
  const auto json = nlohmann::json::parse(slurp(out / "simulation.json"));
  CHECK(json["n"] == 300);
  CHECK(json["motifs"][0]["id"] == "MA0108.3");
  CHECK(json["noise_ceiling"]["empirical_pearson_r"].get<double>() ==
        doctest::Approx(pearson(signal, label)).epsilon(1e-4));
}

TEST_CASE("simulate: the noise ceiling and its empirical value agree") {
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  PromoterSimulationOptions o = small_options(seed, 4000);
  o.length = 1500;
  o.noise_sd = 0.4;
  const PromoterSimulation sim = simulate_promoters(jaspar(), o);
  const double n = static_cast<double>(o.n);
  double mean = 0, var = 0, noise_var = 0;
  for (double s : sim.signal) mean += s / n;
  for (double s : sim.signal) var += (s - mean) * (s - mean) / n;
  for (int64_t i = 0; i < o.n; ++i)
    noise_var += (sim.expression[i] - sim.signal[i]) * (sim.expression[i] - sim.signal[i]) / n;
  const double expected = std::sqrt(var / (var + o.noise_sd * o.noise_sd));
  CHECK(sim.noise_ceiling_expected == doctest::Approx(expected).epsilon(1e-12));
  CHECK(sim.signal_variance == doctest::Approx(var).epsilon(1e-12));
  // The noise has the asked variance (standard error of a variance: sigma^2 sqrt(2 / n)) ...
  const double sigma2 = o.noise_sd * o.noise_sd;
  CHECK(std::abs(noise_var - sigma2) < 5 * sigma2 * std::sqrt(2 / n));
  // ... and the empirical r is within sampling error of the ceiling: sd(r) ~ (1 - r^2) / sqrt(n).
  INFO("expected ", expected, ", empirical ", sim.noise_ceiling_empirical);
  CHECK(std::abs(sim.noise_ceiling_empirical - expected) <
        5 * (1 - expected * expected) / std::sqrt(n));
  CHECK(sim.noise_ceiling_empirical == doctest::Approx(pearson(sim.signal, sim.expression)));

  o.noise_sd = 0;  // no noise: the label is the signal
  o.n = 200;
  const PromoterSimulation clean = simulate_promoters(jaspar(), o);
  CHECK(clean.expression == clean.signal);
  CHECK(clean.noise_ceiling_expected == 1.0);
}

TEST_CASE("simulate: the position-blind reference is the cell-mean fit for 0/1 site counts") {
  // Two motifs with at most one site each and their interaction: the features [1, a, b, ab]
  // span every function of the two 0/1 counts, so the least-squares fit is the mean expression
  // of the sequence's (a, b) cell, computed here directly.
  const uint64_t seed = testing::fresh_seed();
  INFO("seed ", seed);
  PromoterSimulationOptions o = small_options(seed, 3000);
  o.length = 400;
  select_motif_roles(o, {"GATA1", "Spi1"});
  for (MotifRole& r : o.roles) {
    r.max_sites = 1;
    r.site_probability = 0.5;
    r.distance = 150;
  }
  REQUIRE(o.interaction.first == "GATA1");
  // r of the cell-mean fit; roles 0 and 1 are the two motifs.
  const auto cell_mean_r = [&](const PromoterSimulation& sim) {
    std::vector<int> cell(sim.options.n, 0);
    double sum[4] = {0, 0, 0, 0}, count[4] = {0, 0, 0, 0};
    for (int64_t i = 0; i < sim.options.n; ++i) {
      for (const PlantedSite& site : sim.sites[i])
        if (site.role < 2) cell[i] += site.role == 0 ? 1 : 2;
      sum[cell[i]] += sim.expression[i];
      count[cell[i]] += 1;
    }
    for (double c : count) REQUIRE(c > 0);
    std::vector<double> fit(sim.options.n);
    for (int64_t i = 0; i < sim.options.n; ++i) fit[i] = sum[cell[i]] / count[cell[i]];
    return pearson(fit, sim.expression);
  };
  const PromoterSimulation sim = simulate_promoters(jaspar(), o);
  CHECK(sim.count_model_r == doctest::Approx(cell_mean_r(sim)).epsilon(1e-9));
  // Between 0 and the noise ceiling, up to sampling error.
  CHECK(sim.count_model_r > 0.1);
  CHECK(sim.count_model_r < sim.noise_ceiling_empirical + 0.05);

  // A motif that is never planted gives a constant feature: the fit leaves it out.
  o.roles.push_back(o.roles[0]);
  o.roles.back().motif = "TBP";
  o.roles.back().site_probability = 0;
  const PromoterSimulation with_absent = simulate_promoters(jaspar(), o);
  CHECK(with_absent.count_model_r == doctest::Approx(cell_mean_r(with_absent)).epsilon(1e-9));
}

TEST_CASE("simulate: choosing motifs and refusing bad options") {
  PromoterSimulationOptions o;
  select_motif_roles(o, {"ctcf", "TBP", "Yy1", "NFYA"});
  REQUIRE(o.roles.size() == 4);
  CHECK(o.roles[0].motif == "ctcf");
  CHECK(o.roles[0].distance == 1200);  // its default role
  CHECK(o.roles[2].motif == "Yy1");
  CHECK(o.roles[2].distance == MotifRole{}.distance);  // the generic role
  CHECK(o.roles[3].distance == 80);                    // NFYA's CCAAT box
  CHECK(o.interaction.first.empty());                  // GATA1 and Spi1 are gone
  o.n = 20;
  CHECK_THROWS_WITH_AS(simulate_promoters(jaspar(), o, "selected_TFs.meme"),
                       doctest::Contains("selected_TFs.meme: no motif named 'NFYA'"), Error);
  o.roles.pop_back();
  CHECK(simulate_promoters(jaspar(), o).motifs[2].name == "MA0095.4");

  auto error_of = [](const PromoterSimulationOptions& options) -> std::string {
    try {
      simulate_promoters(jaspar(), options);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  PromoterSimulationOptions bad;
  bad.roles = {MotifRole{.motif = "NFYA"}};
  bad.interaction = {};
  CHECK(error_of(bad).find("no motif named 'NFYA'") != std::string::npos);
  bad.roles = {MotifRole{.motif = "CTCF"}};
  bad.length = 10;
  CHECK(error_of(bad).find("MA0139.2 CTCF (w= 15) is longer than the sequences (10)") !=
        std::string::npos);
  bad = PromoterSimulationOptions{};
  bad.n = 0;
  CHECK(error_of(bad) == "simulate_promoters: n must be at least 1, got 0");
  bad.n = 10;
  bad.noise_sd = -1;
  CHECK(error_of(bad).find("noise_sd must be finite and >= 0, got -1") != std::string::npos);
  bad.noise_sd = 1;
  bad.roles.push_back(MotifRole{.motif = "tbp"});
  CHECK(error_of(bad).find("motif 'tbp': named twice") != std::string::npos);
  bad.roles.pop_back();
  bad.interaction.second = "MYC";
  CHECK(error_of(bad).find("interaction's motifs 'GATA1' and 'MYC'") != std::string::npos);
}
