// SVG writing: number formatting, XML escaping, the element builder and the atomic file writer.
#include "genomics/plot/svg.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/files.h"

namespace dnagrad::svg {

std::string fmt(double value, int decimals) {
  DNAGRAD_CHECK(std::isfinite(value), "svg: cannot write the non-finite number ", value);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string text = buffer;
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);  // "1.500" -> "1.5", "2.000" -> "2."
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

double text_width(std::string_view text, double size) {
  int code_points = 0;
  for (unsigned char c : text) code_points += (c & 0xC0) != 0x80;  // skip UTF-8 continuation bytes
  return 0.6 * size * code_points;
}

namespace {

// ` fill="..." stroke="..."` for the attributes that are set.
std::string style_attributes(const Style& style) {
  std::string out;
  if (!style.fill.empty()) out += " fill=\"" + escape(style.fill) + "\"";
  if (!style.stroke.empty()) out += " stroke=\"" + escape(style.stroke) + "\"";
  if (style.stroke_width >= 0) out += " stroke-width=\"" + fmt(style.stroke_width) + "\"";
  if (!style.dash.empty()) out += " stroke-dasharray=\"" + escape(style.dash) + "\"";
  if (style.fill_opacity >= 0) out += " fill-opacity=\"" + fmt(style.fill_opacity) + "\"";
  return out;
}

std::string transform_attribute(std::string_view transform) {
  return transform.empty() ? "" : " transform=\"" + escape(transform) + "\"";
}

}  // namespace

Document::Document(double width, double height) : width_(width), height_(height) {
  DNAGRAD_CHECK(width > 0 && height > 0, "svg: canvas must have a positive size, got ", width,
                " x ", height);
  rect(0, 0, width, height, {.fill = "#ffffff"});
}

void Document::line(double x1, double y1, double x2, double y2, const Style& style) {
  body_ += "<line x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" +
           fmt(y2) + "\"" + style_attributes(style) + "/>\n";
}

void Document::polyline(const std::vector<Point>& points, const Style& style) {
  std::string coordinates;
  for (const Point& p : points) {
    if (!coordinates.empty()) coordinates += ' ';
    coordinates += fmt(p.x) + "," + fmt(p.y);
  }
  body_ +=
      "<polyline points=\"" + coordinates + "\" fill=\"none\"" + style_attributes(style) + "/>\n";
}

void Document::rect(double x, double y, double width, double height, const Style& style) {
  body_ += "<rect x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" width=\"" + fmt(width) +
           "\" height=\"" + fmt(height) + "\"" + style_attributes(style) + "/>\n";
}

void Document::circle(double cx, double cy, double r, const Style& style) {
  body_ += "<circle cx=\"" + fmt(cx, 1) + "\" cy=\"" + fmt(cy, 1) + "\" r=\"" + fmt(r) + "\"" +
           style_attributes(style) + "/>\n";
}

void Document::path(std::string_view d, const Style& style, std::string_view transform) {
  body_ += "<path d=\"" + escape(d) + "\"" + style_attributes(style) +
           transform_attribute(transform) + "/>\n";
}

void Document::text(double x, double y, std::string_view content, const TextStyle& style) {
  static const char* const anchors[] = {"start", "middle", "end"};
  body_ += "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" font-size=\"" + fmt(style.size) +
           "\" fill=\"" + escape(style.color) + "\"";
  if (style.anchor != Anchor::Start) {
    body_ += " text-anchor=\"";
    body_ += anchors[static_cast<int>(style.anchor)];
    body_ += '"';
  }
  if (style.bold) body_ += " font-weight=\"bold\"";
  if (style.rotate != 0)
    body_ += " transform=\"rotate(" + fmt(style.rotate) + " " + fmt(x) + " " + fmt(y) + ")\"";
  body_ += '>';
  body_ += escape(content);
  body_ += "</text>\n";
}

void Document::begin_group(const Style& style, std::string_view transform) {
  body_ += "<g" + style_attributes(style) + transform_attribute(transform) + ">\n";
  ++open_groups_;
}

void Document::end_group() {
  DNAGRAD_CHECK(open_groups_ > 0, "svg: end_group without a matching begin_group");
  body_ += "</g>\n";
  --open_groups_;
}

std::string Document::str() const {
  DNAGRAD_CHECK(open_groups_ == 0, "svg: ", open_groups_, " group(s) still open");
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         fmt(width_) + "\" height=\"" + fmt(height_) + "\" viewBox=\"0 0 " + fmt(width_) + " " +
         fmt(height_) + "\" font-family=\"Helvetica, Arial, sans-serif\">\n" + body_ + "</svg>\n";
}

void write_file(const std::string& path, std::string_view content) {
  write_file_atomically(path, content);
}

}  // namespace dnagrad::svg
