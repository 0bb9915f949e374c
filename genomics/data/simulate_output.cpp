// The files and the printed summary of a promoter simulation (genomics/data/simulate.h).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "core/error.h"
#include "core/files.h"
#include "genomics/data/simulate.h"

namespace dnagrad::genomics {

namespace {

using Json = nlohmann::ordered_json;  // keys in the order written

std::string fixed(double value, int decimals = 6) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// Per role: sequences with at least one site, and sites in all.
struct SiteTally {
  std::vector<int64_t> sequences, sites;
};
SiteTally tally_sites(const PromoterSimulation& sim) {
  const size_t roles = sim.options.roles.size();
  SiteTally t{std::vector<int64_t>(roles, 0), std::vector<int64_t>(roles, 0)};
  std::vector<int64_t> here(roles);
  for (const std::vector<PlantedSite>& sites : sim.sites) {
    std::fill(here.begin(), here.end(), 0);
    for (const PlantedSite& s : sites) ++here[s.role];
    for (size_t k = 0; k < roles; ++k) {
      t.sequences[k] += here[k] > 0;
      t.sites[k] += here[k];
    }
  }
  return t;
}

std::string fasta_text(const PromoterSimulation& sim) {
  std::string out;
  out.reserve(sim.sequences.size() * (sim.options.length + 16));
  for (size_t i = 0; i < sim.sequences.size(); ++i)
    out.append(">").append(sim.names[i]).append("\n").append(sim.sequences[i]).append("\n");
  return out;
}

std::string expression_tsv(const PromoterSimulation& sim) {
  std::string out = "name\texpression\n";
  for (size_t i = 0; i < sim.names.size(); ++i)
    out.append(sim.names[i]).append("\t").append(fixed(sim.expression[i])).append("\n");
  return out;
}

std::string truth_tsv(const PromoterSimulation& sim) {
  const size_t roles = sim.options.roles.size();
  std::string out = "name\tsignal";
  for (const MotifRole& r : sim.options.roles) out.append("\t").append(r.motif);
  out += "\n";
  std::vector<int64_t> counts(roles);
  for (size_t i = 0; i < sim.names.size(); ++i) {
    std::fill(counts.begin(), counts.end(), 0);
    for (const PlantedSite& s : sim.sites[i]) ++counts[s.role];
    out.append(sim.names[i]).append("\t").append(fixed(sim.signal[i]));
    for (int64_t c : counts) out.append("\t").append(std::to_string(c));
    out += "\n";
  }
  return out;
}

std::string sites_tsv(const PromoterSimulation& sim) {
  std::string out = "name\tmotif\tstart\tend\tstrand\tdistance\tweight\n";
  for (size_t i = 0; i < sim.names.size(); ++i)
    for (const PlantedSite& s : sim.sites[i]) {
      const int64_t width = sim.motifs[s.role].width;
      out.append(sim.names[i]).append("\t").append(sim.options.roles[s.role].motif);
      out.append("\t").append(std::to_string(s.start));
      out.append("\t").append(std::to_string(s.start + width));
      out.append("\t").append(s.forward ? "+" : "-");
      out.append("\t").append(std::to_string(sim.options.length - s.start));
      out.append("\t").append(fixed(s.weight)).append("\n");
    }
  return out;
}

std::string simulation_json(const PromoterSimulation& sim) {
  const PromoterSimulationOptions& o = sim.options;
  const SiteTally tally = tally_sites(sim);
  Json j;
  j["task"] = "promoters";
  j["n"] = o.n;
  j["length"] = o.length;
  j["seed"] = o.seed;
  j["noise_sd"] = o.noise_sd;
  j["baseline"] = o.baseline;
  j["model"] =
      "signal = baseline + sum_m effect_m * a_m + interaction.effect * a_first * a_second; "
      "a_m = sum over sites of exp(-((d - distance) / distance_sd)^2 / 2) * (1 on +, "
      "reverse_weight on -), d = bp from the site's first base to the TSS; "
      "expression = signal + N(0, noise_sd^2)";
  const BackgroundModel& b = o.background;
  j["background"] = {{"gc_far", b.gc_far},     {"gc_near", b.gc_near},   {"cpg_far", b.cpg_far},
                     {"cpg_near", b.cpg_near}, {"midpoint", b.midpoint}, {"scale", b.scale}};
  Json motifs = Json::array();
  for (size_t k = 0; k < o.roles.size(); ++k) {
    const MotifRole& r = o.roles[k];
    const Motif& m = sim.motifs[k];
    motifs.push_back({{"motif", r.motif},
                      {"id", m.name},
                      {"alt_name", m.alt_name},
                      {"width", m.width},
                      {"consensus", m.consensus},
                      {"site_probability", r.site_probability},
                      {"max_sites", r.max_sites},
                      {"distance", r.distance},
                      {"distance_sd", r.distance_sd},
                      {"placed_fraction", r.placed_fraction},
                      {"forward_fraction", r.forward_fraction},
                      {"reverse_weight", r.reverse_weight},
                      {"effect", r.effect},
                      {"sequences_with_site", tally.sequences[k]},
                      {"sites", tally.sites[k]}});
  }
  j["motifs"] = motifs;
  j["interaction"] = {{"first", o.interaction.first},
                      {"second", o.interaction.second},
                      {"effect", o.interaction.effect}};
  j["signal"] = {{"mean", sim.signal_mean}, {"variance", sim.signal_variance}};
  j["noise_ceiling"] = {{"formula", "sqrt(var(signal) / (var(signal) + noise_sd^2))"},
                        {"expected_pearson_r", sim.noise_ceiling_expected},
                        {"empirical_pearson_r", sim.noise_ceiling_empirical},
                        {"note", "the best Pearson r any model can reach against expression.tsv"}};
  j["count_model"] = {
      {"formula",
       "least squares of expression on [1, site count of each motif, product of the "
       "interacting motifs' counts], fitted on the whole set"},
      {"pearson_r", sim.count_model_r},
      {"note", "what counting motifs, blind to their position and strand, reaches"}};
  return j.dump(2) + "\n";
}

}  // namespace

void write_promoter_simulation(const PromoterSimulation& sim, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  DNAGRAD_CHECK(!ec, "write_promoter_simulation: cannot create the directory ", dir, ": ",
                ec.message());
  const std::filesystem::path d(dir);
  write_file_atomically((d / "promoters.fa").string(), fasta_text(sim));
  write_file_atomically((d / "expression.tsv").string(), expression_tsv(sim));
  write_file_atomically((d / "truth.tsv").string(), truth_tsv(sim));
  write_file_atomically((d / "sites.tsv").string(), sites_tsv(sim));
  write_file_atomically((d / "simulation.json").string(), simulation_json(sim));
}

void print_promoter_simulation_summary(const PromoterSimulation& sim, std::ostream& out) {
  const PromoterSimulationOptions& o = sim.options;
  const SiteTally tally = tally_sites(sim);
  out << "simulated " << o.n << " promoters of " << o.length << " bp (seed " << o.seed
      << ", noise sd " << o.noise_sd << ")\n";
  for (size_t k = 0; k < o.roles.size(); ++k)
    out << "  " << o.roles[k].motif << " (" << sim.motifs[k].name << ", " << sim.motifs[k].consensus
        << "): " << tally.sites[k] << " sites in "
        << fixed(100.0 * static_cast<double>(tally.sequences[k]) / static_cast<double>(o.n), 1)
        << "% of sequences, effect " << o.roles[k].effect << "\n";
  if (!o.interaction.first.empty())
    out << "  interaction " << o.interaction.first << " x " << o.interaction.second << ": "
        << o.interaction.effect << "\n";
  out << "noise ceiling (best possible Pearson r against expression.tsv): expected "
      << fixed(sim.noise_ceiling_expected, 4) << ", on this set "
      << fixed(sim.noise_ceiling_empirical, 4) << "\n";
  out << "position-blind reference (least squares on motif site counts): Pearson r "
      << fixed(sim.count_model_r, 4) << "\n";
}

}  // namespace dnagrad::genomics
