#include "genomics/io/table.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>

#include "core/error.h"
#include "genomics/io/fasta.h"
#include "genomics/io/text_lines.h"

namespace dnagrad::genomics {

namespace {

bool ends_with_nocase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  s = s.substr(s.size() - suffix.size());
  for (size_t i = 0; i < s.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != suffix[i]) return false;
  return true;
}

char pick_delimiter(const std::string& label, const TableOptions& options) {
  if (options.delimiter != 0) return options.delimiter;
  return ends_with_nocase(label, ".csv") || ends_with_nocase(label, ".csv.gz") ? ',' : '\t';
}

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t") == line.npos; }

// Splits `line` at `delim` into `fields` (appended). With `quoting`, a field that starts with '"'
// runs to the next lone '"' and "" inside it stands for one '"' (RFC 4180).
void split_fields(std::string_view line, char delim, bool quoting, const std::string& label,
                  int64_t line_no, std::vector<std::string>& fields) {
  size_t pos = 0;
  for (;;) {
    if (!quoting || pos >= line.size() || line[pos] != '"') {
      const size_t end = line.find(delim, pos);
      if (end == line.npos) {
        fields.emplace_back(line.substr(pos));
        return;
      }
      fields.emplace_back(line.substr(pos, end - pos));
      pos = end + 1;
      continue;
    }
    const size_t open = pos;
    std::string field;
    for (size_t i = open + 1;;) {
      const size_t quote = line.find('"', i);
      DNAGRAD_CHECK(
          quote != line.npos, label, ":", line_no, ": field ", fields.size() + 1,
          " opens a quote that does not close on this line: ", preview(line.substr(open)));
      field.append(line.substr(i, quote - i));
      if (quote + 1 < line.size() && line[quote + 1] == '"') {  // "" inside quotes
        field.push_back('"');
        i = quote + 2;
        continue;
      }
      pos = quote + 1;
      break;
    }
    fields.push_back(std::move(field));
    if (pos == line.size()) return;
    DNAGRAD_CHECK(line[pos] == delim, label, ":", line_no, ": field ", fields.size(),
                  ": text after the closing quote: ", preview(line.substr(open)));
    ++pos;
  }
}

}  // namespace

// ---- Table -----------------------------------------------------------------------------------

bool Table::has_column(std::string_view name) const {
  for (const auto& c : columns)
    if (c == name) return true;
  return false;
}

int64_t Table::column(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return static_cast<int64_t>(i);
  std::string known;
  for (size_t i = 0; i < columns.size() && i < 10; ++i) known += (i ? ", " : "") + columns[i];
  if (columns.size() > 10) known += cat(", ... (", columns.size(), " in all)");
  const bool one = columns.size() == 1;
  fail(label, ": no column '", name, "' (columns: ", known, ")",
       one ? "; only one column was found: is the file separated by another delimiter than the "
             "one assumed (tab, or ',' for .csv)?"
           : "");
}

