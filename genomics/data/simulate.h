// Synthetic promoters with a known answer, for the promoter task of seed 002 (2 kb upstream of a
// TSS -> log expression). Real expression data cannot say how well a model *could* do; here the
// expression is a known function of planted motifs plus noise of a known size, so a model's test
// Pearson r can be read against the noise ceiling, and its filters and ISM maps against the
// motifs and positions that were planted.
//
// Coordinates. A sequence is the window [TSS - L, TSS) on the gene's strand: base i (0-based)
// lies d = L - i bp upstream of the TSS ("distance to the TSS"; the last base has d = 1).
//
// 1. Background. Bases are drawn one after another from a first-order Markov chain:
//      - the GC fraction follows a logistic from gc_far upstream to gc_near at the TSS,
//          gc(d) = gc_far + (gc_near - gc_far) * s(d),
//          s(d)  = 1 / (1 + exp((d - midpoint) / scale))
//        (defaults 0.42 -> 0.60, halfway at d = 500, so roughly the last 300 bp are GC-rich like
//        human CpG-island promoters), with C and G equally frequent, and A and T;
//      - CpG depletion: a G follows a C less often than chance, with the CpG observed/expected
//        ratio P(CG) / (P(C) P(G)) following the same step,
//          cpg(d) = cpg_far + (cpg_near - cpg_far) * s(d)
//        (defaults 0.25 -> 0.75: bulk human DNA has ~0.2-0.25, CpG islands >= 0.6).
//      Both hold exactly, position by position: the chain's probabilities after a C and after
//      any other base are solved in closed form for them (see background_thresholds).
//
// 2. Motifs. Each MotifRole names a motif of the MEME file and how it behaves. Each of its
//    max_sites trials plants a site with probability site_probability. A site's distance d
//    (of its first base, in + strand coordinates) is drawn around the preferred distance,
//    round(N(distance, distance_sd^2)), for a fraction placed_fraction of the sites and
//    uniformly over the window for the rest; it lies on the + strand with probability
//    forward_fraction. Its bases are drawn column by column from the motif's probabilities (and
//    reverse-complemented on the - strand) and overwrite the background. A draw that overlaps an
//    earlier site or leaves the window is redrawn (up to 32 times; then the site is dropped), so
//    planted sites never overlap; roles plant in the order given.
//
// 3. Expression (log scale). A site's weight is
//      weight = exp(-((d - distance) / distance_sd)^2 / 2)  x  (1 on +, reverse_weight on -),
//    a motif's activity a_m is the sum of its sites' weights in the sequence, and
//      signal     = baseline + sum_m effect_m * a_m + interaction.effect * a_first * a_second
//      expression = signal + N(0, noise_sd^2).
//    The default interaction is GATA1 x Spi1 (PU.1) antagonism: each activates alone, together
//    they largely cancel, which no additive model can express.
//
// 4. Noise ceiling. No model can correlate with the noisy expression better than the signal
//    itself does: r_max = cov(signal, expression) / (sd(signal) sd(expression))
//                       = sqrt(var(signal) / (var(signal) + noise_sd^2))
//    (expected value, with var(signal) over the generated set), reported with its empirical
//    value pearson(signal, expression) on the generated set.
//
// 5. Position-blind reference. Models that pool over the whole window (seed 002's ends in a
//    global average pool over ~80 bp receptive fields) can count motifs but hardly tell where
//    they sit. What counting alone can reach: the Pearson r of the least-squares fit of
//    expression on [1, n_1 .. n_M, n_first * n_second] (n_m = the number of sites of motif m in
//    the sequence; the product only with an interaction), fitted on the whole set (M + 2
//    parameters against n sequences: the in-sample optimism is negligible for n in the
//    thousands). A model between this and the noise ceiling has learned positions too.
//
// Randomness. Sequence i draws everything (background, sites, noise) from its own Philox
// stream: Generator(seed) at block offset i * 2^32. So a seed fixes the whole data set, any
// thread count gives the same bytes, and sequence i does not change when n does.
//
//   auto motifs = read_meme("selected_TFs.meme");
//   PromoterSimulation sim = simulate_promoters(motifs, {.n = 20000, .seed = 7});
//   write_promoter_simulation(sim, "sim/");   // promoters.fa, expression.tsv, truth.tsv, ...
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "genomics/motifs.h"

