#include "genomics/data/simulate.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/rng.h"
#include "genomics/io/meme.h"
#include "genomics/metrics.h"
#include "genomics/sequence.h"

namespace dnagrad::genomics {

namespace {

constexpr int kPlacementAttempts = 32;
constexpr int kStreamShift = 32;  // sequence i draws from Philox blocks [i << 32, (i + 1) << 32)

// 1 next to the TSS, 0 far upstream: the logistic step shared by the GC and CpG profiles.
double near_tss(const BackgroundModel& m, double distance) {
  return 1 / (1 + std::exp((distance - m.midpoint) / m.scale));
}

// Cumulative probabilities P(A), P(A or C), P(A, C or G) of one background position, after a C
// and after any other base, for comparison with a U[0, 1) draw.
struct BaseThresholds {
  std::array<float, 3> after_other, after_c;
};

// Cumulative probabilities of A, C, G, T given as weights (A and T weigh the same).
std::array<float, 3> cumulative(double a, double c, double g) {
  const double total = 2 * a + c + g;
  return {static_cast<float>(a / total), static_cast<float>((a + c) / total),
          static_cast<float>((a + c + g) / total)};
}

// Per position: probabilities pA = pT, pC, pG after an A, G or T, and after a C the G set to
// P(G | C) = rho gc(d) / 2 (rho = cpg(d)) with A, C, T rescaled to fill the rest. With
// q = P(previous base is C) = gc / 2 (0 for the first base) the chain's marginals here are
//   P(G) = (1 - q) pG + q rho gc / 2,   P(C) = (1 - q) pC + q pC (1 - rho gc / 2) / (1 - pG),
// and setting both to gc / 2 gives pG, then pC, in closed form. So every position has GC
// fraction gc(d) with C and G balanced (as on real DNA), and CpG observed/expected
// P(CG) / (P(C) P(G)) = q P(G | C) / (q gc / 2) = rho.
std::vector<BaseThresholds> background_thresholds(const BackgroundModel& m, int64_t length) {
  std::vector<BaseThresholds> table(length);
  double q = 0;
  for (int64_t i = 0; i < length; ++i) {
    const double d = static_cast<double>(length - i);
    const double half = m.gc_at(d) / 2, g_after_c = m.cpg_at(d) * half;
    const double g = half * (1 - q * m.cpg_at(d)) / (1 - q);
    const double rest_after_c = (1 - g_after_c) / (1 - g);  // A, C, T scale after a C
    const double c = half / ((1 - q) + q * rest_after_c), a = (1 - c - g) / 2;
    DNAGRAD_CHECK(a >= 0 && g_after_c <= 1, "simulate_promoters: no background has GC ", 2 * half,
                  " with CpG observed/expected ", m.cpg_at(d), " (distance ", d, ")");
    table[i].after_other = cumulative(a, c, g);
    table[i].after_c = cumulative(a * rest_after_c, c * rest_after_c, g_after_c);
    q = half;
  }
  return table;
}

// The base a U[0, 1) draw u picks from cumulative probabilities of A, C and G.
template <class T>
char draw_base(const std::array<T, 3>& cum, T u) {
  return u < cum[0] ? 'A' : u < cum[1] ? 'C' : u < cum[2] ? 'G' : 'T';
}

// One N(0, 1) draw by the Box-Muller transform.
double standard_normal(Generator& gen) {
  const double u1 = 1 - gen.uniform(), u2 = gen.uniform();  // u1 in (0, 1]: log is finite
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

// A role resolved against the motif file: its motif's column-wise cumulative probabilities.
struct PreparedRole {
  const MotifRole* role;
  int64_t width;
  std::vector<std::array<double, 3>> columns;  // [w] cumulative P(A), P(A|C), P(A|C|G)
};

std::vector<PreparedRole> prepare_roles(const PromoterSimulationOptions& o,
                                        const std::vector<Motif>& motifs) {
  std::vector<PreparedRole> prepared;
  for (size_t k = 0; k < motifs.size(); ++k) {
    const Motif& m = motifs[k];
    const std::vector<double> p = m.probabilities();  // [4, w]
    PreparedRole r{&o.roles[k], m.width, std::vector<std::array<double, 3>>(m.width)};
    for (int64_t j = 0; j < m.width; ++j) {
      const double a = p[j], c = p[m.width + j], g = p[2 * m.width + j];
      r.columns[j] = {a, a + c, a + c + g};
    }
    prepared.push_back(std::move(r));
  }
  return prepared;
}

// Draws where a site of `r` goes: its start, or -1 when every attempt left the window or hit an
// earlier site.
int64_t place_site(const PreparedRole& r, int64_t length, const std::vector<char>& occupied,
                   Generator& gen) {
  const MotifRole& role = *r.role;
  const int64_t span = length - r.width + 1;  // distances w..L are inside the window
  for (int attempt = 0; attempt < kPlacementAttempts; ++attempt) {
    const int64_t distance =
        gen.uniform() < role.placed_fraction
            ? std::llround(role.distance + role.distance_sd * standard_normal(gen))
            : r.width + static_cast<int64_t>(gen.uniform() * static_cast<double>(span));
    if (distance < r.width || distance > length) continue;
    const int64_t start = length - distance;
    bool free = true;
    for (int64_t j = 0; j < r.width && free; ++j) free = !occupied[start + j];
    if (free) return start;
  }
  return -1;
}

struct Scratch {
  Array uniforms;              // [L] background draws
  std::vector<char> occupied;  // [L] 1 where a site was planted
  std::string site;            // one site's bases
};

// Everything about sequence i, from its own random stream (see simulate.h).
void simulate_one(int64_t i, const PromoterSimulationOptions& o,
                  const std::vector<BaseThresholds>& background,
                  const std::vector<PreparedRole>& roles, int first, int second,
                  PromoterSimulation& sim, Scratch& scratch) {
  const int64_t length = o.length;
  Generator gen(o.seed);
  gen.set_offset(static_cast<uint64_t>(i) << kStreamShift);

  gen.fill_uniform(scratch.uniforms, 0, 1);
  const float* u = scratch.uniforms.data<float>();
  std::string& seq = sim.sequences[i];
  seq.resize(length);
  for (int64_t j = 0; j < length; ++j) {
    const BaseThresholds& t = background[j];
    seq[j] = draw_base(j > 0 && seq[j - 1] == 'C' ? t.after_c : t.after_other, u[j]);
  }

  scratch.occupied.assign(length, 0);
  std::vector<double> activity(roles.size(), 0.0);
  std::vector<PlantedSite>& sites = sim.sites[i];
  sites.clear();
  for (size_t k = 0; k < roles.size(); ++k) {
    const PreparedRole& r = roles[k];
    for (int trial = 0; trial < r.role->max_sites; ++trial) {
      if (gen.uniform() >= r.role->site_probability) continue;
      const int64_t start = place_site(r, length, scratch.occupied, gen);
      if (start < 0) continue;
      const bool forward = gen.uniform() < r.role->forward_fraction;
      scratch.site.resize(r.width);
      for (int64_t j = 0; j < r.width; ++j)
        scratch.site[j] = draw_base(r.columns[j], gen.uniform());
      if (!forward) scratch.site = reverse_complement(scratch.site);
      seq.replace(start, r.width, scratch.site);
      std::fill_n(scratch.occupied.begin() + start, r.width, 1);
      const double weight = site_weight(*r.role, length - start, forward);
      sites.push_back({static_cast<int>(k), start, forward, weight});
      activity[k] += weight;
    }
  }

  double signal = o.baseline;
  for (size_t k = 0; k < roles.size(); ++k) signal += roles[k].role->effect * activity[k];
  if (first >= 0) signal += o.interaction.effect * activity[first] * activity[second];
  sim.signal[i] = signal;
  sim.expression[i] = signal + o.noise_sd * standard_normal(gen);
}

// Index of the role named `name` (ignoring case), or -1.
int role_index(const std::vector<MotifRole>& roles, const std::string& name) {
  for (size_t k = 0; k < roles.size(); ++k)
    if (equal_ignoring_case(roles[k].motif, name)) return static_cast<int>(k);
  return -1;
}

void check_options(const PromoterSimulationOptions& o) {
  const char* what = "simulate_promoters: ";
  DNAGRAD_CHECK(o.n >= 1, what, "n must be at least 1, got ", o.n);
  DNAGRAD_CHECK(o.length >= 1 && o.length <= (int64_t{1} << 30), what,
                "length must be in 1..2^30, got ", o.length);
  DNAGRAD_CHECK(std::isfinite(o.noise_sd) && o.noise_sd >= 0, what,
                "noise_sd must be finite and >= 0, got ", o.noise_sd);
  DNAGRAD_CHECK(std::isfinite(o.baseline), what, "baseline must be finite, got ", o.baseline);
  const BackgroundModel& b = o.background;
  for (double gc : {b.gc_far, b.gc_near})
    DNAGRAD_CHECK(gc >= 0 && gc <= 1, what, "GC fractions must be in [0, 1], got ", gc);
  for (double cpg : {b.cpg_far, b.cpg_near})
    DNAGRAD_CHECK(std::isfinite(cpg) && cpg >= 0, what,
                  "CpG observed/expected ratios must be >= 0, got ", cpg);
  DNAGRAD_CHECK(std::isfinite(b.midpoint) && std::isfinite(b.scale) && b.scale > 0, what,
                "background midpoint must be finite and scale > 0, got ", b.midpoint, " and ",
                b.scale);
  for (const MotifRole& r : o.roles) {
    const std::string role = cat("motif '", r.motif, "': ");
    DNAGRAD_CHECK(role_index(o.roles, r.motif) == static_cast<int>(&r - o.roles.data()), what, role,
                  "named twice");
    for (double p : {r.site_probability, r.placed_fraction, r.forward_fraction})
      DNAGRAD_CHECK(p >= 0 && p <= 1, what, role, "probabilities must be in [0, 1], got ", p);
    DNAGRAD_CHECK(r.max_sites >= 0 && r.max_sites <= 1000, what, role,
                  "max_sites must be in 0..1000, got ", r.max_sites);
    DNAGRAD_CHECK(std::isfinite(r.distance) && std::isfinite(r.distance_sd) && r.distance_sd > 0,
                  what, role, "distance must be finite and distance_sd > 0, got ", r.distance,
                  " and ", r.distance_sd);
    DNAGRAD_CHECK(std::isfinite(r.reverse_weight) && std::isfinite(r.effect), what, role,
                  "reverse_weight and effect must be finite");
  }
  const MotifInteraction& x = o.interaction;
  if (x.first.empty() && x.second.empty()) return;
  DNAGRAD_CHECK(role_index(o.roles, x.first) >= 0 && role_index(o.roles, x.second) >= 0, what,
                "the interaction's motifs '", x.first, "' and '", x.second,
                "' must both have a role");
  DNAGRAD_CHECK(std::isfinite(x.effect), what, "interaction effect must be finite");
}

// Solves the symmetric positive semi-definite system a x = b (a: [m, m] row-major) by Gaussian
// elimination with partial pivoting; a pivot near zero (a feature constant over the set, e.g.
// a motif that was never planted) leaves its unknown at 0.
std::vector<double> solve_normal_equations(std::vector<double> a, std::vector<double> b) {
  const size_t m = b.size();
  std::vector<size_t> pivot_of(m, m);  // column -> the row that pivots it (m: none)
  std::vector<char> used(m, 0);
  double scale = 0;
  for (double v : a) scale = std::max(scale, std::abs(v));
  for (size_t col = 0; col < m; ++col) {
    size_t best = m;
    for (size_t r = 0; r < m; ++r)
      if (!used[r] && (best == m || std::abs(a[r * m + col]) > std::abs(a[best * m + col])))
        best = r;
    if (best == m || std::abs(a[best * m + col]) <= 1e-12 * scale) continue;
    used[best] = 1;
    pivot_of[col] = best;
    for (size_t r = 0; r < m; ++r) {
      if (r == best) continue;
      const double f = a[r * m + col] / a[best * m + col];
      if (f == 0) continue;
      for (size_t c = 0; c < m; ++c) a[r * m + c] -= f * a[best * m + c];
      b[r] -= f * b[best];
    }
  }
  std::vector<double> x(m, 0.0);
  for (size_t col = 0; col < m; ++col)
    if (pivot_of[col] < m) x[col] = b[pivot_of[col]] / a[pivot_of[col] * m + col];
  return x;
}

// The position-blind reference of simulate.h (point 5): r of the least-squares fit of expression
// on the site counts.
double count_model_pearson(const PromoterSimulation& sim, int first, int second) {
  const size_t roles = sim.options.roles.size();
  const size_t m = 1 + roles + (first >= 0 ? 1 : 0);
  const int64_t n = sim.options.n;
  std::vector<std::vector<double>> features(n, std::vector<double>(m, 0.0));
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double>& f = features[i];
    f[0] = 1;
    for (const PlantedSite& site : sim.sites[i]) f[1 + site.role] += 1;
    if (first >= 0) f[m - 1] = f[1 + first] * f[1 + second];
  }
  std::vector<double> xtx(m * m, 0.0), xty(m, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (size_t r = 0; r < m; ++r) {
      xty[r] += features[i][r] * sim.expression[i];
      for (size_t c = 0; c < m; ++c) xtx[r * m + c] += features[i][r] * features[i][c];
    }
  const std::vector<double> beta = solve_normal_equations(xtx, xty);
  std::vector<double> fit(n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (size_t r = 0; r < m; ++r) fit[i] += beta[r] * features[i][r];
  return pearson(fit, sim.expression);
}

}  // namespace

double BackgroundModel::gc_at(double distance) const {
  return gc_far + (gc_near - gc_far) * near_tss(*this, distance);
}

double BackgroundModel::cpg_at(double distance) const {
  return cpg_far + (cpg_near - cpg_far) * near_tss(*this, distance);
}

std::vector<MotifRole> default_motif_roles() {
  // motif, site probability, max sites, distance, sd, placed, forward, reverse weight, effect
  return {
      {"TBP", 0.2, 1, 31, 4, 0.9, 0.9, 0.2, 1.2},
      {"SP1", 0.35, 3, 110, 60, 0.8, 0.5, 1.0, 0.35},
      {"CEBPB", 0.3, 1, 80, 15, 0.8, 0.7, 0.5, 0.6},
      {"MAX", 0.3, 2, 200, 100, 0.7, 0.5, 1.0, 0.4},
      {"CTCF", 0.25, 1, 1200, 250, 0.7, 0.5, 0.4, -0.6},
      {"GATA1", 0.3, 2, 600, 200, 0.7, 0.5, 1.0, 0.5},
      {"Spi1", 0.3, 1, 400, 150, 0.7, 0.6, 0.5, 0.5},
  };
}

void select_motif_roles(PromoterSimulationOptions& options, const std::vector<std::string>& names) {
  std::vector<MotifRole> known = options.roles;
  known.push_back({"NFYA", 0.3, 1, 80, 15, 0.8, 0.7, 0.5, 0.6});  // the CCAAT box, like CEBPB
  std::vector<MotifRole> kept;
  for (const std::string& name : names) {
    const int k = role_index(known, name);
    kept.push_back(k >= 0 ? known[k] : MotifRole{});
    kept.back().motif = name;
  }
  options.roles = std::move(kept);
  MotifInteraction& x = options.interaction;
  if (role_index(options.roles, x.first) < 0 || role_index(options.roles, x.second) < 0) x = {};
}

double site_weight(const MotifRole& role, int64_t distance, bool forward) {
  const double z = (static_cast<double>(distance) - role.distance) / role.distance_sd;
  return std::exp(-0.5 * z * z) * (forward ? 1.0 : role.reverse_weight);
}

PromoterSimulation simulate_promoters(const std::vector<Motif>& library,
                                      const PromoterSimulationOptions& options,
                                      const std::string& library_label) {
  check_options(options);
  PromoterSimulation sim;
  sim.options = options;
  for (const MotifRole& role : options.roles) {
    const Motif& m = find_motif(library, role.motif, library_label);
    DNAGRAD_CHECK(m.width <= options.length, "simulate_promoters: motif ", m.name, " ", m.alt_name,
                  " (w= ", m.width, ") is longer than the sequences (", options.length, ")");
    sim.motifs.push_back(m);
  }
  const std::vector<PreparedRole> roles = prepare_roles(sim.options, sim.motifs);
  const std::vector<BaseThresholds> background =
      background_thresholds(options.background, options.length);
  const int first = role_index(options.roles, options.interaction.first);
  const int second = role_index(options.roles, options.interaction.second);

  const int64_t n = options.n;
  const size_t digits = std::max<size_t>(6, std::to_string(n).size());  // prom_000001
  sim.names.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    const std::string number = std::to_string(i + 1);
    sim.names[i] = "prom_" + std::string(digits - number.size(), '0') + number;
  }
  sim.sequences.resize(n);
  sim.sites.resize(n);
  sim.signal.resize(n);
  sim.expression.resize(n);
#pragma omp parallel
  {
    Scratch scratch{Array::empty({options.length}, DType::F32), {}, {}};
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i)
      simulate_one(i, sim.options, background, roles, first, second, sim, scratch);
  }

  for (double s : sim.signal) sim.signal_mean += s;
  sim.signal_mean /= static_cast<double>(n);
  for (double s : sim.signal) sim.signal_variance += (s - sim.signal_mean) * (s - sim.signal_mean);
  sim.signal_variance /= static_cast<double>(n);
  const double var = sim.signal_variance;
  const double noise_var = options.noise_sd * options.noise_sd;
  sim.noise_ceiling_expected = var + noise_var > 0 ? std::sqrt(var / (var + noise_var))
                                                   : std::numeric_limits<double>::quiet_NaN();
  sim.noise_ceiling_empirical = pearson(sim.signal, sim.expression);
  sim.count_model_r = count_model_pearson(sim, first, second);
  return sim;
}

}  // namespace dnagrad::genomics