Table parse_table(std::string_view text, const std::string& label, const TableOptions& options) {
  const char delim = pick_delimiter(label, options);
  const bool quoting = delim != '\t';
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  Table table;
  table.label = label;
  int64_t header_line = 0;
  for_each_line(text, [&](std::string_view line, int64_t line_no) {
    if (is_blank(line)) return true;
    if (header_line == 0) {
      if (line[0] == '#') return true;  // a comment before the header
      header_line = line_no;
      if (!options.header) {  // the first row fixes the number of columns
        std::vector<std::string> first;
        split_fields(line, delim, quoting, label, line_no, first);
        for (size_t c = 0; c < first.size(); ++c) table.columns.push_back(cat("column_", c + 1));
        table.rows.push_back(std::move(first));
        table.lines.push_back(line_no);
        return true;
      }
      table.header_line = line_no;
      split_fields(line, delim, quoting, label, line_no, table.columns);
      std::unordered_map<std::string_view, size_t> seen;
      for (size_t c = 0; c < table.columns.size(); ++c) {
        auto [it, fresh] = seen.emplace(table.columns[c], c);
        DNAGRAD_CHECK(fresh, label, ":", line_no, ": duplicate column '", table.columns[c],
                      "' (columns ", it->second + 1, " and ", c + 1, ")");
      }
      return true;
    }
    std::vector<std::string> row;
    row.reserve(table.columns.size());
    split_fields(line, delim, quoting, label, line_no, row);
    DNAGRAD_CHECK(row.size() == table.columns.size(), label, ":", line_no, ": ", row.size(),
                  " fields, ", options.header ? "the header" : "the first row", " (line ",
                  header_line, ") has ", table.columns.size(), ": '", preview(line), "'");
    table.rows.push_back(std::move(row));
    table.lines.push_back(line_no);
    return true;
  });
  DNAGRAD_CHECK(header_line != 0, label, ": the table is empty (no ",
                options.header ? "header line)" : "rows)");
  return table;
}

Table read_table(const std::string& path, const TableOptions& options) {
  return parse_table(read_text_file(path), path, options);
}

// ---- numbers ---------------------------------------------------------------------------------

double parse_number(std::string_view field, const std::string& label, int64_t line,
                    std::string_view column) {
  auto where = [&] { return cat(label, ":", line, ": column '", column, "': '", field, "'"); };
  std::string_view s = field;
  const size_t first = s.find_first_not_of(" \t");
  s = first == s.npos ? std::string_view() : s.substr(first, s.find_last_not_of(" \t") - first + 1);
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);  // from_chars rejects '+'
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  DNAGRAD_CHECK(!s.empty() && end == s.data() + s.size(), where(), " is not a number");
  // Out of range: overflow comes back from strtod as +-HUGE_VAL (infinite, rejected below),
  // underflow as the nearest tiny value or 0.
  if (ec == std::errc::result_out_of_range) value = std::strtod(std::string(s).c_str(), nullptr);
  DNAGRAD_CHECK(!std::isnan(value), where(), " is NaN");
  DNAGRAD_CHECK(!std::isinf(value), where(), " is infinite",
                ec == std::errc::result_out_of_range ? " (too large for a double)" : "");
  return value;
}

namespace {

// Whether a field starts like a number (strtod reads something: 1, -2.5, 1e3, nan, inf). A
// label column where no field does holds text labels (classes); otherwise every field must be
// a finite number, and NaN and inf fail as such.
bool number_like(const std::string& field) {
  const char* begin = field.c_str();
  char* end = nullptr;
  std::strtod(begin, &end);  // skips leading whitespace
  return end != begin;
}

}  // namespace

EncodedLabels encode_labels(const std::vector<std::string>& fields, const std::string& label,
                            const std::vector<int64_t>& lines, std::string_view column,
                            bool single_column) {
  EncodedLabels out;
  bool any_number = false;
  for (const std::string& f : fields) any_number = any_number || number_like(f);
  if (any_number) {  // numbers: every field must be one (the error names the first that is not)
    for (size_t i = 0; i < fields.size(); ++i)
      out.values.push_back(parse_number(fields[i], label, lines[i], column));
    return out;
  }
  DNAGRAD_CHECK(single_column || fields.empty(), label, ":", lines.front(), ": column '", column,
                "': '", fields.front(),
                "' is not a number (text labels are classes, which need a single label column; "
                "choose one with --label-columns)");
  std::set<std::string> distinct(fields.begin(), fields.end());
  out.class_names.assign(distinct.begin(), distinct.end());
  for (const std::string& f : fields)
    out.values.push_back(
        static_cast<double>(std::lower_bound(out.class_names.begin(), out.class_names.end(), f) -
                            out.class_names.begin()));
  return out;
}

// ---- label tables ----------------------------------------------------------------------------

