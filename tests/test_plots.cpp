// SVG plots: every plot is checked to be well-formed XML by a tiny checker below (balanced tags,
// quoted attributes, escaped text), to contain what a reader needs (legend entries, tick labels,
// titles, colours), and the numbers behind the pictures are checked by hand: nice ticks,
// information content, letter stacking, the colour map. The atomic writer leaves no temporary
// files and names the path when it fails.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "genomics/plot/plots.h"
#include "genomics/plot/svg.h"
#include "test_util.h"

namespace dnagrad::testing {
namespace {

using namespace dnagrad::plots;

// What the XML checker found: an error ("" when well-formed), how many elements of each name,
// and the (unescaped) contents of the <text> elements, in order.
struct XmlReport {
  std::string error;
  std::map<std::string, int> counts;
  std::vector<std::string> texts;
};

// Decodes the five entities the writer uses; "" plus an error for anything else after '&'.
bool unescape(const std::string& raw, std::string& out) {
  static const std::vector<std::pair<std::string, char>> entities = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  out.clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '<') return false;
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    bool known = false;
    for (const auto& [entity, c] : entities) {
      if (raw.compare(i, entity.size(), entity) == 0) {
        out += c;
        i += entity.size() - 1;
        known = true;
        break;
      }
    }
    if (!known) return false;
  }
  return true;
}

XmlReport check_xml(const std::string& xml) {
  XmlReport report;
  size_t pos = 0;
  if (xml.rfind("<?xml", 0) == 0) pos = xml.find("?>") + 2;
  std::vector<std::string> open;
  int n_roots = 0;
  auto error = [&](const std::string& what) {
    report.error = what + " at byte " + std::to_string(pos);
    return report;
  };
  while (pos < xml.size()) {
    const size_t lt = xml.find('<', pos);
    const std::string text =
        xml.substr(pos, lt == std::string::npos ? std::string::npos : lt - pos);
    std::string decoded;
    if (!unescape(text, decoded)) return error("unescaped text '" + text + "'");
    if (open.empty() && decoded.find_first_not_of(" \n") != std::string::npos)
      return error("text outside the root");
    if (!open.empty() && open.back() == "text") report.texts.push_back(decoded);
    if (lt == std::string::npos) break;
    pos = lt + 1;
    if (xml[pos] == '/') {  // closing tag
      const size_t gt = xml.find('>', pos);
      const std::string name = xml.substr(pos + 1, gt - pos - 1);
      if (open.empty() || open.back() != name) return error("unbalanced </" + name + ">");
      open.pop_back();
      pos = gt + 1;
      continue;
    }
    size_t end = xml.find_first_of(" />", pos);
    const std::string name = xml.substr(pos, end - pos);
    if (name.empty()) return error("empty tag name");
    pos = end;
    std::map<std::string, bool> attributes;
    while (true) {  // attributes: name="value"
      pos = xml.find_first_not_of(' ', pos);
      if (xml.compare(pos, 2, "/>") == 0 || xml[pos] == '>') break;
      const size_t eq = xml.find('=', pos);
      const std::string attribute = xml.substr(pos, eq - pos);
      if (attribute.find_first_of(" <>\"") != std::string::npos || xml[eq + 1] != '"')
        return error("bad attribute in <" + name + ">");
      if (attributes[attribute]) return error("duplicate attribute " + attribute);
      attributes[attribute] = true;
      const size_t close = xml.find('"', eq + 2);
      if (close == std::string::npos || !unescape(xml.substr(eq + 2, close - eq - 2), decoded))
        return error("bad value of " + attribute + " in <" + name + ">");
      pos = close + 1;
    }
    report.counts[name]++;
    if (open.empty()) ++n_roots;
    if (xml[pos] == '>') {
      open.push_back(name);
      pos += 1;
    } else {
      pos += 2;
    }
  }
  if (!open.empty()) return error("<" + open.back() + "> never closed");
  if (n_roots != 1) return error(std::to_string(n_roots) + " root elements");
  return report;
}

bool has_text(const XmlReport& report, const std::string& text) {
  return std::find(report.texts.begin(), report.texts.end(), text) != report.texts.end();
}

