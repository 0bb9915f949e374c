// genomics/io/table: TSV/CSV tables (comments, blank lines, CRLF, RFC 4180 quoting, gzip),
// numbers, label tables, the real TF-binding tables of ../shared/data, and error messages that
// name the file, the line and the offending value.
#ifdef DNAGRAD_WITH_GENOMICS_IO  // reads files through htslib (genomics/io)
#include <doctest/doctest.h>
#include <htslib/bgzf.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/rng.h"
#include "genome_fixture.h"
#include "genomics/io/fasta.h"
#include "genomics/io/table.h"
#include "test_util.h"

using namespace dnagrad;
using namespace dnagrad::genomics;
using namespace dnagrad::testing;

namespace {

// mode "w" writes bgzip, "wg" plain gzip.
void write_gzip(const std::string& path, const std::string& content, const char* mode) {
  BGZF* f = bgzf_open(path.c_str(), mode);
  REQUIRE(f != nullptr);
  REQUIRE(bgzf_write(f, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  REQUIRE(bgzf_close(f) == 0);
}

// The message of the error `f` throws, "" when it throws none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

using Rows = std::vector<std::vector<std::string>>;

}  // namespace

TEST_CASE("table: TSV with comments, blank lines, CRLF and no final newline") {
  const Table t = parse_table(
      "# made by hand\n"
      "\n"
      "name\texpr\tgc\r\n"
      "geneA\t2.5\t0.4\r\n"
      "\r\n"
      "# not a comment after the header\t1\t2\n"
      "geneB\t\t.5",
      "labels.tsv");
  CHECK(t.label == "labels.tsv");
  CHECK(t.columns == std::vector<std::string>{"name", "expr", "gc"});
  CHECK(t.rows == Rows{{"geneA", "2.5", "0.4"},
                       {"# not a comment after the header", "1", "2"},
                       {"geneB", "", ".5"}});
  CHECK(t.lines == std::vector<int64_t>{4, 6, 7});
  CHECK(t.column("gc") == 2);
  CHECK(t.has_column("expr"));
  CHECK_FALSE(t.has_column("Expr"));

  // A header alone is a table without rows; a final newline changes nothing.
  const Table header_only = parse_table("a\tb\n", "h.tsv");
  CHECK(header_only.columns == std::vector<std::string>{"a", "b"});
  CHECK(header_only.rows.empty());
  CHECK(parse_table("a\tb\n1\t2\n", "x.tsv").rows == parse_table("a\tb\n1\t2", "x.tsv").rows);
}

TEST_CASE("table: CSV fields follow RFC 4180 quoting, TSV fields are literal") {
  const Table csv = parse_table(
      "\xEF\xBB\xBFid,desc,val\n"
      "\"a,b\",\"say \"\"hi\"\"\",1\n"
      "\"\",5'3\",\n"
      "x,\"\",\"\"\"\"\n",
      "t.CSV");
  CHECK(csv.columns == std::vector<std::string>{"id", "desc", "val"});  // byte order mark gone
  CHECK(csv.rows == Rows{{"a,b", "say \"hi\"", "1"}, {"", "5'3\"", ""}, {"x", "", "\""}});

  const Table tsv = parse_table("a\tb\n\"x\ty\"\n", "t.tsv");
  CHECK(tsv.rows == Rows{{"\"x", "y\""}});
  // The delimiter can be given; quoting then works as for CSV.
  const Table semi = parse_table("a;b\n\"1;2\";3\n", "t.txt", {.delimiter = ';'});
  CHECK(semi.rows == Rows{{"1;2", "3"}});
  // A .csv name read as TSV when told so.
  CHECK(parse_table("a,b\tc\n", "t.csv", {.delimiter = '\t'}).columns ==
        std::vector<std::string>{"a,b", "c"});
}

TEST_CASE("table: plain, gzip and bgzip files read the same") {
  ScratchDir dir;
  const std::string text = "name,y\ns1,1.25\ns2,-3\n";
  const std::string plain = dir.write("t.csv", text);
  const std::string gz = (dir.path() / "t.csv.gz").string();
  const std::string bgz = (dir.path() / "t.bgz.csv.gz").string();
  write_gzip(gz, text, "wg");
  write_gzip(bgz, text, "w");
  REQUIRE(gzip_kind(gz) == 1);
  REQUIRE(gzip_kind(bgz) == 2);
  const Rows expected{{"s1", "1.25"}, {"s2", "-3"}};
  for (const auto& path : {plain, gz, bgz}) {
    INFO(path);
    const Table t = read_table(path);
    CHECK(t.label == path);
    CHECK(t.columns == std::vector<std::string>{"name", "y"});
    CHECK(t.rows == expected);
    CHECK(t.lines == std::vector<int64_t>{2, 3});
  }
  const LabelTable labels = read_labels(gz);
  CHECK(labels.values == std::vector<std::vector<double>>{{1.25}, {-3}});
}

TEST_CASE("table: random label tables survive a write and read, as TSV and as CSV") {
  const uint64_t seed = fresh_seed();
  INFO("seed ", seed);
  Generator gen(seed);
  ScratchDir dir;
  const int n_rows = 1 + static_cast<int>(gen.next_u64() % 40);
  const int n_labels = 1 + static_cast<int>(gen.next_u64() % 4);
  std::vector<std::string> names;
  std::vector<std::vector<double>> values;
  for (int r = 0; r < n_rows; ++r) {
    // Names with commas and quotes exercise CSV quoting; the row number keeps them unique.
    static const char* const kPieces[] = {"gene", "a,b", "say \"x\"", "chr1:5-9", "x y"};
    names.push_back(cat(kPieces[gen.next_u64() % 5], "_", r));
    std::vector<double> row;
    for (int c = 0; c < n_labels; ++c)
      row.push_back((gen.uniform() - 0.5) *
                    std::pow(10.0, static_cast<int>(gen.next_u64() % 12) - 6));
    values.push_back(row);
  }
  auto quote = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  auto number = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return std::string(buf);
  };
  std::string tsv = "name", csv = "name";
  std::vector<std::string> label_columns;
  for (int c = 0; c < n_labels; ++c) {
    label_columns.push_back(cat("y", c));
    tsv += "\ty" + std::to_string(c);
    csv += ",y" + std::to_string(c);
  }
  for (int r = 0; r < n_rows; ++r) {
    tsv += cat("\n", names[r]);
    csv += cat("\n", quote(names[r]));
    for (double v : values[r]) {
      tsv += cat("\t", number(v));
      csv += cat(",", number(v));
    }
  }
  for (const auto& path : {dir.write("l.tsv", tsv), dir.write("l.csv", csv)}) {
    INFO(path);
    const LabelTable labels = read_labels(path);
    CHECK(labels.label == path);
    CHECK(labels.label_columns == label_columns);
    CHECK(labels.names == names);
    CHECK(labels.values == values);  // %.17g round-trips exactly
    REQUIRE(labels.lines.size() == static_cast<size_t>(n_rows));
    for (int r = 0; r < n_rows; ++r) {
      CHECK(labels.lines[r] == r + 2);
      CHECK(labels.index.at(names[r]) == r);
    }
  }
}

TEST_CASE("table: label columns can be picked and reordered") {
  const Table t = parse_table("a\tid\tb\tc\n1\tr1\t5\t2\n3\tr2\t6\t4\n", "pick.tsv");
  const LabelTable picked = labels_from_table(t, "id", {"c", "a"});
  CHECK(picked.label_columns == std::vector<std::string>{"c", "a"});
  CHECK(picked.names == std::vector<std::string>{"r1", "r2"});
  CHECK(picked.values == std::vector<std::vector<double>>{{2, 1}, {4, 3}});
  const LabelTable all = labels_from_table(t, "id");
  CHECK(all.label_columns == std::vector<std::string>{"a", "b", "c"});
  CHECK(all.values == std::vector<std::vector<double>>{{1, 5, 2}, {3, 6, 4}});
  // Default name column: the first one.
  const LabelTable first = labels_from_table(parse_table("n\ty\nq\t7\n", "f.tsv"));
  CHECK(first.names == std::vector<std::string>{"q"});
  CHECK(first.label_columns == std::vector<std::string>{"y"});
}

TEST_CASE("table: numbers are finite decimals or scientific notation") {
  auto num = [](std::string_view s) { return parse_number(s, "n.tsv", 3, "y"); };
  CHECK(num("2.5") == 2.5);
  CHECK(num(" -0.25e2\t") == -25.0);
  CHECK(num("+7") == 7.0);
  CHECK(num(".5") == 0.5);
  CHECK(num("1E3") == 1000.0);
  CHECK(num("1e-400") == 0.0);  // underflow rounds to zero; only overflow is refused
  CHECK(num("4.9e-324") == 4.9e-324);
  auto refused = [&](const std::string& field, const std::string& why) {
    const std::string message = error_of([&] { (void)num(field); });
    INFO("field '", field, "': ", message);
    CHECK(message.find("n.tsv:3: column 'y': '" + field + "' " + why) != std::string::npos);
  };
  refused("", "is not a number");
  refused("abc", "is not a number");
  refused("1.5x", "is not a number");
  refused("0x10", "is not a number");
  refused("+-1", "is not a number");
  refused("1,5", "is not a number");
  refused("NA", "is not a number");
  refused("nan", "is NaN");
  refused("-NaN", "is NaN");
  refused("inf", "is infinite");
  refused("-Infinity", "is infinite");
  refused("1e999", "is infinite (too large for a double)");
}

TEST_CASE("table: bad tables name the file, the line and the value") {
  ScratchDir dir;
  // `pieces` must all appear in the message read_table / read_labels throws for `content`.
  auto bad = [&](const std::string& name, const std::string& content,
                 std::initializer_list<std::string> pieces, bool labels) {
    const std::string path = dir.write(name, content);
    const std::string message =
        error_of([&] { labels ? (void)read_labels(path) : (void)read_table(path); });
    INFO("error message: ", message);
    REQUIRE_FALSE(message.empty());
    CHECK(message.find(path) != std::string::npos);
    for (const auto& p : pieces) CHECK(message.find(p) != std::string::npos);
  };
  bad("empty.tsv", "", {"empty", "no header"}, false);
  bad("comments.tsv", "# only\n\n#comments\n", {"empty", "no header"}, false);
  bad("fields.tsv", "a\tb\tc\td\n1\t2\t3\t4\n\n1\t2\t3\n",
      {":4:", "3 fields, the header (line 1) has 4", "'1\t2\t3'"}, false);
  bad("more.csv", "a,b\n1,2,3\n", {":2:", "3 fields", "has 2", "'1,2,3'"}, false);
  bad("dup.tsv", "# x\nid\ty\tz\ty\n", {":2:", "duplicate column 'y'", "columns 2 and 4"}, false);
  bad("open.csv", "a,b\n1,\"2\n", {":2:", "field 2", "does not close", "\"2"}, false);
  bad("after.csv", "a,b\n\"1\"x,2\n", {":2:", "field 1", "after the closing quote", "\"1\"x"},
      false);
  // Label tables.
  bad("header.tsv", "name\ty\n", {"header but no rows"}, true);
  bad("noname.tsv", "name\ty\ng1\t1\n\t2\n", {":3:", "column 'name'", "name is empty"}, true);
  bad("twice.tsv", "name\ty\ng1\t1\ng2\t2\ng1\t3\n", {":4:", "duplicate name 'g1'", "line 2"},
      true);
  bad("text.tsv", "name\texpr\ng1\t1\ng2\tabc\n", {":3: column 'expr': 'abc' is not a number"},
      true);
  bad("nan.csv", "name,expr\ng1,NaN\n", {":2: column 'expr': 'NaN' is NaN"}, true);
  bad("inf.csv", "name,expr\ng1,1\ng2,-inf\n", {":3: column 'expr': '-inf' is infinite"}, true);
  bad("alone.tsv", "name\ng1\n", {"no label columns", "'name'"}, true);
  bad("semicolon.tsv", "name;y\ng1;1\n", {"no label columns", "'name;y'"}, true);
}

TEST_CASE("table: unknown and misused columns are named with the columns there are") {
  const Table t = parse_table("name\texpr\tgc\ng1\t1\t2\n", "cols.tsv");
  auto mentions = [](const std::string& message, std::initializer_list<std::string> pieces) {
    INFO("error message: ", message);
    REQUIRE_FALSE(message.empty());
    for (const auto& p : pieces) CHECK(message.find(p) != std::string::npos);
  };
  mentions(error_of([&] { (void)t.column("expression"); }),
           {"cols.tsv: no column 'expression' (columns: name, expr, gc)"});
  mentions(error_of([&] { (void)labels_from_table(t, "gene"); }), {"cols.tsv", "no column 'gene'"});
  mentions(error_of([&] {
             (void)labels_from_table(t, "", {"expr", "nope"});
           }),
           {"cols.tsv", "no column 'nope'"});
  mentions(error_of([&] { (void)labels_from_table(t, "", {"name"}); }),
           {"cols.tsv", "'name' holds the names"});
  mentions(error_of([&] {
             (void)labels_from_table(t, "", {"gc", "gc"});
           }),
           {"cols.tsv", "'gc' is asked for twice"});
  // A file read with the wrong delimiter has one column; the message says so.
  const Table one = parse_table("name,expr\ng1,1\n", "commas.txt");
  mentions(error_of([&] { (void)one.column("expr"); }),
           {"commas.txt", "no column 'expr' (columns: name,expr)", "only one column"});
  // Many columns are listed only in part.
  std::string header = "c0";
  for (int i = 1; i < 30; ++i) header += "\tc" + std::to_string(i);
  const Table wide = parse_table(header + "\n", "wide.tsv");
  mentions(error_of([&] { (void)wide.column("x"); }), {"c0, c1", "c9, ... (30 in all)"});
  // Text labels are classes only in a single label column; else the message names the column
  // in the file, not its position in the request.
  const Table letters = parse_table("a\tb\tid\nx\t1\tr1\n", "letters.tsv");
  mentions(error_of([&] { (void)labels_from_table(letters, "id"); }),
           {"letters.tsv:2: column 'a': 'x' is not a number", "single label column"});
}

TEST_CASE("table: text labels are classes, indexed by their sorted names") {
  const LabelTable t =
      labels_from_table(parse_table("name\tlabel\ng1\tunbound\ng2\tbound\ng3\tunbound\n", "t.tsv"));
  CHECK(t.class_names == std::vector<std::string>{"bound", "unbound"});
  CHECK(t.values == std::vector<std::vector<double>>{{1}, {0}, {1}});
  // Numbers and text mixed: the first text value is the error.
  const std::string mixed =
      error_of([] { (void)labels_from_table(parse_table("n\ty\ng1\t1\ng2\tabc\n", "m.tsv")); });
  CHECK(mixed.find("m.tsv:3: column 'y': 'abc' is not a number") != std::string::npos);
}

TEST_CASE("table: a header of numbers is a first row of data; header = false reads it as a row") {
  ScratchDir dir;
  const std::string path = dir.write("nh.tsv", "g1\t0.5\ng2\t1.5\n");
  const std::string message = error_of([&] { (void)read_labels(path); });
  CHECK(message.find(path + ":1: the first line looks like data") != std::string::npos);
  CHECK(message.find("--no-header") != std::string::npos);
  const LabelTable t = read_labels(path, "", {}, false);
  CHECK(t.names == std::vector<std::string>{"g1", "g2"});
  CHECK(t.label_columns == std::vector<std::string>{"label"});
  CHECK(t.lines == std::vector<int64_t>{1, 2});
}

TEST_CASE("table: the TF-binding tables of chromosome 22 read whole and fast") {
  const std::string dir = std::string(DNAGRAD_DATA_DIR) + "/tf_binding_chr22";
  const std::string scores_path = dir + "/chr22_scores.txt.gz";
  const std::string sequences_path = dir + "/chr22_sequences.txt.gz";
  if (!std::filesystem::exists(scores_path) || !std::filesystem::exists(sequences_path))
    FAIL("the TF-binding data is missing: expected ", scores_path, " and ", sequences_path,
         " (the shared data folder ../shared/data, set by DNAGRAD_DATA_DIR)");
  // The scores: a header of 23,139 window names, then 300 rows, one per position 0..299.
  const auto start = std::chrono::steady_clock::now();
  const Table scores = read_table(scores_path);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("read ", scores_path, " (300 x 23,139 fields) in ", seconds, " s");
  REQUIRE(scores.columns.size() == 23139);
  REQUIRE(scores.rows.size() == 300);
  CHECK(scores.columns.front() == "chr22_10510500_10510799");
  CHECK(scores.lines.back() == 301);
  // Values computed with awk from the decompressed file: the first non-zero score is on file
  // line 2 in column 386, and the 151st row (file line 152) sums to 7815.197617.
  CHECK(parse_number(scores.rows[0][385], scores.label, 2, scores.columns[385]) == 6.933214);
  double row_sum = 0;
  for (size_t c = 0; c < scores.columns.size(); ++c)
    row_sum += parse_number(scores.rows[150][c], scores.label, 152, scores.columns[c]);
  CHECK(row_sum == doctest::Approx(7815.197617).epsilon(1e-12));

  // The sequences: "sequence<TAB>window_name", one 300 bp window per score column, same order.
  const Table sequences = read_table(sequences_path);
  REQUIRE(sequences.columns == std::vector<std::string>{"sequence", "window_name"});
  REQUIRE(sequences.rows.size() == 23139);
  for (size_t r = 0; r < sequences.rows.size(); ++r) {
    REQUIRE(sequences.rows[r][0].size() == 300);
    REQUIRE(sequences.rows[r][1] == scores.columns[r]);
  }
}
#endif  // DNAGRAD_WITH_GENOMICS_IO