LabelTable labels_from_table(const Table& table, const std::string& name_column,
                             const std::vector<std::string>& label_columns) {
  DNAGRAD_CHECK(!table.rows.empty(), table.label, ": the label table has a header but no rows");
  const int64_t name_col = name_column.empty() ? 0 : table.column(name_column);
  const std::string& name_header = table.columns[name_col];
  LabelTable out;
  out.label = table.label;
  std::vector<int64_t> cols;
  if (label_columns.empty()) {
    for (int64_t c = 0; c < static_cast<int64_t>(table.columns.size()); ++c)
      if (c != name_col) cols.push_back(c);
  } else {
    for (const auto& name : label_columns) {
      const int64_t c = table.column(name);
      DNAGRAD_CHECK(c != name_col, table.label, ": column '", name,
                    "' holds the names, it cannot also be a label column");
      for (int64_t earlier : cols)
        DNAGRAD_CHECK(earlier != c, table.label, ": label column '", name, "' is asked for twice");
      cols.push_back(c);
    }
  }
  DNAGRAD_CHECK(!cols.empty(), table.label,
                ": no label columns: the table has only the name "
                "column '",
                name_header, "'");
  for (int64_t c : cols) out.label_columns.push_back(table.columns[c]);
  // A header of numbers is a first row of data read as column names: one sample would vanish.
  if (label_columns.empty() && table.header_line > 0) {
    bool all_numbers = true;
    for (int64_t c : cols) {
      try {
        parse_number(table.columns[c], table.label, table.header_line, "");
      } catch (const Error&) {
        all_numbers = false;
      }
    }
    DNAGRAD_CHECK(!all_numbers, table.label, ":", table.header_line,
                  ": the first line looks like data, not a header (column '",
                  table.columns[cols[0]],
                  "' is a number): add a header line naming the columns (e.g. 'name<TAB>label') "
                  "or give --no-header");
  }

  const size_t n = table.rows.size();
  out.names.reserve(n);
  out.values.reserve(n);
  out.lines = table.lines;
  out.index.reserve(n);
  for (size_t r = 0; r < n; ++r) {
    const std::string& name = table.rows[r][name_col];
    const int64_t line = table.lines[r];
    DNAGRAD_CHECK(!name.empty(), table.label, ":", line, ": column '", name_header,
                  "': the name is empty");
    auto [it, fresh] = out.index.emplace(name, static_cast<int64_t>(r));
    DNAGRAD_CHECK(fresh, table.label, ":", line, ": duplicate name '", name, "' (also at line ",
                  table.lines[it->second], ")");
    out.names.push_back(name);
  }
  // Column by column: one column of text labels is classes.
  out.values.assign(n, std::vector<double>(cols.size()));
  for (size_t k = 0; k < cols.size(); ++k) {
    std::vector<std::string> fields;
    for (size_t r = 0; r < n; ++r) fields.push_back(table.rows[r][cols[k]]);
    EncodedLabels e =
        encode_labels(fields, table.label, table.lines, table.columns[cols[k]], cols.size() == 1);
    if (!e.class_names.empty()) out.class_names = std::move(e.class_names);
    for (size_t r = 0; r < n; ++r) out.values[r][k] = e.values[r];
  }
  return out;
}

Table read_label_file(const std::string& path, bool header) {
  Table table = read_table(path, {.header = header});
  if (!header) {  // name the columns as a header would: name, label (or label_1, label_2, ...)
    const size_t n = table.columns.size();
    for (size_t c = 0; c < n; ++c)
      table.columns[c] = c == 0 ? "name" : n == 2 ? "label" : cat("label_", c);
  }
  return table;
}

LabelTable read_labels(const std::string& path, const std::string& name_column,
                       const std::vector<std::string>& label_columns, bool header) {
  return labels_from_table(read_label_file(path, header), name_column, label_columns);
}

}  // namespace dnagrad::genomics