size_t count_of(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

Matrix bases_matrix(std::vector<double> column_major, size_t width) {
  Matrix m{4, width, std::vector<double>(4 * width)};
  for (size_t j = 0; j < width; ++j)
    for (size_t b = 0; b < 4; ++b) m.values[b * width + j] = column_major[j * 4 + b];
  return m;
}

TEST_CASE("plots: the xml checker rejects broken documents") {
  CHECK(check_xml("<svg><g></g></svg>").error.empty());
  CHECK_FALSE(check_xml("<svg><g></svg>").error.empty());
  CHECK_FALSE(check_xml("<svg><text>a < b</text></svg>").error.empty());
  CHECK_FALSE(check_xml("<svg><text>R&D</text></svg>").error.empty());
  CHECK_FALSE(check_xml("<svg a=\"1\" a=\"2\"/>").error.empty());
  CHECK_FALSE(check_xml("<svg/><svg/>").error.empty());
}

TEST_CASE("plots: numbers and text are written safely") {
  CHECK(svg::fmt(1.5) == "1.5");
  CHECK(svg::fmt(2.0) == "2");
  CHECK(svg::fmt(1.23456) == "1.23");
  CHECK(svg::fmt(-0.0001) == "0");
  CHECK(svg::fmt(100) == "100");
  CHECK_THROWS_AS(svg::fmt(std::nan("")), Error);
  CHECK(svg::escape("<R²&>\"'") == "&lt;R²&amp;&gt;&quot;&apos;");
  CHECK(svg::text_width("R²", 10) == doctest::Approx(12));  // 2 code points, 3 bytes
}

TEST_CASE("plots: nice ticks step by 1, 2 or 5 times a power of ten") {
  const std::vector<double> unit = nice_ticks(0, 1);
  REQUIRE(unit.size() == 6);
  for (size_t i = 0; i < unit.size(); ++i) CHECK(unit[i] == doctest::Approx(0.2 * i));
  CHECK(nice_ticks(3, 97) == std::vector<double>{0, 20, 40, 60, 80, 100});
  for (auto [lo, hi] : std::vector<std::pair<double, double>>{
           {0, 0.07}, {-3.3, 41}, {0.001, 0.0013}, {1, 100}, {-5, -4}, {7, 7}, {-1e6, 2e6}}) {
    INFO("range ", lo, " .. ", hi);
    const std::vector<double> ticks = nice_ticks(lo, hi);
    REQUIRE(ticks.size() >= 3);
    CHECK(ticks.size() <= 12);
    CHECK(ticks.front() <= lo);
    CHECK(ticks.back() >= hi);
    const double step = ticks[1] - ticks[0];
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    CHECK((std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 ||
           std::abs(mantissa - 5) < 1e-6));
  }
  const std::vector<double> log = log_ticks(0.03, 0.8);
  const std::vector<double> expected = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1};
  REQUIRE(log.size() == expected.size());
  for (size_t i = 0; i < log.size(); ++i) CHECK(log[i] == doctest::Approx(expected[i]));
  CHECK(log_ticks(1e-4, 10).size() == 6);  // 5 decades: powers of ten only
  CHECK(tick_label(0.2, 0.2) == "0.2");
  CHECK(tick_label(1, 0.2) == "1");
  CHECK(tick_label(15, 5) == "15");
  CHECK(tick_label(0.05, 0.05) == "0.05");
  CHECK(tick_label(1e-5, 1e-5) == "1e-05");
  CHECK(tick_label(0.6000000000000001, 0.2) == "0.6");
}