namespace dnagrad::genomics {

struct BackgroundModel {
  double gc_far = 0.42;    // GC fraction far upstream
  double gc_near = 0.60;   // GC fraction next to the TSS
  double cpg_far = 0.25;   // CpG observed/expected far upstream
  double cpg_near = 0.75;  // ... next to the TSS
  double midpoint = 500;   // distance (bp) where GC and CpG are halfway between far and near
  double scale = 100;      // bp: the width of the logistic step
  double gc_at(double distance) const;
  double cpg_at(double distance) const;
};

struct MotifRole {
  std::string motif{};            // identifier or alternate name in the MEME file: "TBP"
  double site_probability = 0.3;  // chance of each of the max_sites trials planting a site
  int max_sites = 1;
  double distance = 250;          // preferred distance (bp) of a site's first base to the TSS
  double distance_sd = 100;       // spread of the placement and width of the position weight
  double placed_fraction = 0.7;   // sites placed around `distance`; the rest anywhere
  double forward_fraction = 0.5;  // sites on the + strand (the gene's strand)
  double reverse_weight = 1;      // weight of a - strand site relative to a + strand one
  double effect = 0.5;            // log-expression change of a + strand site at `distance`
};

struct MotifInteraction {
  std::string first{}, second{};  // MotifRole::motif of the two partners; empty: none
  double effect = 0;              // times a_first * a_second
};

// The default roles, from JASPAR's selected_TFs.meme (all are in the full JASPAR 2024 file
// too): TBP (TATA box, ~30 bp upstream, strongly oriented), SP1 (GC box, up to 3 sites within
// ~300 bp), CEBPB (a CCAAT-box binder around -80; JASPAR's NFY matrices are not in
// selected_TFs.meme), MAX (E-box, palindromic: no orientation preference), CTCF (far upstream,
// represses, oriented), GATA1 and Spi1 (activators that antagonise each other).
std::vector<MotifRole> default_motif_roles();

struct PromoterSimulationOptions {
  int64_t n = 20000;      // sequences
  int64_t length = 2000;  // L: bases per sequence, the window [TSS - L, TSS)
  double noise_sd = 0.3;  // sigma of the Gaussian noise on the log expression
  double baseline = 0;    // log expression of a promoter with no sites
  uint64_t seed = 17;
  BackgroundModel background{};
  std::vector<MotifRole> roles = default_motif_roles();
  MotifInteraction interaction{"GATA1", "Spi1", -0.8};
};

// Replaces the roles by one per name, in the order of `names`: the role of that name (matched
// ignoring case) among options.roles or NFYA's (the CCAAT box, placed like CEBPB; NFYA is in
// the full JASPAR 2024 file), else MotifRole{}'s generic one. The interaction is dropped when
// either partner is not kept.
void select_motif_roles(PromoterSimulationOptions& options, const std::vector<std::string>& names);

struct PlantedSite {
  int role = 0;         // index into options.roles (and PromoterSimulation::motifs)
  int64_t start = 0;    // first base in the sequence (+ strand coordinates), 0-based
  bool forward = true;  // + strand: the motif reads along the sequence
  double weight = 0;    // position weight x strand weight: this site's share of a_m
};

struct PromoterSimulation {
  PromoterSimulationOptions options;
  std::vector<Motif> motifs;                    // motifs[k] plays options.roles[k]
  std::vector<std::string> names;               // prom_000001, prom_000002, ...
  std::vector<std::string> sequences;           // n sequences of L bases (A, C, G, T)
  std::vector<std::vector<PlantedSite>> sites;  // per sequence, in planting order
  std::vector<double> signal;                   // noise-free log expression
  std::vector<double> expression;               // signal + noise
  double signal_mean = 0, signal_variance = 0;  // over the n sequences (variance: divided by n)
  double noise_ceiling_expected = 0;            // sqrt(var(signal) / (var(signal) + noise_sd^2))
  double noise_ceiling_empirical = 0;           // pearson(signal, expression)
  double count_model_r = 0;                     // the position-blind reference (point 5)
};

// The weight of a site of `role` whose first base is `distance` bp upstream of the TSS.
double site_weight(const MotifRole& role, int64_t distance, bool forward);

// Generates the data set. Each role's motif is looked up in `library` (find_motif; messages
// name the library by `library_label`, e.g. its file). Throws for options out of range and for
// a motif that is missing or longer than the sequences.
PromoterSimulation simulate_promoters(const std::vector<Motif>& library,
                                      const PromoterSimulationOptions& options,
                                      const std::string& library_label = "the motif library");

// Writes, each file atomically, into `dir` (created if missing):
//   promoters.fa     one record per sequence, on one line
//   expression.tsv   name, expression                      (the label table)
//   truth.tsv        name, signal, then the number of planted sites of each motif
//   sites.tsv        name, motif, start, end, strand, distance, weight  (one row per site)
//   simulation.json  the options, the motifs used, signal statistics and the noise ceiling
void write_promoter_simulation(const PromoterSimulation& sim, const std::string& dir);

// A few lines: size, seed, how often each motif was planted, and the noise ceiling.
void print_promoter_simulation_summary(const PromoterSimulation& sim, std::ostream& out);

}  // namespace dnagrad::genomics
