// A tiny SVG document builder: the handful of elements a plot needs, written as text.
//
// Coordinate system: SVG user units are pixels with the origin at the TOP-LEFT corner of the
// canvas, x growing to the right and y growing DOWN. This file only writes elements at pixel
// positions; mapping data values to pixels (and flipping y so that larger values sit higher)
// is the plots' job (plots.cpp).
//
// Numbers are written with at most 2 decimals by default: 1/100 px is far below what a screen
// or a projector can show, and short numbers keep a 13,000-point scatter plot small.
//
//   svg::Document doc(400, 300);                        // white background
//   doc.line(10, 290, 390, 290, {.stroke = "#000000"});
//   doc.text(200, 20, "R² = 0.95", {.size = 16, .anchor = svg::Anchor::Middle});
//   svg::write_file("plot.svg", doc.str());
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace dnagrad::svg {

// "1.5", "2", "-0.25": fixed point with at most `decimals` decimals, trailing zeros dropped and
// never "-0". Throws dnagrad::Error on NaN or Inf: a plot must never write "nan" into a file.
std::string fmt(double value, int decimals = 2);

// Replaces the five XML special characters (& < > " ') by entities, so any text is safe inside
// an element or an attribute value. UTF-8 such as "R²" passes through unchanged.
std::string escape(std::string_view text);

// Rough rendered width in px of `text` at font size `size` in a sans-serif font (0.6 em per
// character, counting UTF-8 code points). Used to size margins and legends.
double text_width(std::string_view text, double size);

// Paint attributes. (Every member has a default initializer, so designated initializers such as
// {.stroke = "#000000"} may leave any of them out without a -Wmissing-field-initializers warning.)
// An empty string or a negative number means "not set": the element inherits
// it from the enclosing group, or gets SVG's default (fill black, no stroke).
struct Style {
  std::string fill{};
  std::string stroke{};
  double stroke_width = -1;
  std::string dash{};        // stroke-dasharray, e.g. "6 4" (6 px on, 4 px off); "none" for solid
  double fill_opacity = -1;  // 0..1; translucent fills let dense scatter regions look darker
};

// Which point of the text sits at (x, y) horizontally. Vertically, y is the baseline.
enum class Anchor { Start, Middle, End };

struct TextStyle {
  double size = 12;  // font size in px
  Anchor anchor = Anchor::Start;
  std::string color = "#222222";
  bool bold = false;
  double rotate = 0;  // degrees clockwise about (x, y); -90 reads bottom to top (y-axis labels)
};

struct Point {
  double x, y;
};

class Document {
 public:
  // A width x height px canvas with a white background (slides may have dark themes).
  Document(double width, double height);

  void line(double x1, double y1, double x2, double y2, const Style& style);
  void polyline(const std::vector<Point>& points, const Style& style);  // open, never filled
  void rect(double x, double y, double width, double height, const Style& style);
  void circle(double cx, double cy, double r, const Style& style = {});
  // A path with SVG path data `d`, optionally drawn through a `transform` such as
  // "translate(10 20) scale(2 3)" (applied right to left: scale first, then translate).
  void path(std::string_view d, const Style& style, std::string_view transform = "");
  void text(double x, double y, std::string_view content, const TextStyle& style = {});

  // <g>: children inherit the group's style and are drawn through its transform. Sharing one
  // style through a group keeps thousands of scatter points from repeating their attributes.
  void begin_group(const Style& style = {}, std::string_view transform = "");
  void end_group();

  // The complete document, with an XML declaration (UTF-8). Throws if a group is still open.
  std::string str() const;

 private:
  double width_, height_;
  std::string body_;
  int open_groups_ = 0;
};

// Writes an SVG document atomically (core/files.h write_file_atomically: a temporary file in the
// same directory renamed over `path`; throws naming the path; no temporary file is left).
void write_file(const std::string& path, std::string_view content);

}  // namespace dnagrad::svg