TEST_CASE("plots: a line plot has escaped titles, a legend entry per series and nice ticks") {
  std::vector<Series> series;
  for (const char* name : {"CNN train", "CNN val", "Linear train", "Linear val"}) {
    std::vector<double> y;
    for (int epoch = 0; epoch < 20; ++epoch)
      y.push_back(std::exp(-0.2 * epoch) * (name[0] == 'C' ? 1 : 0.9));
    series.push_back({.name = name, .y = y});
  }
  series[3].y[5] = std::numeric_limits<double>::quiet_NaN();  // a gap, not a failure
  const std::string svg =
      line_plot(series, {.title = "loss <R²&>", .x_label = "epoch", .y_label = "MSE"});
  const XmlReport xml = check_xml(svg);
  REQUIRE_MESSAGE(xml.error.empty(), xml.error);
  CHECK(has_text(xml, "loss <R²&>"));
  CHECK(svg.find("loss &lt;R²&amp;&gt;") != std::string::npos);
  for (const Series& s : series) CHECK(has_text(xml, s.name));
  for (const char* tick : {"0", "0.2", "0.4", "0.6", "0.8", "1", "5", "10", "15", "20"})
    CHECK_MESSAGE(has_text(xml, tick), "tick label ", tick);
  CHECK(has_text(xml, "epoch"));
  CHECK(has_text(xml, "MSE"));
  CHECK(xml.counts.at("polyline") == 5);  // series 3 is split in two by its NaN
  // Four series, four colours and four dash patterns (solid for the first).
  for (const char* color : {"#0072B2", "#D55E00", "#009E73", "#CC79A7"})
    CHECK(count_of(svg, std::string("stroke=\"") + color + "\"") >= 2);  // line + legend swatch
  for (const char* dash : {"none", "8 4", "2 3", "10 3 2 3"})
    CHECK(count_of(svg, std::string("stroke-dasharray=\"") + dash + "\"") >= 2);

  const std::string log = line_plot(series, {.y_label = "MSE", .log_y = true});
  REQUIRE(check_xml(log).error.empty());
  CHECK(has_text(check_xml(log), "0.01"));
  series[0].y[2] = -1;
  CHECK_THROWS_WITH_AS(line_plot(series, {.log_y = true}), doctest::Contains("CNN train"), Error);
  series[0].x = {1, 2};
  CHECK_THROWS_WITH_AS(line_plot(series, {}), doctest::Contains("2 x values but 20"), Error);
  CHECK_THROWS_AS(line_plot({}, {}), Error);
}

TEST_CASE("plots: data points and fitted curves share one plot") {
  std::vector<double> x, y, fit;
  for (int i = -20; i <= 20; ++i) {
    x.push_back(i / 10.0);
    y.push_back(std::pow(i / 10.0, 3) + 0.1 * std::sin(i));
    fit.push_back(std::pow(i / 10.0, 3));
  }
  const std::string svg = line_plot({{.name = "data", .x = x, .y = y, .kind = SeriesKind::Points},
                                     {.name = "MLP", .x = x, .y = fit}},
                                    {.title = "y = x³"});
  const XmlReport xml = check_xml(svg);
  REQUIRE_MESSAGE(xml.error.empty(), xml.error);
  CHECK(xml.counts.at("circle") == 41 + 1);  // the points and the legend marker
  CHECK(xml.counts.at("polyline") == 1);
  CHECK(has_text(xml, "data"));
  CHECK(has_text(xml, "MLP"));
}

