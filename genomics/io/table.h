// Delimited text tables: TSV and CSV, plain or gzip/bgzip-compressed, read whole into memory as
// strings, plus the label table of the training tasks (a name column and numeric label columns).
//
// The format read here:
//   - The first line that is neither blank nor a '#' comment is the header: the column names.
//     '#' lines are comments only before the header; after it they are rows like any other.
//   - Every row has exactly as many fields as the header. Blank lines are skipped anywhere but
//     still counted, so line numbers in messages are the file's own (1-based, as editors show).
//   - LF or CRLF line endings; the last line may or may not end with a newline; a UTF-8 byte
//     order mark at the start is ignored.
//   - The delimiter is ',' for names ending in .csv or .csv.gz and a tab otherwise, unless
//     TableOptions says. With any delimiter but the tab, fields may be double-quoted as in
//     RFC 4180: "a,b" holds a comma and "say ""hi""" a quote; a quoted field must close on its
//     own line. Tab-separated fields are taken literally. Fields are never trimmed.
// Every error names the file, the line and the offending value.
// Built only with DNAGRAD_GENOMICS_IO (gzip input is decompressed through htslib).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dnagrad::genomics {

struct TableOptions {
  char delimiter = 0;  // 0: ',' for names ending .csv/.csv.gz, otherwise '\t'
  bool header = true;  // false: every line is a row; columns are named column_1, column_2, ...
};

struct Table {
  std::string label;                           // the file's path, for messages
  std::vector<std::string> columns;            // header names, in file order
  std::vector<std::vector<std::string>> rows;  // [row][column]; each row has columns.size() fields
  std::vector<int64_t> lines;                  // 1-based file line of each row
  int64_t header_line = 0;                     // 1-based line of the header; 0 without one
  // Index of a column; throws "<file>: no column 'x' (columns: a, b, c)".
  int64_t column(std::string_view name) const;
  bool has_column(std::string_view name) const;
};

// Reads a table file (plain, gzip or bgzip). Throws for a missing or empty file (no header), a
// duplicate column name, a row whose field count differs from the header's, and an unclosed or
// malformed quoted field.
Table read_table(const std::string& path, const TableOptions& options = {});
// The same on text already in memory; `label` names it in messages and picks the delimiter.
Table parse_table(std::string_view text, const std::string& label,
                  const TableOptions& options = {});

// A finite number from a field (decimal or scientific notation; surrounding spaces allowed).
// Throws "<label>:<line>: column '<col>': '<field>' is not a number", or "... is NaN" /
// "... is infinite" for NaN, inf and values too large for a double.
double parse_number(std::string_view field, const std::string& label, int64_t line,
                    std::string_view column);

// Labels of one column as numbers, or, when none of them is a number, as classes: text labels
// ("bound", "unbound") become indices into their sorted distinct names (scikit-learn's
// LabelEncoder), so the mapping does not depend on the order of the rows. A column that mixes
// numbers and text is an error at its first text value (label:lines[i]: column 'c': 'x' is not
// a number). Classes need the labels to be a single column (`single_column`), else an error.
struct EncodedLabels {
  std::vector<double> values;
  std::vector<std::string> class_names;  // empty for numeric labels; else name of index i
};
EncodedLabels encode_labels(const std::vector<std::string>& fields, const std::string& label,
                            const std::vector<int64_t>& lines, std::string_view column,
                            bool single_column = true);

// A label table keyed by name: one column of names (sequence or gene ids) and one or more
// numeric label columns, e.g.
//   name    expr   gc
//   geneA   2.5    0.41
struct LabelTable {
  std::string label;                               // the file's path, for messages
  std::vector<std::string> label_columns;          // the numeric columns, in the order asked for
  std::vector<std::string> names;                  // row order
  std::vector<std::vector<double>> values;         // [row][label column]
  std::vector<std::string> class_names;            // text labels (one column): index -> name
  std::vector<int64_t> lines;                      // 1-based file line of each row
  std::unordered_map<std::string, int64_t> index;  // name -> row
};

// name_column "" = the first column; label_columns empty = every other column. Throws for a
// table without rows, an unknown column, an empty or duplicate name (naming both lines), and a
// label that is not a finite number (a single label column of text is classes: encode_labels).
// A header whose label columns are all numbers is taken for
// a first row of data (the sample would silently become column names): an error asks for a
// header line or header = false. Without a header the columns are "name" and "label" (or
// label_1, label_2, ... for several).
LabelTable read_labels(const std::string& path, const std::string& name_column = "",
                       const std::vector<std::string>& label_columns = {}, bool header = true);
// The table of read_labels before its values are parsed (header = false: columns named as
// above), for callers that check the names first.
Table read_label_file(const std::string& path, bool header = true);
LabelTable labels_from_table(const Table& table, const std::string& name_column = "",
                             const std::vector<std::string>& label_columns = {});

}  // namespace dnagrad::genomics