TEST_CASE("plots: a parity plot of 13,000 points stays small, with y = x and equal axes") {
  Generator gen(fresh_seed());
  INFO("seed ", gen.seed());
  std::vector<double> truth, predicted;
  for (int i = 0; i < 13000; ++i) {
    truth.push_back(40 + 60 * gen.uniform());
    predicted.push_back(truth.back() + 5 * (gen.uniform() - 0.5));
  }
  const std::string svg = parity_plot(
      truth, predicted, {.title = "CNN: R² = 0.949", .x_label = "true", .y_label = "predicted"});
  const XmlReport xml = check_xml(svg);
  REQUIRE_MESSAGE(xml.error.empty(), xml.error);
  CHECK(xml.counts.at("circle") == 13000);
  CHECK(svg.size() < 700'000);
  CHECK(has_text(xml, "CNN: R² = 0.949"));
  CHECK(has_text(xml, "y = x"));
  // The same ticks on both axes: every tick label appears twice.
  for (const std::string& tick : xml.texts)
    if (tick.find_first_not_of("0123456789.") == std::string::npos)
      CHECK_MESSAGE(std::count(xml.texts.begin(), xml.texts.end(), tick) == 2, tick);
  CHECK_THROWS_WITH_AS(parity_plot({1, 2}, {1}, {}), doctest::Contains("2 true values"), Error);
  CHECK_THROWS_AS(parity_plot({1, std::nan("")}, {1, 2}, {}), Error);
}

TEST_CASE("plots: the heatmap colour map is white at 0 and the extremes at plus or minus max") {
  CHECK(diverging_color(0, 1) == "#FFFFFF");
  CHECK(diverging_color(1, 1) == "#B2182B");
  CHECK(diverging_color(-1, 1) == "#2166AC");
  CHECK(diverging_color(7, 1) == "#B2182B");  // clamped
  CHECK(diverging_color(0.5, 1) == "#F4A582");
  CHECK(diverging_color(-0.25, 1) != diverging_color(0.25, 1));
  CHECK_THROWS_AS(diverging_color(0, 0), Error);

  // Rows A, C, G, T; the largest |value| (2) sets the scale.
  const Matrix m{4, 3, {-2, 0, 2, 0.5, -0.5, 0, 1, 1, 1, 0, 0, 0}};
  const std::string svg = heatmap(
      m, {.title = "filter 0", .row_labels = {"A", "C", "G", "T"}, .value_label = "weight"});
  const XmlReport xml = check_xml(svg);
  REQUIRE_MESSAGE(xml.error.empty(), xml.error);
  // The colour bar's bands take the colours of their midpoints, so only cells match exactly.
  CHECK(count_of(svg, "fill=\"#2166AC\"") == 1);  // the -2 cell
  CHECK(count_of(svg, "fill=\"#B2182B\"") == 1);  // the 2 cell
  CHECK(count_of(svg, "fill=\"#FFFFFF\"") == 5);  // the five zero cells
  for (const char* label : {"A", "C", "G", "T", "1", "2", "3", "weight", "filter 0", "-2", "2"})
    CHECK_MESSAGE(has_text(xml, label), label);
  CHECK_THROWS_WITH_AS(heatmap(m, {.row_labels = {"A", "C"}}), doctest::Contains("2 row labels"),
                       Error);
}

TEST_CASE("plots: a heatmap grid shows 32 filters on one shared scale") {
  Generator gen(fresh_seed());
  INFO("seed ", gen.seed());
  std::vector<Matrix> filters;
  std::vector<std::string> titles;
  for (int f = 0; f < 32; ++f) {
    Matrix m{4, 3, {}};
    for (int i = 0; i < 12; ++i) m.values.push_back(gen.uniform() - 0.5);
    filters.push_back(m);
    titles.push_back("filter " + std::to_string(f));
  }
  filters[5].values[7] = 3;  // the shared maximum: pure red there, and nowhere else
  const std::string svg = heatmap_grid(filters, titles, {.row_labels = {"A", "C", "G", "T"}});
  const XmlReport xml = check_xml(svg);
  REQUIRE_MESSAGE(xml.error.empty(), xml.error);
  for (const std::string& title : titles) CHECK(has_text(xml, title));
  CHECK(count_of(svg, "fill=\"#B2182B\"") == 1);
  filters[3].cols = 4;
  CHECK_THROWS_WITH_AS(heatmap_grid(filters, titles, {}), doctest::Contains("panel 3"), Error);
}

TEST_CASE("plots: information content of hand-made columns") {
  // (No column starts with a run of equal values followed by zeros, like {0.5, 0.5, 0, 0}: GCC
  // 12.2 with AVX-512 miscompiles such constant initialisers into {0.5, 0.5, 0.5, 0.5}.)
  const std::vector<std::pair<std::vector<double>, double>> cases = {
      {{1, 1, 1, 1}, 0},                           // uniform: H = 2 bits
      {{25, 25, 25, 25}, 0}, {{1, 0, 0, 0}, 2},    // one base: H = 0
      {{0, 0.5, 0.5, 0}, 1},                       // two bases: H = 1 bit
      {{0.5, 0, 0, 0.5}, 1}, {{10, 0, 10, 0}, 1},  // counts are normalised
      {{0, 0, 0, 0}, 0},                           // nothing seen (all N)
      {{2, 1, 1, 0}, 0.5},  // H = -(0.5 log 0.5 + 2 * 0.25 log 0.25) = 1.5 bits
  };
  for (const auto& [column, bits] : cases) {
    INFO("column ", column[0], " ", column[1], " ", column[2], " ", column[3]);
    CHECK(information_content(column) == doctest::Approx(bits));
  }
  CHECK_THROWS_AS(information_content({1, -1, 0, 0}), Error);
  CHECK_THROWS_AS(information_content({1, 1, 1}), Error);

  const Matrix heights = logo_heights(bases_matrix({7, 0, 0, 0, 1, 1, 1, 1, 2, 1, 1, 0}, 3));
  CHECK(heights.at(0, 0) == doctest::Approx(2));  // pure A: the full 2-bit scale
  CHECK(heights.at(1, 0) == 0);
  for (size_t b = 0; b < 4; ++b) CHECK(heights.at(b, 1) == doctest::Approx(0));
  CHECK(heights.at(0, 2) == doctest::Approx(0.25));  // p = 0.5 of IC 0.5
  CHECK(heights.at(1, 2) == doctest::Approx(0.125));
  CHECK_THROWS_WITH_AS(logo_heights(Matrix{3, 1, {1, 1, 1}}), doctest::Contains("[4 x width]"),
                       Error);
}

TEST_CASE("plots: logo letters stack smallest at the bottom and largest on top") {
  // Column 1: T > A > G > C; column 2: pure G.
  const Matrix heights = bases_matrix({0.3, 0.1, 0.2, 0.4, 0, 0, 2, 0}, 2);
  const std::vector<LogoLetter> letters = stack_letters(heights);
  REQUIRE(letters.size() == 5);
  const int order[] = {1, 2, 0, 3};  // C, G, A, T from the bottom
  double bottom = 0;
  for (int i = 0; i < 4; ++i) {
    CHECK(letters[i].column == 0);
    CHECK(letters[i].base == order[i]);
    CHECK(letters[i].bottom == doctest::Approx(bottom));
    CHECK(letters[i].top - letters[i].bottom == doctest::Approx(heights.at(order[i], 0)));
    bottom = letters[i].top;
  }
  CHECK(letters[4].base == 2);
  CHECK(letters[4].top == doctest::Approx(2));

  // Signed scores: positives up from 0, negatives down, smallest |score| nearest the axis.
  const std::vector<LogoLetter> signed_letters =
      stack_letters(bases_matrix({0.5, -0.2, -0.6, 0}, 1));
  REQUIRE(signed_letters.size() == 3);
  CHECK(signed_letters[0].base == 1);
  CHECK(signed_letters[0].top == doctest::Approx(0));
  CHECK(signed_letters[0].bottom == doctest::Approx(-0.2));
  CHECK(signed_letters[1].base == 0);
  CHECK(signed_letters[1].bottom == doctest::Approx(0));
  CHECK(signed_letters[2].base == 2);
  CHECK(signed_letters[2].bottom == doctest::Approx(-0.8));
}

TEST_CASE("plots: a sequence logo draws glyphs coloured by base and scaled to exact heights") {
  // Column 1 pure A (2 bits), column 2 pure T, column 3 uniform (0 bits: nothing drawn).
  const Matrix pfm = bases_matrix({9, 0, 0, 0, 0, 0, 0, 9, 1, 1, 1, 1}, 3);
  const std::string svg = sequence_logo(pfm, {.title = "TAT", .column_width = 26, .height = 110});
  const XmlReport xml = check_xml(svg);
  REQUIRE_MESSAGE(xml.error.empty(), xml.error);
  CHECK(xml.counts.at("path") == 2);
  CHECK(count_of(svg, "fill=\"#109648\"") == 1);  // A green
  CHECK(count_of(svg, "fill=\"#D62839\"") == 1);  // T red
  // A 2-bit letter spans the whole 110 px axis: the 100-unit glyph box is scaled by 1.1 in y,
  // and by (26 - 2) / 100 in x (1 px of air on each side).
  CHECK(count_of(svg, "scale(0.24 1.1)") == 2);
  CHECK(svg.find("<text") != std::string::npos);
  for (const char* label : {"bits", "0", "1", "2", "3", "TAT"})
    CHECK_MESSAGE(has_text(xml, label), label);

  // All four colours, one per base.
  const std::string mixed = sequence_logo(bases_matrix({5, 3, 1, 1}, 1), {});
  for (size_t b = 0; b < 4; ++b)
    CHECK(count_of(mixed, std::string("fill=\"") + base_colors[b] + "\"") == 1);
}

TEST_CASE("plots: attribution logos and logo grids") {
  const Matrix scores = bases_matrix({0.5, -0.2, -0.6, 0, 0, 0, 0, 1.2}, 2);
  const std::string svg = attribution_logo(scores, {.title = "gradient x input"});
  const XmlReport xml = check_xml(svg);
  REQUIRE_MESSAGE(xml.error.empty(), xml.error);
  CHECK(xml.counts.at("path") == 4);
  CHECK(has_text(xml, "score"));
  CHECK(has_text(xml, "-0.5"));

  std::vector<Matrix> pfms;
  std::vector<std::string> titles;
  for (int f = 0; f < 32; ++f) {
    pfms.push_back(bases_matrix({1, 2, 3, 4, 0, 0, 9, 1, 5, 1, 1, 1}, 3));
    titles.push_back("filter " + std::to_string(f) + ": GGA");
  }
  const std::string grid = logo_grid(pfms, titles, {.title = "first-layer filters"}, 8);
  const XmlReport grid_xml = check_xml(grid);
  REQUIRE_MESSAGE(grid_xml.error.empty(), grid_xml.error);
  for (const std::string& title : titles) CHECK(has_text(grid_xml, title));
  CHECK(has_text(grid_xml, "first-layer filters"));
  CHECK_THROWS_WITH_AS(logo_grid(pfms, {"one"}, {}), doctest::Contains("1 titles for 32"), Error);
}

TEST_CASE("plots: write_file replaces the file atomically and names the path on failure") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("dnagrad_plots_" + std::to_string(fresh_seed()));
  fs::create_directories(dir);
  const std::string path = (dir / "plot.svg").string();
  svg::write_file(path, "first");
  svg::write_file(path, "<svg/>\n");
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(content == "<svg/>\n");
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);  // no temp left

  const std::string bad = (dir / "no_such_dir" / "plot.svg").string();
  CHECK_THROWS_WITH_AS(svg::write_file(bad, "x"), doctest::Contains(bad.c_str()), Error);
  fs::create_directory(dir / "taken.svg");  // a directory where the file should go
  CHECK_THROWS_WITH_AS(svg::write_file((dir / "taken.svg").string(), "x"),
                       doctest::Contains("taken.svg"), Error);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 2);
  fs::remove_all(dir);
}

TEST_CASE("plots: parallel coordinates draw one line per finite item, coloured by the last axis") {
  const std::vector<ParallelAxis> axes = {
      {.name = "lr", .values = {0.001, 0.1, 0.01, 0.01}, .log = true},
      {.name = "batch", .values = {16, 64, 16, 64}},
      {.name = "loss", .values = {0.5, 2.5, NAN, 1.5}}};
  const std::string svg = parallel_coordinates(axes, {"a", "b", "c", "d"}, {.title = "t"});
  const XmlReport report = check_xml(svg);
  REQUIRE(report.error.empty());
  CHECK(report.counts.at("polyline") == 3);  // "c" has a NaN loss
  CHECK(report.counts.at("line") == 3);      // one axis each
  CHECK(has_text(report, "lr (log)"));
  CHECK(has_text(report, "0.1"));  // lr's max, above its axis
  CHECK(has_text(report, "2.5"));  // the loss axis runs 0.5 .. 2.5 over the drawn lines
  CHECK(has_text(report, "0.5"));
  // Blue for the lowest loss, red for the highest (diverging_color at -1 and +1); the lowest is
  // drawn last, on top.
  const size_t blue = svg.rfind(diverging_color(-1, 1)), red = svg.find(diverging_color(1, 1));
  REQUIRE(blue != std::string::npos);
  REQUIRE(red != std::string::npos);
  CHECK(red < blue);
  CHECK_THROWS_AS(parallel_coordinates({axes[0]}, {"a", "b", "c", "d"}, {}), dnagrad::Error);
  CHECK_THROWS_AS(parallel_coordinates(axes, {"a"}, {}), dnagrad::Error);
}

}  // namespace
}  // namespace dnagrad::testing
